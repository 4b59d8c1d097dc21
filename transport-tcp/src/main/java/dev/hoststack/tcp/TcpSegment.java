package dev.hoststack.tcp;

import dev.hoststack.api.FiveTuple;
import dev.hoststack.api.Ip;
import dev.hoststack.api.TransportProto;
import dev.hoststack.api.spi.FlowView;

/**
 * One parsed inbound TCP segment: a reusable flyweight filled by {@link SegmentParser}. As a
 * {@link FlowView}, <em>local</em> is the destination and <em>remote</em> the source.
 *
 * <p>Not thread-safe: one per data thread.
 */
public final class TcpSegment implements FlowView {

    /** FIN flag bit. */
    public static final int FIN = 0x01;
    /** SYN flag bit. */
    public static final int SYN = 0x02;
    /** RST flag bit. */
    public static final int RST = 0x04;
    /** PSH flag bit. */
    public static final int PSH = 0x08;
    /** ACK flag bit. */
    public static final int ACK = 0x10;

    boolean ip4;
    int srcIp4;
    int dstIp4;
    long srcHi;
    long srcLo;
    long dstHi;
    long dstLo;
    int srcPort;
    int dstPort;
    int seq;
    int ack;
    int flags;
    int window;
    int payloadLength;

    @Override
    public boolean isIp4() {
        return ip4;
    }

    @Override
    public int protocol() {
        return TransportProto.TCP.ipProtocol();
    }

    @Override
    public int localIp4() {
        return dstIp4;
    }

    @Override
    public int remoteIp4() {
        return srcIp4;
    }

    @Override
    public long localIp6Hi() {
        return dstHi;
    }

    @Override
    public long localIp6Lo() {
        return dstLo;
    }

    @Override
    public long remoteIp6Hi() {
        return srcHi;
    }

    @Override
    public long remoteIp6Lo() {
        return srcLo;
    }

    @Override
    public int localPort() {
        return dstPort;
    }

    @Override
    public int remotePort() {
        return srcPort;
    }

    /** The sequence number. */
    public int seq() {
        return seq;
    }

    /** The acknowledgment number. */
    public int ack() {
        return ack;
    }

    /** The flag bits ({@link #SYN}, {@link #ACK}, ...). */
    public int flags() {
        return flags;
    }

    /** Whether every bit of {@code mask} is set. */
    public boolean has(int mask) {
        return (flags & mask) == mask;
    }

    /** The advertised window. */
    public int window() {
        return window;
    }

    /** Payload bytes after the TCP header. */
    public int payloadLength() {
        return payloadLength;
    }

    /** The 5-tuple as this host sees it (allocates; not for the data path). */
    public FiveTuple tuple() {
        return ip4
                ? new FiveTuple(TransportProto.TCP, Ip.fromIp4(dstIp4), dstPort, Ip.fromIp4(srcIp4), srcPort)
                : new FiveTuple(TransportProto.TCP, Ip.fromIp6(dstHi, dstLo), dstPort, Ip.fromIp6(srcHi, srcLo), srcPort);
    }

    /** Flag letters as tcpdump prints them, e.g. {@code S.} for SYN-ACK. */
    public static String flagString(int flags) {
        StringBuilder sb = new StringBuilder();
        if ((flags & SYN) != 0) {
            sb.append('S');
        }
        if ((flags & FIN) != 0) {
            sb.append('F');
        }
        if ((flags & RST) != 0) {
            sb.append('R');
        }
        if ((flags & PSH) != 0) {
            sb.append('P');
        }
        if ((flags & ACK) != 0) {
            sb.append('.');
        }
        return sb.toString();
    }

    @Override
    public String toString() {
        return tuple() + " [" + flagString(flags) + "] seq " + Integer.toUnsignedString(seq)
                + " ack " + Integer.toUnsignedString(ack);
    }
}
