package dev.hoststack.api;

/**
 * Receives an app worker's events. Called on the thread that polls the worker's queue (see
 * {@link AppWorker#pollEvents}), one event at a time, with primitives only: no allocation per event.
 */
@FunctionalInterface
public interface AppEventHandler {

    /**
     * One event.
     *
     * @param type           what happened
     * @param sessionHandle  the session concerned ({@link SessionHandle})
     * @param listenerHandle for {@link AppEventType#ACCEPT}, the handle of the listen session the
     *                       connection arrived on; otherwise {@link SessionHandle#INVALID}
     */
    void onEvent(AppEventType type, long sessionHandle, long listenerHandle);
}
