package dev.hoststack.api;

/**
 * Why the data plane dropped or reset a segment. Every such outcome is counted per reason;
 * nothing on the data path is lost silently or raises an exception.
 *
 * <p>{@link #isReset()} tells the reasons for which a real stack answers with a RST.
 */
public enum DropReason {
    /** Shorter than the headers it announces. */
    TRUNCATED(false),
    /** IP version is neither 4 nor 6. */
    BAD_IP_VERSION(false),
    /** IPv4 IHL below 5, or a TCP data offset below 5 or beyond the segment (an IHL beyond the total length is {@link #BAD_IP_LENGTH}). */
    BAD_HEADER_LENGTH(false),
    /** The IP total / payload length disagrees with the bytes given. */
    BAD_IP_LENGTH(false),
    /** Not TCP (another IP protocol, or an IPv6 extension header the parser does not walk). */
    NOT_TCP(false),
    /** An IPv4 fragment (the model does no reassembly). */
    FRAGMENT(false),
    /** Port 0, or a source address that cannot open a connection (multicast, broadcast, wildcard). */
    BAD_ADDRESS(false),
    /** A SYN for which no listener exists: answered with a RST, as VPP and the kernel do. */
    NO_LISTENER(true),
    /** A non-SYN segment for no connection: answered with a RST. */
    NO_CONNECTION(true),
    /** The connection belongs to another data thread (VPP relies on NIC flow hashing and drops). */
    WRONG_THREAD(false),
    /** The listener was removed between the table lookup and its use. */
    LISTENER_GONE(true),
    /** The chosen app worker is gone or the group has no member with a live worker. */
    NO_WORKER(true),
    /** The reuseport selector asked for the SYN to be dropped. */
    SELECTOR_DROP(false),
    /** The thread's session pool is at its configured bound. */
    SESSION_POOL_FULL(false),
    /** The transport's connection pool is at its configured bound. */
    CONNECTION_POOL_FULL(false),
    /** The session table is at its configured bound. */
    TABLE_FULL(false),
    /** The app worker's event queue is full: the connection is reset, the app never hears of it. */
    APP_QUEUE_FULL(true),
    /** A segment whose flags make no sense in the connection's state (e.g. FIN before the final ACK). */
    UNEXPECTED_FLAGS(false),
    /** The handshake did not complete in time: the embryonic connection is freed. */
    HANDSHAKE_TIMEOUT(false),
    /** The peer reset the connection before the handshake completed: freed, app not told. */
    RESET_BY_PEER(false),
    /** The final ACK's acknowledgment number does not acknowledge our SYN. */
    BAD_ACK(true);

    private static final DropReason[] VALUES = values();

    private final boolean reset;

    DropReason(boolean reset) {
        this.reset = reset;
    }

    /** Whether the stack answers this with a RST. */
    public boolean isReset() {
        return reset;
    }

    /** The reason with the given ordinal, without allocating. */
    public static DropReason of(int ordinal) {
        return VALUES[ordinal];
    }

    /** The number of reasons, for counter arrays. */
    public static int count() {
        return VALUES.length;
    }
}
