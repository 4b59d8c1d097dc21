package dev.hoststack.tcp;

/** The TCP states the model uses (a subset of RFC 9293's). */
public enum TcpState {
    /** Free. */
    CLOSED,
    /** A listener. */
    LISTEN,
    /** Our SYN sent (an outgoing connection), the peer's SYN-ACK awaited. */
    SYN_SENT,
    /** SYN received, SYN-ACK sent, final ACK awaited. */
    SYN_RCVD,
    /** The handshake completed. */
    ESTABLISHED;

    private static final TcpState[] VALUES = values();

    /** The state of an ordinal. */
    public static TcpState of(int ordinal) {
        return VALUES[ordinal];
    }
}
