package dev.hoststack.tcp;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Writes real IPv4 and IPv6 TCP segments (20-byte TCP header, no options, no payload) with
 * correct IP and TCP checksums: what the stack sends, and what tests, the demo and the
 * benchmarks feed it. Writing into a caller's buffer allocates nothing.
 *
 * <p>How: the checksums are computed from the field values (the one's-complement sum of their
 * 16-bit words, RFC 1071, folded once at the end), never by a second pass over the bytes, and the
 * bytes go out as a few 64- and 32-bit stores (six for IPv4, eight for IPv6, none overlapping)
 * rather than one store per field: fewer stores, and a reader's wide loads of them (the parser's)
 * are served from the store buffer instead of waiting for narrow stores to drain.
 */
public final class SegmentWriter {

    /** Bytes of an IPv4 segment written here. */
    public static final int IP4_LENGTH = 40;
    /** Bytes of an IPv6 segment written here. */
    public static final int IP6_LENGTH = 60;

    /** IPv4 bytes 0..7: version 4, IHL 5, TOS 0, total length 40, ID 0, DF, fragment offset 0. */
    private static final long IP4_WORD0 = 0x4500L << 48 | (long) IP4_LENGTH << 32 | 0x4000;
    /** The sum of the IPv4 header's 16-bit words but the addresses and the checksum. */
    private static final long IP4_FIXED_SUM = 0x4500 + IP4_LENGTH + 0x4000 + (64 << 8 | 6);
    /** IPv6 bytes 0..7: version 6, traffic class and flow label 0, payload 20, next header TCP, hop limit 64. */
    private static final long IP6_WORD0 = 0x6000_0000L << 32 | 20 << 16 | 6 << 8 | 64;

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
        return writeIp4(buf, addressSum4(srcIp, dstIp), srcIp, srcPort, dstIp, dstPort, seq, ack, flags, window);
    }

    /**
     * As {@link #writeIp4(ByteBuffer, int, int, int, int, int, int, int, int)}, with the sum of the
     * two addresses' 16-bit words given ({@link #addressSum4}): a connection keeps it, as the
     * kernel and VPP keep a connection's pseudo-header sum, rather than summing its addresses for
     * every segment it sends.
     */
    static int writeIp4(ByteBuffer buf, long addresses, int srcIp, int srcPort, int dstIp, int dstPort,
                        int seq, int ack, int flags, int window) {
        final int ipCheck = fold(IP4_FIXED_SUM + addresses);
        final int tcpCheck = fold(addresses + 6 + 20 + tcpSum(srcPort, dstPort, seq, ack, flags, window));
        final boolean big = buf.order() == ByteOrder.BIG_ENDIAN;
        final int o = buf.position();
        put64(buf, o, big, IP4_WORD0);
        put32(buf, o + 8, big, 64 << 24 | 6 << 16 | ipCheck);
        put64(buf, o + 12, big, (long) srcIp << 32 | dstIp & 0xFFFF_FFFFL);
        writeTcp(buf, o + 20, big, srcPort, dstPort, seq, ack, flags, window, tcpCheck);
        return IP4_LENGTH;
    }

    /**
     * Writes an IPv6 TCP segment at {@code buf}'s position (absolute puts).
     *
     * @return the segment's length, {@value #IP6_LENGTH}
     */
    public static int writeIp6(ByteBuffer buf, long srcHi, long srcLo, int srcPort, long dstHi, long dstLo, int dstPort,
                               int seq, int ack, int flags, int window) {
        return writeIp6(buf, addressSum6(srcHi, srcLo, dstHi, dstLo), srcHi, srcLo, srcPort, dstHi, dstLo, dstPort, seq,
                ack, flags, window);
    }

    /**
     * As {@link #writeIp6(ByteBuffer, long, long, int, long, long, int, int, int, int, int)}, with
     * the sum of the two addresses' 16-bit words given ({@link #addressSum6}).
     */
    static int writeIp6(ByteBuffer buf, long addresses, long srcHi, long srcLo, int srcPort, long dstHi, long dstLo,
                        int dstPort, int seq, int ack, int flags, int window) {
        final long pseudo = addresses + 6 + 20;
        final int tcpCheck = fold(pseudo + tcpSum(srcPort, dstPort, seq, ack, flags, window));
        final boolean big = buf.order() == ByteOrder.BIG_ENDIAN;
        final int o = buf.position();
        put64(buf, o, big, IP6_WORD0);
        put64(buf, o + 8, big, srcHi);
        put64(buf, o + 16, big, srcLo);
        put64(buf, o + 24, big, dstHi);
        put64(buf, o + 32, big, dstLo);
        writeTcp(buf, o + 40, big, srcPort, dstPort, seq, ack, flags, window, tcpCheck);
        return IP6_LENGTH;
    }

    /** The sum of the 16-bit words of two IPv4 addresses (the same whichever is the source). */
    static long addressSum4(int a, int b) {
        return words(a) + words(b);
    }

    /** The sum of the 16-bit words of two IPv6 addresses (the same whichever is the source). */
    static long addressSum6(long aHi, long aLo, long bHi, long bLo) {
        return words(aHi) + words(aLo) + words(bHi) + words(bLo);
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

    /** A 20-byte TCP header (no options, urgent pointer 0) in three stores. */
    private static void writeTcp(ByteBuffer buf, int o, boolean big, int srcPort, int dstPort, int seq, int ack,
                                 int flags, int window, int checksum) {
        put64(buf, o, big, (long) ((srcPort & 0xFFFF) << 16 | dstPort & 0xFFFF) << 32 | seq & 0xFFFF_FFFFL);
        put64(buf, o + 8, big, (long) ack << 32 | (long) (5 << 12 | flags & 0xFF) << 16 | window & 0xFFFF);
        put32(buf, o + 16, big, checksum << 16);
    }

    /** The one's-complement sum of the 16-bit words of a 20-byte TCP header with a zero checksum. */
    private static long tcpSum(int srcPort, int dstPort, int seq, int ack, int flags, int window) {
        return (srcPort & 0xFFFF) + (dstPort & 0xFFFF) + (seq >>> 16) + (seq & 0xFFFF) + (ack >>> 16) + (ack & 0xFFFF)
                + (5 << 12 | flags & 0xFF) + (window & 0xFFFF);
    }

    /** The sum of the two 16-bit words of a 32-bit value. */
    private static long words(int v) {
        return (v >>> 16) + (v & 0xFFFF);
    }

    /** The sum of the four 16-bit words of a 64-bit value. */
    private static long words(long v) {
        return (v >>> 48) + (v >>> 32 & 0xFFFF) + (v >>> 16 & 0xFFFF) + (v & 0xFFFF);
    }

    /**
     * The checksum of a one's-complement sum of 16-bit words (RFC 1071): the carries folded back
     * in, complemented. Branch-free for the writers' sums, which are under 2<sup>32</sup> (at most
     * 30 words): the first fold leaves at most 0x1FFFE, the second at most 0xFFFF.
     */
    private static int fold(long s) {
        long f = (s & 0xFFFF) + (s >>> 16);
        f = (f & 0xFFFF) + (f >>> 16);
        return (int) ~f & 0xFFFF;
    }

    /** {@link #fold} for a sum of any size (the checker's, over whole packets). */
    private static int foldAny(long s) {
        while ((s >>> 16) != 0) {
            s = (s & 0xFFFF) + (s >>> 16);
        }
        return (int) ~s & 0xFFFF;
    }

    /** The one's-complement sum of 16-bit words, plus {@code initial}. */
    private static long sum(ByteBuffer b, int o, int len, long initial) {
        long s = initial;
        for (int i = 0; i < len; i += 2) {
            s += (b.get(o + i) & 0xFF) << 8 | (b.get(o + i + 1) & 0xFF);
        }
        return s;
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
            if (foldAny(sum(p, o, ihl, 0)) != 0) {
                return false;
            }
            int tcpLen = total - ihl;
            long pseudo = sum(p, o + 12, 8, 6 + tcpLen);
            return foldAny(sumPadded(p, o + ihl, tcpLen, pseudo)) == 0;
        }
        int payload = (p.get(o + 4) & 0xFF) << 8 | (p.get(o + 5) & 0xFF);
        long pseudo = sum(p, o + 8, 32, 6 + payload);
        return foldAny(sumPadded(p, o + 40, payload, pseudo)) == 0;
    }

    private static long sumPadded(ByteBuffer b, int o, int len, long initial) {
        long s = sum(b, o, len & ~1, initial);
        if ((len & 1) != 0) {
            s += (b.get(o + len - 1) & 0xFF) << 8;
        }
        return s;
    }

    private static void put32(ByteBuffer b, int i, boolean big, int v) {
        b.putInt(i, big ? v : Integer.reverseBytes(v));
    }

    private static void put64(ByteBuffer b, int i, boolean big, long v) {
        b.putLong(i, big ? v : Long.reverseBytes(v));
    }
}
