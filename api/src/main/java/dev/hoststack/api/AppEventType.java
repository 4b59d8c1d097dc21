package dev.hoststack.api;

/** The events an app worker receives on its event queue (VPP's app message queue). */
public enum AppEventType {
    /** A connection completed its handshake on one of the worker's listeners; answer with accept. */
    ACCEPT,
    /** An outgoing connection of the worker is established. */
    CONNECTED,
    /** The peer reset an established connection; the session is gone. */
    RESET,
    /** The peer closed an established connection (FIN); the session is gone. */
    DISCONNECT;

    private static final AppEventType[] VALUES = values();

    /** The type with the given ordinal, without allocating. */
    public static AppEventType of(int ordinal) {
        return VALUES[ordinal];
    }
}
