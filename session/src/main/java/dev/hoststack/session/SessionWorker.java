package dev.hoststack.session;

import dev.hoststack.api.AppWorker;

/**
 * An app worker as the session layer keeps it: the {@link AppWorker} model plus its read-only
 * counters and load, for reports and tools (the command line's tables, the daemon's
 * {@code show}).
 *
 * <p>Threading: every method may be called from any thread. The counters are kept per data thread
 * with plain increments and opaque stores and summed on read: exact once the data threads are
 * quiescent, otherwise a recent value. The implementation is internal.
 */
public interface SessionWorker extends AppWorker {

    @Override
    SessionApplication application();

    /** {@code app-wN}: the application's name and the worker's index. */
    String label();

    /** Connections a listener or reuseport group chose this worker for. */
    long dispatched();

    /** Accept events queued for this worker. */
    long accepted();

    /** Pending connections moved to this worker from a departed one. */
    long migratedIn();

    /** Events refused because this worker's queue was full. */
    long queueFull();

    /** The worker's pending and established connections per data thread, and whether it is congested. */
    WorkerLoad load();
}
