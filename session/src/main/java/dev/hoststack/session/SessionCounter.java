package dev.hoststack.session;

/** Per-thread counters of the session layer (drops are counted apart, by {@link dev.hoststack.api.DropReason}). */
public enum SessionCounter {
    /** Sessions created (on a SYN, or by an outgoing connect). */
    CREATED,
    /** Accept events delivered to app workers. */
    ACCEPT_EVENTS,
    /** Sessions made READY by the app's accept reply. */
    ACCEPTED,
    /** Outgoing sessions connected. */
    CONNECTED,
    /** Established sessions the peer reset (app told). */
    PEER_RESETS,
    /** Established sessions the peer closed (app told). */
    PEER_CLOSES,
    /** Sessions closed or reset at the app's request. */
    APP_CLOSES,
    /** Sessions closed or reset by the control plane (unlisten, detach). */
    CONTROL_CLOSES,
    /** Embryonic sessions freed without the app hearing of them (RST, timeout, unlisten). */
    EMBRYONIC_FREED,
    /** Sessions moved from a departed worker to a live one. */
    MIGRATED,
    /** Sessions freed right after creation because the transport could not complete the SYN (e.g. a full table). */
    ABORTED,
    /** App replies for sessions that no longer exist or are in another state. */
    STALE_REPLIES;

    private static final SessionCounter[] VALUES = values();

    /** The counter with the given ordinal. */
    public static SessionCounter of(int ordinal) {
        return VALUES[ordinal];
    }
}
