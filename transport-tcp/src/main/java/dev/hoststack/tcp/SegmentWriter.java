package dev.hoststack.tcp;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Writes real IPv4 and IPv6 TCP segments (20-byte TCP header, no options, no payload) with
 * correct IP and TCP checksums: what the stack sends, and what tests, the demo and the
 * benchmarks feed it. Writing into a caller's buffer allocates nothing.
 */
public final class SegmentWriter {

    /** Bytes of an IPv4 segment written here. */
    public static final int IP4_LENGTH = 40;
    /** Bytes of an IPv6 segment written here. */
    public static final int IP6_LENGTH = 60;

    private SegmentWriter() {
    }

    /**
     * Writes an IPv4 TCP segment at {@code buf}'s position (absolute puts; the position does not
     * move; the buffer's byte order does not matter).
     *
     * @return the segment's length, {@value #IP4_LENGTH}
     */
    public static int writeIp4(ByteBuffer buf, int srcIp, int srcPort, int dstIp, int dstPort,
                               int seq, int ack, int flags, int window) {
        final int o = buf.position();
        put8(buf, o, 0x45);
        put8(buf, o + 1, 0);
        put16(buf, o + 2, IP4_LENGTH);
        put16(buf, o + 4, 0);
        put16(buf, o + 6, 0x4000);
        put8(buf, o + 8, 64);
        put8(buf, o + 9, 6);
        put16(buf, o + 10, 0);
        put32(buf, o + 12, srcIp);
        put32(buf, o + 16, dstIp);
        // checksums from the field values: no second pass over the bytes
        final long addresses = (srcIp >>> 16) + (srcIp & 0xFFFF) + (dstIp >>> 16) + (dstIp & 0xFFFF);
        put16(buf, o + 10, fold(0x4500 + IP4_LENGTH + 0x4000 + (64 << 8 | 6) + addresses));
        writeTcp(buf, o + 20, srcPort, dstPort, seq, ack, flags, window);
        put16(buf, o + 36, fold(addresses + 6 + 20 + tcpSum(srcPort, dstPort, seq, ack, flags, window)));
        return IP4_LENGTH;
    }

    /**
     * Writes an IPv6 TCP segment at {@code buf}'s position (absolute puts).
     *
     * @return the segment's length, {@value #IP6_LENGTH}
     */
    public static int writeIp6(ByteBuffer buf, long srcHi, long srcLo, int srcPort, long dstHi, long dstLo, int dstPort,
                               int seq, int ack, int flags, int window) {
        final int o = buf.position();
        put32(buf, o, 0x6000_0000);
        put16(buf, o + 4, 20);
        put8(buf, o + 6, 6);
        put8(buf, o + 7, 64);
        put64(buf, o + 8, srcHi);
        put64(buf, o + 16, srcLo);
        put64(buf, o + 24, dstHi);
        put64(buf, o + 32, dstLo);
        writeTcp(buf, o + 40, srcPort, dstPort, seq, ack, flags, window);
        final long pseudo = words(srcHi) + words(srcLo) + words(dstHi) + words(dstLo) + 6 + 20;
        put16(buf, o + 56, fold(pseudo + tcpSum(srcPort, dstPort, seq, ack, flags, window)));
        return IP6_LENGTH;
    }

    /** A new IPv4 segment in a buffer of its own, position 0, limit its length. */
    public static ByteBuffer ip4(int srcIp, int srcPort, int dstIp, int dstPort, int seq, int ack, int flags) {
        ByteBuffer b = ByteBuffer.allocate(IP4_LENGTH);
        writeIp4(b, srcIp, srcPort, dstIp, dstPort, seq, ack, flags, 65535);
        return b;
    }

    /** A new IPv6 segment in a buffer of its own, position 0, limit its length. */
    public static ByteBuffer ip6(long srcHi, long srcLo, int srcPort, long dstHi, long dstLo, int dstPort,
                                 int seq, int ack, int flags) {
        ByteBuffer b = ByteBuffer.allocate(IP6_LENGTH);
        writeIp6(b, srcHi, srcLo, srcPort, dstHi, dstLo, dstPort, seq, ack, flags, 65535);
        return b;
    }

