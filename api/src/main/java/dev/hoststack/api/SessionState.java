package dev.hoststack.api;

/**
 * The states of a session, a subset of VPP's {@code session_state_t}.
 *
 * <p>Inbound: {@link #CREATED} on the SYN, {@link #ACCEPTING} on the final ACK (the app worker
 * has been sent an accept event), {@link #READY} when the app replies, then {@link #CLOSED}.
 * Outbound: {@link #CONNECTING} while half-open, {@link #READY} on the SYN-ACK.
 */
public enum SessionState {
    /** Allocated on a SYN; the handshake is not complete and the app has not heard of it. */
    CREATED,
    /** A listen session (thread 0 only). */
    LISTENING,
    /** An outgoing connection waiting for the peer's SYN-ACK. */
    CONNECTING,
    /** Established; the app worker has an accept event and has not answered yet. */
    ACCEPTING,
    /** The app took the session. */
    READY,
    /**
     * The transport is gone (the peer closed or reset it); the session waits for its app worker to
     * take the RESET or DISCONNECT event, then is freed. Also the state of a freed slot.
     */
    CLOSED;

    private static final SessionState[] VALUES = values();

    /** The state with the given ordinal, without allocating. */
    public static SessionState of(int ordinal) {
        return VALUES[ordinal];
    }
}
