package dev.hoststack.tcp;

import dev.hoststack.api.SessionHandle;
import java.nio.ByteBuffer;

/**
 * The remote side of connections, for tests, the demo and the benchmarks: writes real segments
 * (with {@link SegmentWriter}) into one reused buffer and feeds them to a {@link TcpTransport},
 * answering the stack's SYN-ACK with the right acknowledgment number. Allocation-free.
 *
 * <p>Not thread-safe: one per data thread it drives, used by that thread's owner.
 */
public final class TcpPeer {

    private final TcpTransport tcp;
    private final int fib;
    private final ByteBuffer buf = ByteBuffer.allocate(SegmentWriter.IP6_LENGTH);

    /** A peer feeding FIB {@code fib} of a transport. */
    public TcpPeer(TcpTransport tcp, int fib) {
        this.tcp = tcp;
        this.fib = fib;
    }

    /** A peer feeding FIB 0. */
    public TcpPeer(TcpTransport tcp) {
        this(tcp, 0);
    }

    /** Sends one IPv4 segment from {@code src} to {@code dst}; returns {@link TcpTransport#input}'s result. */
    public int send4(int thread, int srcIp, int srcPort, int dstIp, int dstPort, int seq, int ack, int flags) {
        buf.clear();
        buf.limit(SegmentWriter.writeIp4(buf, srcIp, srcPort, dstIp, dstPort, seq, ack, flags, 65535));
        return tcp.input(thread, buf, fib);
    }

    /** Sends one IPv6 segment; returns {@link TcpTransport#input}'s result. */
    public int send6(int thread, long srcHi, long srcLo, int srcPort, long dstHi, long dstLo, int dstPort,
                     int seq, int ack, int flags) {
        buf.clear();
        buf.limit(SegmentWriter.writeIp6(buf, srcHi, srcLo, srcPort, dstHi, dstLo, dstPort, seq, ack, flags, 65535));
        return tcp.input(thread, buf, fib);
    }

    /**
     * A whole IPv4 handshake: SYN, then the final ACK acknowledging the stack's SYN-ACK.
     *
     * @return the session's handle if the handshake completed (an accept event is queued),
     *         otherwise {@link SessionHandle#INVALID} (see {@link TcpTransport#result(int)})
     */
    public long connect4(int thread, int srcIp, int srcPort, int dstIp, int dstPort) {
        final int isn = srcIp ^ srcPort * 0x9E3779B1;
        if (send4(thread, srcIp, srcPort, dstIp, dstPort, isn, 0, TcpSegment.SYN) != TcpTransport.CREATED) {
            return SessionHandle.INVALID;
        }
        final int ack = issOf(thread) + 1;
        if (send4(thread, srcIp, srcPort, dstIp, dstPort, isn + 1, ack, TcpSegment.ACK) != TcpTransport.ESTABLISHED) {
            return SessionHandle.INVALID;
        }
        return tcp.result(thread).session();
    }

    /** A whole IPv6 handshake, as {@link #connect4}. */
    public long connect6(int thread, long srcHi, long srcLo, int srcPort, long dstHi, long dstLo, int dstPort) {
        final int isn = (int) (srcLo ^ srcLo >>> 32) ^ srcPort * 0x9E3779B1;
        if (send6(thread, srcHi, srcLo, srcPort, dstHi, dstLo, dstPort, isn, 0, TcpSegment.SYN) != TcpTransport.CREATED) {
            return SessionHandle.INVALID;
        }
        final int ack = issOf(thread) + 1;
        if (send6(thread, srcHi, srcLo, srcPort, dstHi, dstLo, dstPort, isn + 1, ack, TcpSegment.ACK)
                != TcpTransport.ESTABLISHED) {
            return SessionHandle.INVALID;
        }
        return tcp.result(thread).session();
    }

    /** The ISS of the connection the last input on {@code thread} created. */
    private int issOf(int thread) {
        return tcp.issOfSession(tcp.result(thread).session());
    }
}
