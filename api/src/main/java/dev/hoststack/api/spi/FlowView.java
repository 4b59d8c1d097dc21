package dev.hoststack.api.spi;

/**
 * The incoming connection's 5-tuple, as seen by this host, over a reused buffer: a flyweight.
 *
 * <p>Valid only during the call it is passed to; do not keep it. Addresses are in network order
 * (the first byte on the wire is the most significant). Ports are host numbers 0..65535.
 */
public interface FlowView {

    /** Whether the addresses are IPv4. */
    boolean isIp4();

    /** The IP protocol number (6 for TCP). */
    int protocol();

    /** The local (destination) IPv4 address; meaningless for IPv6. */
    int localIp4();

    /** The remote (source) IPv4 address; meaningless for IPv6. */
    int remoteIp4();

    /** The high 64 bits of the local IPv6 address; meaningless for IPv4. */
    long localIp6Hi();

    /** The low 64 bits of the local IPv6 address; meaningless for IPv4. */
    long localIp6Lo();

    /** The high 64 bits of the remote IPv6 address; meaningless for IPv4. */
    long remoteIp6Hi();

    /** The low 64 bits of the remote IPv6 address; meaningless for IPv4. */
    long remoteIp6Lo();

    /** The local (destination) port. */
    int localPort();

    /** The remote (source) port. */
    int remotePort();
}
