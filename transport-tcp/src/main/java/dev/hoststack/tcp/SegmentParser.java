package dev.hoststack.tcp;

import dev.hoststack.api.DropReason;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Parses an IPv4 or IPv6 packet carrying TCP from bytes into a {@link TcpSegment}: no allocation,
 * no exception for any input. Everything it cannot use is a {@link DropReason}.
 *
 * <p>Checks: IP version; IPv4 header length (IHL 5..15 and within the packet), total length
 * within the bytes given (trailing link padding is ignored), fragments; IPv6 payload length and
 * the hop-by-hop, routing and destination-options extension headers (walked), a fragment header;
 * the protocol; TCP data offset (5..15 and within the packet); zero ports; source addresses that
 * cannot open a connection (unspecified, multicast, IPv4 broadcast). Checksums are not verified:
 * as with NIC checksum offload in VPP, and because loopback captures carry partial checksums.
 */
public final class SegmentParser {

    private static final int IPPROTO_TCP = 6;
    private static final int IPV6_HOPOPTS = 0;
    private static final int IPV6_ROUTING = 43;
    private static final int IPV6_FRAGMENT = 44;
    private static final int IPV6_DSTOPTS = 60;
    private static final int MAX_EXTENSION_HEADERS = 8;

    private SegmentParser() {
    }

    /**
     * Parses {@code packet[position, limit)} without moving its position.
     *
     * @return null if {@code out} now holds the segment, otherwise why it was dropped
     */
    public static DropReason parse(ByteBuffer packet, TcpSegment out) {
        final int start = packet.position();
        final int length = packet.limit() - start;
        if (length < 1) {
            return DropReason.TRUNCATED;
        }
        final int version = (packet.get(start) & 0xFF) >>> 4;
        if (version == 4) {
            return parse4(packet, start, length, out);
        }
        if (version == 6) {
            return parse6(packet, start, length, out);
        }
        return DropReason.BAD_IP_VERSION;
    }

    private static DropReason parse4(ByteBuffer p, int start, int length, TcpSegment out) {
        if (length < 20) {
            return DropReason.TRUNCATED;
        }
        final int ihl = (p.get(start) & 0x0F) * 4;
        if (ihl < 20) {
            return DropReason.BAD_HEADER_LENGTH;
        }
        final int total = u16(p, start + 2);
        if (total < ihl || total > length) {
            return total > length ? DropReason.TRUNCATED : DropReason.BAD_IP_LENGTH;
        }
        final int frag = u16(p, start + 6);
        if ((frag & 0x3FFF) != 0) {
            return DropReason.FRAGMENT;
        }
        if ((p.get(start + 9) & 0xFF) != IPPROTO_TCP) {
            return DropReason.NOT_TCP;
        }
        final int src = i32(p, start + 12);
        final int dst = i32(p, start + 16);
        if (src == 0 || src == -1 || (src >>> 28) == 0xE) {
            return DropReason.BAD_ADDRESS;
        }
        out.ip4 = true;
        out.srcIp4 = src;
        out.dstIp4 = dst;
        out.srcHi = 0;
        out.srcLo = 0;
        out.dstHi = 0;
        out.dstLo = 0;
        return parseTcp(p, start + ihl, total - ihl, out);
    }

    private static DropReason parse6(ByteBuffer p, int start, int length, TcpSegment out) {
        if (length < 40) {
            return DropReason.TRUNCATED;
        }
        final int payload = u16(p, start + 4);
        if (40 + payload > length) {
            return DropReason.TRUNCATED;
        }
        final long srcHi = i64(p, start + 8);
        final long srcLo = i64(p, start + 16);
        final long dstHi = i64(p, start + 24);
        final long dstLo = i64(p, start + 32);
        int next = p.get(start + 6) & 0xFF;
        int off = start + 40;
        final int end = off + payload;
        for (int n = 0; next != IPPROTO_TCP; n++) {
            if (next == IPV6_FRAGMENT) {
                return DropReason.FRAGMENT;
            }
            if (next != IPV6_HOPOPTS && next != IPV6_ROUTING && next != IPV6_DSTOPTS || n == MAX_EXTENSION_HEADERS) {
                return DropReason.NOT_TCP;
            }
            if (off + 8 > end) {
                return DropReason.TRUNCATED;
            }
            next = p.get(off) & 0xFF;
            off += ((p.get(off + 1) & 0xFF) + 1) * 8;
            if (off > end) {
                return DropReason.TRUNCATED;
            }
        }
        if (srcHi == 0 && srcLo == 0 || (srcHi >>> 56) == 0xFF) {
            return DropReason.BAD_ADDRESS;
        }
        out.ip4 = false;
        out.srcIp4 = 0;
        out.dstIp4 = 0;
        out.srcHi = srcHi;
        out.srcLo = srcLo;
        out.dstHi = dstHi;
        out.dstLo = dstLo;
        return parseTcp(p, off, end - off, out);
    }

    private static DropReason parseTcp(ByteBuffer p, int off, int length, TcpSegment out) {
        if (length < 20) {
            return DropReason.TRUNCATED;
        }
        final int dataOffset = ((p.get(off + 12) & 0xFF) >>> 4) * 4;
        if (dataOffset < 20 || dataOffset > length) {
            return DropReason.BAD_HEADER_LENGTH;
        }
        final int srcPort = u16(p, off);
        final int dstPort = u16(p, off + 2);
        if (srcPort == 0 || dstPort == 0) {
            return DropReason.BAD_ADDRESS;
        }
        out.srcPort = srcPort;
        out.dstPort = dstPort;
        out.seq = i32(p, off + 4);
        out.ack = i32(p, off + 8);
        out.flags = p.get(off + 13) & 0x3F;
        out.window = u16(p, off + 14);
        out.payloadLength = length - dataOffset;
        return null;
    }

    private static int u16(ByteBuffer p, int i) {
        short v = p.getShort(i);
        return (p.order() == ByteOrder.BIG_ENDIAN ? v : Short.reverseBytes(v)) & 0xFFFF;
    }

    private static int i32(ByteBuffer p, int i) {
        int v = p.getInt(i);
        return p.order() == ByteOrder.BIG_ENDIAN ? v : Integer.reverseBytes(v);
    }

    private static long i64(ByteBuffer p, int i) {
        long v = p.getLong(i);
        return p.order() == ByteOrder.BIG_ENDIAN ? v : Long.reverseBytes(v);
    }
}