    private static void writeTcp(ByteBuffer buf, int o, int srcPort, int dstPort, int seq, int ack, int flags, int window) {
        put16(buf, o, srcPort);
        put16(buf, o + 2, dstPort);
        put32(buf, o + 4, seq);
        put32(buf, o + 8, ack);
        put8(buf, o + 12, 5 << 4);
        put8(buf, o + 13, flags);
        put16(buf, o + 14, window);
        put16(buf, o + 16, 0);
        put16(buf, o + 18, 0);
    }

    /** The one's-complement sum of the 16-bit words of a 20-byte TCP header with a zero checksum. */
    private static long tcpSum(int srcPort, int dstPort, int seq, int ack, int flags, int window) {
        return (srcPort & 0xFFFF) + (dstPort & 0xFFFF) + (seq >>> 16) + (seq & 0xFFFF) + (ack >>> 16) + (ack & 0xFFFF)
                + (5 << 12 | flags & 0xFF) + (window & 0xFFFF);
    }

    /** The sum of the four 16-bit words of a 64-bit value. */
    private static long words(long v) {
        return (v >>> 48) + (v >>> 32 & 0xFFFF) + (v >>> 16 & 0xFFFF) + (v & 0xFFFF);
    }

    /** The one's-complement sum of 16-bit words, plus {@code initial}. */
    private static long sum(ByteBuffer b, int o, int len, long initial) {
        long s = initial;
        for (int i = 0; i < len; i += 2) {
            s += (b.get(o + i) & 0xFF) << 8 | (b.get(o + i + 1) & 0xFF);
        }
        return s;
    }

    private static int fold(long s) {
        while ((s >>> 16) != 0) {
            s = (s & 0xFFFF) + (s >>> 16);
        }
        return (int) ~s & 0xFFFF;
    }

    /**
     * Whether an IPv4 or IPv6 TCP packet's checksums are right (for tests).
     */
    public static boolean checksumsValid(ByteBuffer p) {
        int o = p.position();
        int version = (p.get(o) & 0xFF) >>> 4;
        if (version == 4) {
            int ihl = (p.get(o) & 0x0F) * 4;
            int total = (p.get(o + 2) & 0xFF) << 8 | (p.get(o + 3) & 0xFF);
            if (fold(sum(p, o, ihl, 0)) != 0) {
                return false;
            }
            int tcpLen = total - ihl;
            long pseudo = sum(p, o + 12, 8, 6 + tcpLen);
            return fold(sumPadded(p, o + ihl, tcpLen, pseudo)) == 0;
        }
        int payload = (p.get(o + 4) & 0xFF) << 8 | (p.get(o + 5) & 0xFF);
        long pseudo = sum(p, o + 8, 32, 6 + payload);
        return fold(sumPadded(p, o + 40, payload, pseudo)) == 0;
    }

    private static long sumPadded(ByteBuffer b, int o, int len, long initial) {
        long s = sum(b, o, len & ~1, initial);
        if ((len & 1) != 0) {
            s += (b.get(o + len - 1) & 0xFF) << 8;
        }
        return s;
    }

    private static void put8(ByteBuffer b, int i, int v) {
        b.put(i, (byte) v);
    }

    private static void put16(ByteBuffer b, int i, int v) {
        b.putShort(i, b.order() == ByteOrder.BIG_ENDIAN ? (short) v : Short.reverseBytes((short) v));
    }

    private static void put32(ByteBuffer b, int i, int v) {
        b.putInt(i, b.order() == ByteOrder.BIG_ENDIAN ? v : Integer.reverseBytes(v));
    }

    private static void put64(ByteBuffer b, int i, long v) {
        b.putLong(i, b.order() == ByteOrder.BIG_ENDIAN ? v : Long.reverseBytes(v));
    }
}
