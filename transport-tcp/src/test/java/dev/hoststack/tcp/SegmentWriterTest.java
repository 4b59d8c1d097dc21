package dev.hoststack.tcp;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * {@link SegmentWriter}: byte layout against a segment built by hand, checksums computed here
 * independently (RFC 1071), {@link SegmentWriter#checksumsValid} on good and damaged segments,
 * buffer position and byte order.
 */
class SegmentWriterTest {

    static final int SRC4 = 0xC000_0201; // 192.0.2.1
    static final int DST4 = 0xC633_6407; // 198.51.100.7

    /**
     * 192.0.2.1:40000 -> 198.51.100.7:443 SYN, seq 0x12345678, window 65535, DF, TTL 64. Header
     * checksum 0x4e94 and TCP checksum 0xbcfe were computed outside Java (Python, RFC 1071).
     */
    static final String SYN_HEX = "4500002800004000" + "40064e94" + "c0000201" + "c6336407"
            + "9c4001bb" + "12345678" + "00000000" + "5002ffff" + "bcfe0000";

    /** RFC 1071 Internet checksum of {@code b[off, off+len)}, an odd length padded with a zero byte. */
    static int internetChecksum(byte[] b, int off, int len, long initial) {
        long sum = initial;
        for (int i = 0; i + 1 < len; i += 2) {
            sum += (b[off + i] & 0xFF) << 8 | (b[off + i + 1] & 0xFF);
        }
        if ((len & 1) != 0) {
            sum += (b[off + len - 1] & 0xFF) << 8;
        }
        while (sum >>> 16 != 0) {
            sum = (sum & 0xFFFF) + (sum >>> 16);
        }
        return (int) ~sum & 0xFFFF;
    }

    static int u16(byte[] b, int i) {
        return (b[i] & 0xFF) << 8 | (b[i + 1] & 0xFF);
    }

    static byte[] bytes(ByteBuffer b, int from, int len) {
        byte[] out = new byte[len];
        for (int i = 0; i < len; i++) {
            out[i] = b.get(from + i);
        }
        return out;
    }

    /** The IPv4 header checksum and the TCP checksum over the pseudo header, recomputed here. */
    static void assertChecksumsIp4(byte[] p, String what) {
        byte[] header = Arrays.copyOf(p, 20);
        header[10] = 0;
        header[11] = 0;
        assertThat(u16(p, 10)).as("%s: IPv4 header checksum", what).isEqualTo(internetChecksum(header, 0, 20, 0));
        assertThat(internetChecksum(p, 0, 20, 0)).as("%s: a correct header sums to 0xffff (checksum of 0)", what).isZero();

        int tcpLen = u16(p, 2) - 20;
        byte[] tcp = Arrays.copyOfRange(p, 20, 20 + tcpLen);
        tcp[16] = 0;
        tcp[17] = 0;
        long pseudo = u16(p, 12) + u16(p, 14) + u16(p, 16) + u16(p, 18) + 6 + tcpLen;
        assertThat(u16(p, 36)).as("%s: TCP checksum", what).isEqualTo(internetChecksum(tcp, 0, tcpLen, pseudo));
    }

    @Test
    void ip4SynMatchesTheSegmentBuiltByHand() {
        ByteBuffer b = SegmentWriter.ip4(SRC4, 40000, DST4, 443, 0x1234_5678, 0, TcpSegment.SYN);
        assertThat(b.position()).isZero();
        assertThat(b.limit()).isEqualTo(SegmentWriter.IP4_LENGTH).isEqualTo(40);
        assertThat(HexFormat.of().formatHex(bytes(b, 0, 40))).as("written IPv4 SYN").isEqualTo(SYN_HEX);
        assertChecksumsIp4(HexFormat.of().parseHex(SYN_HEX), "the hand-built SYN");
        assertThat(SegmentWriter.checksumsValid(ByteBuffer.wrap(HexFormat.of().parseHex(SYN_HEX))))
                .as("checksumsValid of the hand-built SYN").isTrue();
    }

    @Test
    void ip4ChecksumsAgreeWithAnIndependentComputation() {
        SplittableRandom r = new SplittableRandom(4);
        ByteBuffer b = ByteBuffer.allocate(40);
        for (int i = 0; i < 2000; i++) {
            int src = r.nextInt();
            int dst = r.nextInt();
            int flags = r.nextInt(0x40);
            assertThat(SegmentWriter.writeIp4(b, src, r.nextInt(0x10000), dst, r.nextInt(0x10000), r.nextInt(), r.nextInt(),
                    flags, r.nextInt(0x10000))).isEqualTo(40);
            byte[] p = b.array().clone();
            String what = "segment " + HexFormat.of().formatHex(p);
            assertChecksumsIp4(p, what);
            assertThat(SegmentWriter.checksumsValid(b)).as("checksumsValid of %s", what).isTrue();
            assertThat(p[0]).as("version 4, IHL 5").isEqualTo((byte) 0x45);
            assertThat(u16(p, 2)).as("total length").isEqualTo(40);
            assertThat(p[9]).as("protocol TCP").isEqualTo((byte) 6);
            assertThat(p[33] & 0xFF).as("flags byte").isEqualTo(flags);
        }
    }

    @Test
    void ip6LayoutAndChecksum() {
        long srcHi = 0x2001_0DB8_0000_0000L;
        long srcLo = 0x0000_0000_0000_0001L;
        long dstHi = 0xFE80_0000_0000_0000L;
        long dstLo = 0x0211_22FF_FE33_4455L;
        ByteBuffer b = SegmentWriter.ip6(srcHi, srcLo, 40000, dstHi, dstLo, 443, 0x1234_5678, 0x0A0B_0C0D,
                TcpSegment.SYN | TcpSegment.ACK);
        assertThat(b.limit()).isEqualTo(SegmentWriter.IP6_LENGTH).isEqualTo(60);
        byte[] p = bytes(b, 0, 60);
        String hex = HexFormat.of().formatHex(p);
        assertThat(hex.substring(0, 16)).as("version 6, class 0, flow 0, payload 20, next header 6, hop limit 64")
                .isEqualTo("6000000000140640");
        assertThat(hex.substring(16, 80)).as("source then destination address, network order")
                .isEqualTo("20010db8000000000000000000000001" + "fe800000000000000211" + "22fffe334455");
        assertThat(hex.substring(80, 112)).as("ports, seq, ack, data offset 5, flags SA, window")
                .isEqualTo("9c4001bb" + "12345678" + "0a0b0c0d" + "5012ffff");
        assertThat(hex.substring(116)).as("urgent pointer").isEqualTo("0000");
        byte[] tcp = Arrays.copyOfRange(p, 40, 60);
        tcp[16] = 0;
        tcp[17] = 0;
        long pseudo = 6 + 20;
        for (int i = 8; i < 40; i += 2) {
            pseudo += u16(p, i);
        }
        assertThat(u16(p, 56)).as("TCP checksum over the IPv6 pseudo header").isEqualTo(internetChecksum(tcp, 0, 20, pseudo));
        assertThat(SegmentWriter.checksumsValid(b)).isTrue();
    }

    @Test
    void everySingleBitFlipInACoveredByteMakesChecksumsInvalid() {
        byte[] v4 = bytes(SegmentWriter.ip4(SRC4, 40000, DST4, 443, 0x1234_5678, 0, TcpSegment.SYN), 0, 40);
        // byte 0 (version/IHL) is left out: changing it changes how the packet is read, not just a sum
        for (int i = 1; i < 40; i++) {
            for (int bit = 0; bit < 8; bit++) {
                byte[] c = v4.clone();
                c[i] ^= (byte) (1 << bit);
                assertThat(SegmentWriter.checksumsValid(ByteBuffer.wrap(c)))
                        .as("IPv4 segment with bit %d of byte %d flipped", bit, i).isFalse();
            }
            byte[] c = v4.clone();
            c[i] ^= (byte) 0xFF;
            assertThat(SegmentWriter.checksumsValid(ByteBuffer.wrap(c))).as("IPv4 segment with byte %d inverted", i).isFalse();
        }
        byte[] v6 = bytes(SegmentWriter.ip6(0x2001_0DB8_0000_0000L, 1, 40000, 0x2001_0DB8_0000_0000L, 7, 443, 1, 0, TcpSegment.SYN), 0, 60);
        // the addresses (8..39) and the TCP segment (40..59) are what the IPv6 TCP checksum covers
        for (int i = 8; i < 60; i++) {
            for (int bit = 0; bit < 8; bit++) {
                byte[] c = v6.clone();
                c[i] ^= (byte) (1 << bit);
                assertThat(SegmentWriter.checksumsValid(ByteBuffer.wrap(c)))
                        .as("IPv6 segment with bit %d of byte %d flipped", bit, i).isFalse();
            }
        }
        assertThat(SegmentWriter.checksumsValid(ByteBuffer.wrap(v4))).as("the undamaged IPv4 segment").isTrue();
        assertThat(SegmentWriter.checksumsValid(ByteBuffer.wrap(v6))).as("the undamaged IPv6 segment").isTrue();
    }

    @Test
    void randomIp6SegmentsHaveValidChecksums() {
        SplittableRandom r = new SplittableRandom(6);
        ByteBuffer b = ByteBuffer.allocate(60);
        for (int i = 0; i < 2000; i++) {
            assertThat(SegmentWriter.writeIp6(b, r.nextLong(), r.nextLong(), r.nextInt(0x10000), r.nextLong(), r.nextLong(),
                    r.nextInt(0x10000), r.nextInt(), r.nextInt(), r.nextInt(0x40), r.nextInt(0x10000))).isEqualTo(60);
            assertThat(SegmentWriter.checksumsValid(b)).as("checksumsValid of %s", HexFormat.of().formatHex(b.array())).isTrue();
        }
    }

    @Test
    void writesAtThePositionWithoutMovingItAndIgnoresByteOrder() {
        byte[] expected = HexFormat.of().parseHex(SYN_HEX);
        for (ByteOrder order : new ByteOrder[] {ByteOrder.BIG_ENDIAN, ByteOrder.LITTLE_ENDIAN}) {
            for (boolean direct : new boolean[] {false, true}) {
                ByteBuffer b = (direct ? ByteBuffer.allocateDirect(70) : ByteBuffer.allocate(70)).order(order);
                for (int i = 0; i < 70; i++) {
                    b.put(i, (byte) 0xAA);
                }
                b.position(5);
                int n = SegmentWriter.writeIp4(b, SRC4, 40000, DST4, 443, 0x1234_5678, 0, TcpSegment.SYN, 65535);
                String what = order + (direct ? " direct" : " heap") + " buffer at position 5";
                assertThat(n).isEqualTo(40);
                assertThat(b.position()).as("%s: position after write", what).isEqualTo(5);
                assertThat(bytes(b, 5, 40)).as("%s: segment bytes", what).isEqualTo(expected);
                assertThat(bytes(b, 0, 5)).as("%s: bytes before the position untouched", what).containsOnly((byte) 0xAA);
                assertThat(bytes(b, 45, 25)).as("%s: bytes after the segment untouched", what).containsOnly((byte) 0xAA);
                assertThat(SegmentWriter.checksumsValid(b)).as("%s: checksumsValid at the position", what).isTrue();

                b.position(3);
                assertThat(SegmentWriter.writeIp6(b, 0x2001_0DB8_0000_0000L, 1, 40000, 0x2001_0DB8_0000_0000L, 7, 443, 9, 0,
                        TcpSegment.SYN, 65535)).isEqualTo(60);
                ByteBuffer ref = SegmentWriter.ip6(0x2001_0DB8_0000_0000L, 1, 40000, 0x2001_0DB8_0000_0000L, 7, 443, 9, 0, TcpSegment.SYN);
                assertThat(bytes(b, 3, 60)).as("%s: IPv6 segment written at position 3", order).isEqualTo(bytes(ref, 0, 60));
                assertThat(b.position()).isEqualTo(3);
                assertThat(SegmentWriter.checksumsValid(b)).isTrue();
            }
        }
    }

    @Test
    void writtenSegmentsParseBackToWhatWasWritten() {
        SplittableRandom r = new SplittableRandom(11);
        TcpSegment s = new TcpSegment();
        for (int i = 0; i < 1000; i++) {
            int src = 0x0A00_0000 | r.nextInt(1 << 24);
            int dst = r.nextInt();
            int sport = 1 + r.nextInt(0xFFFF);
            int dport = 1 + r.nextInt(0xFFFF);
            int seq = r.nextInt();
            int ack = r.nextInt();
            int flags = r.nextInt(0x40);
            assertThat(SegmentParser.parse(SegmentWriter.ip4(src, sport, dst, dport, seq, ack, flags), s)).as("IPv4 #%d", i).isNull();
            assertThat(new long[] {s.remoteIp4(), s.localIp4(), s.remotePort(), s.localPort(), s.seq(), s.ack(), s.flags()})
                    .as("IPv4 round trip #%d", i).containsExactly(src, dst, sport, dport, seq, ack, flags);
            long srcHi = 0x2001_0DB8_0000_0000L | r.nextInt() & 0xFFFF_FFFFL;
            long srcLo = r.nextLong();
            long dstHi = r.nextLong();
            long dstLo = r.nextLong();
            assertThat(SegmentParser.parse(SegmentWriter.ip6(srcHi, srcLo, sport, dstHi, dstLo, dport, seq, ack, flags), s)).as("IPv6 #%d", i).isNull();
            assertThat(new long[] {s.remoteIp6Hi(), s.remoteIp6Lo(), s.localIp6Hi(), s.localIp6Lo(), s.remotePort(), s.localPort(),
                    s.seq(), s.ack(), s.flags()}).as("IPv6 round trip #%d", i)
                    .containsExactly(srcHi, srcLo, dstHi, dstLo, sport, dport, seq, ack, flags);
        }
    }
    /** The segment as a writer of one byte at a time would lay it out (the layout the wide stores must keep). */
    static byte[] referenceSegment(boolean ip4, long[] a, int sport, int dport, int seq, int ack, int flags, int window) {
        final int ipLen = ip4 ? 20 : 40;
        final byte[] p = new byte[ipLen + 20];
        final ByteBuffer b = ByteBuffer.wrap(p);
        if (ip4) {
            b.put(0, (byte) 0x45).putShort(2, (short) 40).putShort(6, (short) 0x4000).put(8, (byte) 64).put(9, (byte) 6)
                    .putInt(12, (int) a[0]).putInt(16, (int) a[1]);
            b.putShort(10, (short) internetChecksum(p, 0, 20, 0));
        } else {
            b.put(0, (byte) 0x60).putShort(4, (short) 20).put(6, (byte) 6).put(7, (byte) 64)
                    .putLong(8, a[0]).putLong(16, a[1]).putLong(24, a[2]).putLong(32, a[3]);
        }
        b.putShort(ipLen, (short) sport).putShort(ipLen + 2, (short) dport).putInt(ipLen + 4, seq).putInt(ipLen + 8, ack)
                .put(ipLen + 12, (byte) 0x50).put(ipLen + 13, (byte) flags).putShort(ipLen + 14, (short) window);
        long pseudo = 6 + 20;
        for (int i = ip4 ? 12 : 8; i < ipLen; i += 2) {
            pseudo += u16(p, i);
        }
        b.putShort(ipLen + 16, (short) internetChecksum(p, ipLen, 20, pseudo));
        return p;
    }

    @Test
    void wideStoresLayOutEveryFieldAsAByteAtATimeWriterWould() {
        final long seed = new SplittableRandom().nextLong();
        final SplittableRandom r = new SplittableRandom(seed);
        for (int i = 0; i < 5000; i++) {
            final boolean ip4 = r.nextBoolean();
            final long[] a = {r.nextLong(), r.nextLong(), r.nextLong(), r.nextLong()};
            if (ip4) {
                a[0] = r.nextInt();
                a[1] = r.nextInt();
            }
            final int sport = r.nextInt(0x10000);
            final int dport = r.nextInt(0x10000);
            final int seq = r.nextInt();
            final int ack = r.nextInt();
            final int flags = r.nextInt(0x100);
            final int window = r.nextInt(0x10000);
            final byte[] expected = referenceSegment(ip4, a, sport, dport, seq, ack, flags, window);
            final int at = r.nextInt(9);
            final ByteOrder order = r.nextBoolean() ? ByteOrder.BIG_ENDIAN : ByteOrder.LITTLE_ENDIAN;
            final ByteBuffer b = (r.nextBoolean() ? ByteBuffer.allocate(at + 64) : ByteBuffer.allocateDirect(at + 64)).order(order);
            b.position(at);
            final int n = ip4
                    ? SegmentWriter.writeIp4(b, (int) a[0], sport, (int) a[1], dport, seq, ack, flags, window)
                    : SegmentWriter.writeIp6(b, a[0], a[1], sport, a[2], a[3], dport, seq, ack, flags, window);
            final String what = String.format("seed %d, segment #%d (%s, %s buffer at %d)", seed, i, ip4 ? "IPv4" : "IPv6",
                    order, at);
            assertThat(n).as("%s: length", what).isEqualTo(expected.length);
            assertThat(HexFormat.of().formatHex(bytes(b, at, n))).as("%s: bytes, expected the byte-at-a-time layout with "
                    + "RFC 1071 checksums", what).isEqualTo(HexFormat.of().formatHex(expected));
            assertThat(SegmentWriter.checksumsValid(b)).as("%s: checksumsValid", what).isTrue();
            // a connection's send: the addresses' sum kept from when it opened (either end first)
            final ByteBuffer c = ByteBuffer.allocate(64);
            final int m = ip4
                    ? SegmentWriter.writeIp4(c, SegmentWriter.addressSum4((int) a[1], (int) a[0]), (int) a[0], sport,
                            (int) a[1], dport, seq, ack, flags, window)
                    : SegmentWriter.writeIp6(c, SegmentWriter.addressSum6(a[2], a[3], a[0], a[1]), a[0], a[1], sport,
                            a[2], a[3], dport, seq, ack, flags, window);
            assertThat(HexFormat.of().formatHex(bytes(c, 0, m))).as("%s: written with the connection's address sum",
                    what).isEqualTo(HexFormat.of().formatHex(expected));
        }
    }

    @Test
    void checksumsValidAgreesWithTheReferenceOnOddAndEvenPayloads() {
        final long seed = new SplittableRandom().nextLong();
        final SplittableRandom r = new SplittableRandom(seed);
        for (int i = 0; i < 2000; i++) {
            final int payload = r.nextInt(64);
            final byte[] p = new byte[40 + payload];
            r.nextBytes(p);
            final ByteBuffer b = ByteBuffer.wrap(p);
            b.put(0, (byte) 0x45).putShort(2, (short) p.length).putShort(10, (short) 0);
            b.putShort(10, (short) internetChecksum(p, 0, 20, 0));
            b.putShort(36, (short) 0);
            final long pseudo = u16(p, 12) + u16(p, 14) + u16(p, 16) + u16(p, 18) + 6 + 20 + payload;
            b.putShort(36, (short) internetChecksum(p, 20, 20 + payload, pseudo));
            final String what = String.format("seed %d, packet #%d with a %d-byte payload: %s", seed, i, payload,
                    HexFormat.of().formatHex(p));
            assertThat(SegmentWriter.checksumsValid(b)).as("%s: checksums set by the RFC 1071 reference, expected valid", what)
                    .isTrue();
            final int damaged = 20 + r.nextInt(20 + payload);
            p[damaged] ^= (byte) (1 << r.nextInt(8));
            assertThat(SegmentWriter.checksumsValid(b)).as("%s: byte %d damaged, expected invalid", what, damaged).isFalse();
        }
    }
}
