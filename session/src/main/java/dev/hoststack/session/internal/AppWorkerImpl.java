package dev.hoststack.session.internal;

import dev.hoststack.api.AppEventHandler;
import dev.hoststack.api.AppEventType;
import dev.hoststack.session.SessionWorker;
import dev.hoststack.session.WorkerLoad;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongConsumer;

/**
 * An app worker: its identity, its event queues, and its counters.
 *
 * <p>Data threads queue events ({@link #deliver}), each in its own queue to this worker (as VPP's
 * session threads gather a worker's events per thread before they reach its message queue), and
 * bump counters concurrently; the application takes events from one thread at a time
 * ({@link #pollEvents}). The SYN path's
 * counters (dispatched, accepted, migrated in) are kept per data thread, each in its own
 * 128-byte region written only by that thread with a plain increment and an opaque store (no
 * CAS); a read sums them (exact once the data threads are quiescent).
 */
public final class AppWorkerImpl implements SessionWorker {

    private final ApplicationImpl app;
    private final int workerIndex;
    private final int globalIndex;
    /**
     * Its event queue: one ring per data thread, each written only by that thread (no CAS per
     * event); the application drains them all (see {@link #pollEvents}).
     */
    private final SpscLongRing[] events;
    /** The ring {@link #pollEvents} starts at next (the application's thread only). */
    private int nextRing;
    private volatile boolean alive = true;

    private static final VarHandle LONGS = MethodHandles.arrayElementVarHandle(long[].class);
    /** Longs per data thread's region: 128 bytes, so no two threads share a cache line pair. */
    private static final int STRIDE = 16;
    private static final int DISPATCHED = 0;
    private static final int ACCEPTED = 1;
    private static final int MIGRATED_IN = 2;

    /** Per data thread t, at {@code t * STRIDE + counter}. */
    private final long[] perThread;
    private final LongAdder queueFull = new LongAdder();

    /**
     * Hands a queued event to the application's handler, the drain's context (not a field of the
     * worker: storing the handler in this long-lived object on every poll cost a G1 write
     * barrier's StoreLoad fence), and releases a session whose end the application took.
     */
    private final SpscLongRing.ContextHandler<AppEventHandler> adapter;
    private final WorkerLoad load;

    public AppWorkerImpl(ApplicationImpl app, int workerIndex, int globalIndex, int queueCapacity, int threads,
                         LongConsumer release) {
        this.perThread = new long[threads * STRIDE];
        this.adapter = (handler, type, session, listener) -> {
            AppEventType t = AppEventType.of((int) type);
            handler.onEvent(t, session, listener);
            if (t == AppEventType.RESET || t == AppEventType.DISCONNECT) {
                release.accept(session);
            }
        };
        this.app = app;
        this.workerIndex = workerIndex;
        this.globalIndex = globalIndex;
        this.events = new SpscLongRing[threads];
        for (int t = 0; t < events.length; t++) {
            events[t] = new SpscLongRing(queueCapacity);
        }
        this.load = new WorkerLoad(threads);
    }

    /**
     * Its load as selectors read it: pending and established sessions, counted by the session
     * pools at each state change; congested while an event found its queue full and the
     * application has not polled since. A runtime that hands connections elsewhere (the daemon)
     * writes it itself.
     */
    public WorkerLoad load() {
        return load;
    }

    @Override
    public ApplicationImpl application() {
        return app;
    }

    @Override
    public int workerIndex() {
        return workerIndex;
    }

    @Override
    public int globalIndex() {
        return globalIndex;
    }

    @Override
    public boolean alive() {
        return alive;
    }

    public void kill() {
        alive = false;
    }

    /**
     * {@inheritDoc}
     *
     * <p>Events of one session come in order (a session lives on one data thread, whose events
     * queue in order); events of sessions on different data threads have no order between them,
     * and each poll starts at the next data thread's queue in turn, so none is left behind.
     *
     * <p>Taking a RESET or DISCONNECT event releases its session (the layer kept it, CLOSED, until
     * then, so its handle could not name another session meanwhile).
     */
    @Override
    public int pollEvents(AppEventHandler handler, int max) {
        final SpscLongRing[] rings = events;
        int n;
        if (rings.length == 1) {
            n = rings[0].drain(adapter, handler, max);
        } else {
            final int first = nextRing;
            nextRing = first + 1 == rings.length ? 0 : first + 1;
            n = 0;
            for (int i = 0, t = first; i < rings.length && n < max; i++, t = t + 1 == rings.length ? 0 : t + 1) {
                n += rings[t].drain(adapter, handler, max - n);
            }
        }
        if (n > 0) {
            load.congested(false);
        }
        return n;
    }

    @Override
    public int pendingEvents() {
        int n = 0;
        for (SpscLongRing r : events) {
            n += r.size();
        }
        return n;
    }

    /**
     * Queues an event from data thread {@code thread} (that thread's owner only; allocation-free,
     * no CAS: each data thread has its own queue to each worker).
     *
     * @return false if that thread's queue to this worker is full; the caller then resets the
     *         connection
     */
    public boolean deliver(int thread, AppEventType type, long sessionHandle, long listenerHandle) {
        if (events[thread].offer(type.ordinal(), sessionHandle, listenerHandle)) {
            return true;
        }
        queueFull.increment();
        load.congested(true);
        return false;
    }

    /** Counts on data thread {@code thread} (that thread only; allocation-free, no CAS). */
    private void count(int thread, int counter) {
        final int i = thread * STRIDE + counter;
        LONGS.setOpaque(perThread, i, perThread[i] + 1);
    }

    private long sum(int counter) {
        long n = 0;
        for (int i = counter; i < perThread.length; i += STRIDE) {
            n += (long) LONGS.getOpaque(perThread, i);
        }
        return n;
    }

    public void countDispatched(int thread) {
        count(thread, DISPATCHED);
    }

    public void countAccepted(int thread) {
        count(thread, ACCEPTED);
    }

    public void countMigratedIn(int thread) {
        count(thread, MIGRATED_IN);
    }

    /** SYNs whose connection was given to this worker. */
    public long dispatched() {
        return sum(DISPATCHED);
    }

    /** Accept events queued for it. */
    public long accepted() {
        return sum(ACCEPTED);
    }

    /** Connections moved to it from a worker that left. */
    public long migratedIn() {
        return sum(MIGRATED_IN);
    }

    /** Events refused because its queue was full. */
    public long queueFull() {
        return queueFull.sum();
    }

    /** {@code app-wN} with the 0-based worker index. */
    public String label() {
        return app.name() + "-w" + workerIndex;
    }

    @Override
    public String toString() {
        return label();
    }
}
