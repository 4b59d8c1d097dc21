package dev.hoststack.tcp;

/** Per-thread TCP counters (drops are counted by the session layer, by reason). */
public enum TcpCounter {
    /** Segments given to {@link TcpTransport#input}. */
    SEGMENTS_IN,
    /** SYNs that created a connection. */
    SYNS_ACCEPTED,
    /** SYN-ACKs sent (first and retransmitted). */
    SYNACKS_SENT,
    /** SYNs for a connection in SYN_RCVD (the peer retransmitted). */
    SYN_RETRANSMITS,
    /** Connections that completed the handshake. */
    ESTABLISHED,
    /** SYNs sent (outgoing connections). */
    SYNS_SENT,
    /** ACKs sent (completing our outgoing handshakes). */
    ACKS_SENT,
    /** RSTs sent. */
    RSTS_SENT,
    /** FINs sent (application or control-plane close). */
    FINS_SENT,
    /** Segments on established connections that changed nothing (ACKs, data). */
    ESTABLISHED_SEGMENTS,
    /** RSTs for no connection, ignored as RFC 9293 says. */
    RSTS_IGNORED,
    /** Embryonic connections freed by the handshake timeout. */
    HANDSHAKE_TIMEOUTS;

    private static final TcpCounter[] VALUES = values();

    /** The counter of an ordinal. */
    public static TcpCounter of(int ordinal) {
        return VALUES[ordinal];
    }
}
