package dev.hoststack.api;

/**
 * One worker of an application ({@code app_worker_t}): the unit a connection is handed to.
 *
 * <p>Events for it are queued by data threads and taken by the application with
 * {@link #pollEvents}, from one thread at a time.
 */
public interface AppWorker {

    /** The application it belongs to. */
    Application application();

    /**
     * Its index inside the application (VPP's {@code wrk_map_index}), from 0. User-facing output
     * prints workers with this 0-based index unless it says otherwise.
     */
    int workerIndex();

    /** Its index in the stack-wide app worker pool (VPP's {@code wrk_index}). */
    int globalIndex();

    /** Whether it is still part of an attached application. */
    boolean alive();

    /**
     * Takes up to {@code max} queued events, oldest first, handing each to {@code handler}.
     * Call from one thread at a time (the application's).
     *
     * @return how many events were taken
     */
    int pollEvents(AppEventHandler handler, int max);

    /** Events queued and not yet taken. */
    int pendingEvents();
}
