package dev.hoststack.tcp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import dev.hoststack.api.DropReason;
import dev.hoststack.api.FiveTuple;
import dev.hoststack.api.Ip;
import dev.hoststack.api.TransportProto;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Duration;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.HexFormat;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@link SegmentParser}: fields of valid IPv4 and IPv6 segments, the drop reason of each
 * malformation, buffer position/order handling, and a seeded robustness test over random and
 * mutated bytes checked against a reference parser written here from the documented rules
 * ({@code -Dhoststack.test.seed=N}).
 */
class SegmentParserTest {

    // 192.0.2.1:40000 -> 198.51.100.7:443 ; 2001:db8::1:40000 -> 2001:db8::7:443
    static final int SRC4 = 0xC000_0201;
    static final int DST4 = 0xC633_6407;
    static final long SRC6_HI = 0x2001_0DB8_0000_0000L;
    static final long SRC6_LO = 1;
    static final long DST6_HI = 0x2001_0DB8_0000_0000L;
    static final long DST6_LO = 7;
    static final int SPORT = 40000;
    static final int DPORT = 443;
    static final int SEQ = 0x89AB_CDEF; // high bit set: seq is a 32-bit pattern, not a positive int
    static final int ACK = 0x0102_0304;

    /** Drop reasons that belong to parsing; anything else from the parser is wrong. */
    static final Set<DropReason> PARSE_REASONS = EnumSet.of(DropReason.TRUNCATED, DropReason.BAD_IP_VERSION,
            DropReason.BAD_HEADER_LENGTH, DropReason.BAD_IP_LENGTH, DropReason.NOT_TCP, DropReason.FRAGMENT,
            DropReason.BAD_ADDRESS);

    static byte[] syn4() {
        return SegmentWriter.ip4(SRC4, SPORT, DST4, DPORT, SEQ, 0, TcpSegment.SYN).array().clone();
    }

    static byte[] syn6() {
        return SegmentWriter.ip6(SRC6_HI, SRC6_LO, SPORT, DST6_HI, DST6_LO, DPORT, SEQ, 0, TcpSegment.SYN).array().clone();
    }

    static DropReason parse(byte[] bytes) {
        return SegmentParser.parse(ByteBuffer.wrap(bytes), new TcpSegment());
    }

    static void put16(byte[] b, int i, int v) {
        b[i] = (byte) (v >>> 8);
        b[i + 1] = (byte) v;
    }

    static void put32(byte[] b, int i, int v) {
        put16(b, i, v >>> 16);
        put16(b, i + 2, v);
    }

    static byte[] with(byte[] b, int index, int value) {
        byte[] c = b.clone();
        c[index] = (byte) value;
        return c;
    }

    static byte[] with16(byte[] b, int index, int value) {
        byte[] c = b.clone();
        put16(c, index, value);
        return c;
    }

    static byte[] with32(byte[] b, int index, int value) {
        byte[] c = b.clone();
        put32(c, index, value);
        return c;
    }

    static byte[] concat(byte[]... parts) {
        int n = 0;
        for (byte[] p : parts) {
            n += p.length;
        }
        byte[] out = new byte[n];
        int o = 0;
        for (byte[] p : parts) {
            System.arraycopy(p, 0, out, o, p.length);
            o += p.length;
        }
        return out;
    }

    /**
     * An IPv6 packet: the 40-byte header of {@link #syn6()} with {@code firstNext} as next header
     * and the payload length of {@code rest}, then {@code rest} (extension headers and TCP).
     */
    static byte[] ip6With(int firstNext, byte[] rest) {
        byte[] h = Arrays.copyOf(syn6(), 40);
        h[6] = (byte) firstNext;
        put16(h, 4, rest.length);
        return concat(h, rest);
    }

    static byte[] tcp6() {
        return Arrays.copyOfRange(syn6(), 40, 60);
    }

    /** An extension header of {@code 8 * (lenUnits + 1)} bytes naming {@code next}, padded with PadN. */
    static byte[] ext(int next, int lenUnits) {
        byte[] e = new byte[8 * (lenUnits + 1)];
        e[0] = (byte) next;
        e[1] = (byte) lenUnits;
        e[2] = 1; // PadN
        e[3] = (byte) (e.length - 4);
        return e;
    }

    static String hex(byte[] b) {
        return HexFormat.of().formatHex(b);
    }

    // ---------------------------------------------------------------- valid segments

    @Test
    void ip4SynParsesToItsFields() {
        TcpSegment s = new TcpSegment();
        ByteBuffer b = ByteBuffer.wrap(syn4());
        assertThat(SegmentParser.parse(b, s)).as("drop reason of a valid IPv4 SYN").isNull();
        assertThat(s.isIp4()).isTrue();
        assertThat(s.protocol()).isEqualTo(6);
        assertThat(s.localIp4()).as("local = destination 198.51.100.7").isEqualTo(DST4);
        assertThat(s.remoteIp4()).as("remote = source 192.0.2.1").isEqualTo(SRC4);
        assertThat(s.localPort()).as("local port = destination port").isEqualTo(DPORT);
        assertThat(s.remotePort()).as("remote port = source port").isEqualTo(SPORT);
        assertThat(s.seq()).isEqualTo(SEQ);
        assertThat(s.ack()).isZero();
        assertThat(s.flags()).isEqualTo(TcpSegment.SYN);
        assertThat(s.has(TcpSegment.SYN)).isTrue();
        assertThat(s.has(TcpSegment.SYN | TcpSegment.ACK)).isFalse();
        assertThat(s.window()).isEqualTo(65535);
        assertThat(s.payloadLength()).isZero();
        assertThat(s.tuple()).isEqualTo(new FiveTuple(TransportProto.TCP, Ip.fromIp4(DST4), DPORT, Ip.fromIp4(SRC4), SPORT));
    }

    @Test
    void ip6SynParsesToItsFields() {
        TcpSegment s = new TcpSegment();
        assertThat(SegmentParser.parse(ByteBuffer.wrap(syn6()), s)).as("drop reason of a valid IPv6 SYN").isNull();
        assertThat(s.isIp4()).isFalse();
        assertThat(s.localIp6Hi()).as("local = destination 2001:db8::7, high").isEqualTo(DST6_HI);
        assertThat(s.localIp6Lo()).as("local = destination 2001:db8::7, low").isEqualTo(DST6_LO);
        assertThat(s.remoteIp6Hi()).as("remote = source 2001:db8::1, high").isEqualTo(SRC6_HI);
        assertThat(s.remoteIp6Lo()).as("remote = source 2001:db8::1, low").isEqualTo(SRC6_LO);
        assertThat(s.localPort()).isEqualTo(DPORT);
        assertThat(s.remotePort()).isEqualTo(SPORT);
        assertThat(s.seq()).isEqualTo(SEQ);
        assertThat(s.flags()).isEqualTo(TcpSegment.SYN);
        assertThat(s.payloadLength()).isZero();
        assertThat(s.tuple()).isEqualTo(new FiveTuple(TransportProto.TCP, Ip.fromIp6(DST6_HI, DST6_LO), DPORT,
                Ip.fromIp6(SRC6_HI, SRC6_LO), SPORT));
    }

    @Test
    void synAckAndAckFieldsAndHighBitAddresses() {
        int src = 0xFE01_0203; // 254.1.2.3: high bit set, not multicast
        ByteBuffer b = SegmentWriter.ip4(src, 1, 0xC0A8_0001, 65535, -1, ACK, TcpSegment.SYN | TcpSegment.ACK);
        TcpSegment s = new TcpSegment();
        assertThat(SegmentParser.parse(b, s)).isNull();
        assertThat(s.remoteIp4()).isEqualTo(src);
        assertThat(s.remotePort()).isEqualTo(1);
        assertThat(s.localPort()).isEqualTo(65535);
        assertThat(s.seq()).isEqualTo(-1);
        assertThat(s.ack()).isEqualTo(ACK);
        assertThat(s.has(TcpSegment.SYN | TcpSegment.ACK)).isTrue();
        assertThat(TcpSegment.flagString(s.flags())).isEqualTo("S.");
    }

    @Test
    void aReusedSegmentIsOverwrittenCompletely() {
        TcpSegment s = new TcpSegment();
        assertThat(SegmentParser.parse(ByteBuffer.wrap(syn6()), s)).isNull();
        assertThat(SegmentParser.parse(ByteBuffer.wrap(syn4()), s)).isNull();
        assertThat(s.isIp4()).isTrue();
        assertThat(s.localIp6Hi()).as("IPv6 fields after parsing IPv4 into a used flyweight").isZero();
        assertThat(s.remoteIp6Lo()).isZero();
        assertThat(SegmentParser.parse(ByteBuffer.wrap(syn6()), s)).isNull();
        assertThat(s.isIp4()).isFalse();
        assertThat(s.localIp4()).as("IPv4 fields after parsing IPv6 into a used flyweight").isZero();
        assertThat(s.remoteIp4()).isZero();
    }

    @Test
    void ip4OptionsTcpOptionsAndPayload() {
        byte[] syn = syn4();
        // IHL 6 (4 bytes of IP options: NOP x4), TCP data offset 7 (8 bytes of TCP options), 5 payload bytes
        byte[] ip = Arrays.copyOf(syn, 24);
        ip[0] = 0x46;
        Arrays.fill(ip, 20, 24, (byte) 1);
        byte[] tcp = Arrays.copyOfRange(syn, 20, 40);
        tcp[12] = 0x70;
        byte[] packet = concat(ip, tcp, new byte[] {2, 4, 5, (byte) 0xB4, 1, 1, 1, 0}, new byte[] {1, 2, 3, 4, 5});
        put16(packet, 2, packet.length);
        TcpSegment s = new TcpSegment();
        assertThat(SegmentParser.parse(ByteBuffer.wrap(packet), s)).as("IPv4 with options: %s", hex(packet)).isNull();
        assertThat(s.payloadLength()).as("payload after a 28-byte TCP header").isEqualTo(5);
        assertThat(s.localPort()).isEqualTo(DPORT);
        assertThat(s.seq()).isEqualTo(SEQ);
    }

    @Test
    void ip6PayloadLength() {
        byte[] tcp = tcp6();
        byte[] packet = ip6With(6, concat(tcp, new byte[] {9, 9, 9}));
        TcpSegment s = new TcpSegment();
        assertThat(SegmentParser.parse(ByteBuffer.wrap(packet), s)).isNull();
        assertThat(s.payloadLength()).isEqualTo(3);
    }

    @Test
    void trailingPaddingAfterTheIpLengthIsIgnored() {
        TcpSegment s = new TcpSegment();
        byte[] padded4 = concat(syn4(), new byte[20]);
        assertThat(SegmentParser.parse(ByteBuffer.wrap(padded4), s)).as("IPv4 SYN with 20 bytes of link padding").isNull();
        assertThat(s.payloadLength()).as("padding is not payload (IPv4)").isZero();
        assertThat(s.seq()).isEqualTo(SEQ);
        byte[] padded6 = concat(syn6(), new byte[] {(byte) 0xFF, (byte) 0xFF, 0, 0, 0, 0});
        assertThat(SegmentParser.parse(ByteBuffer.wrap(padded6), s)).as("IPv6 SYN with 6 bytes of padding").isNull();
        assertThat(s.payloadLength()).as("padding is not payload (IPv6)").isZero();
    }

    @Test
    void ip6HopByHopRoutingAndDestinationOptionsAreWalkedToTcp() {
        TcpSegment s = new TcpSegment();
        byte[] hbh = ip6With(0, concat(ext(6, 0), tcp6()));
        assertThat(SegmentParser.parse(ByteBuffer.wrap(hbh), s)).as("hop-by-hop then TCP: %s", hex(hbh)).isNull();
        assertThat(s.localPort()).isEqualTo(DPORT);
        assertThat(s.remotePort()).isEqualTo(SPORT);
        assertThat(s.seq()).isEqualTo(SEQ);
        assertThat(s.payloadLength()).isZero();

        byte[] chain = ip6With(0, concat(ext(43, 0), ext(60, 2), ext(6, 1), tcp6(), new byte[] {7, 7}));
        assertThat(SegmentParser.parse(ByteBuffer.wrap(chain), s)).as("hop-by-hop, routing, destination options, TCP").isNull();
        assertThat(s.localPort()).isEqualTo(DPORT);
        assertThat(s.payloadLength()).isEqualTo(2);
    }

    @Test
    void nonZeroPositionIsHonouredAndNotMoved() {
        byte[] syn = syn4();
        byte[] junk = new byte[7];
        Arrays.fill(junk, (byte) 0x66); // would be IP version 6 if read
        ByteBuffer b = ByteBuffer.wrap(concat(junk, syn, junk));
        b.position(7).limit(7 + syn.length);
        TcpSegment s = new TcpSegment();
        assertThat(SegmentParser.parse(b, s)).as("SYN at position 7").isNull();
        assertThat(b.position()).as("position after parse").isEqualTo(7);
        assertThat(b.limit()).as("limit after parse").isEqualTo(7 + syn.length);
        assertThat(s.localPort()).isEqualTo(DPORT);
        assertThat(s.remoteIp4()).isEqualTo(SRC4);

        byte[] syn6 = syn6();
        ByteBuffer b6 = ByteBuffer.wrap(concat(junk, syn6));
        b6.position(7);
        assertThat(SegmentParser.parse(b6, s)).as("IPv6 SYN at position 7").isNull();
        assertThat(b6.position()).isEqualTo(7);
        assertThat(s.remoteIp6Lo()).isEqualTo(SRC6_LO);

        // the limit counts: one byte short of the segment, with the byte present past the limit
        b.position(7).limit(7 + syn.length - 1);
        assertThat(SegmentParser.parse(b, s)).as("segment cut by the limit").isEqualTo(DropReason.TRUNCATED);
        b.position(7).limit(7);
        assertThat(SegmentParser.parse(b, s)).as("position == limit").isEqualTo(DropReason.TRUNCATED);
        assertThat(b.position()).isEqualTo(7);

        ByteBuffer slice = ByteBuffer.wrap(concat(junk, syn)).position(7).slice();
        assertThat(SegmentParser.parse(slice, s)).as("a slice with an array offset").isNull();
        assertThat(s.localIp4()).isEqualTo(DST4);
    }

    static void assertSameFields(TcpSegment a, TcpSegment b, String what) {
        assertThat(new Object[] {b.isIp4(), b.localIp4(), b.remoteIp4(), b.localIp6Hi(), b.localIp6Lo(), b.remoteIp6Hi(),
                b.remoteIp6Lo(), b.localPort(), b.remotePort(), b.seq(), b.ack(), b.flags(), b.window(), b.payloadLength()})
                .as(what + ": fields (ip4, lcl4, rmt4, lcl6hi, lcl6lo, rmt6hi, rmt6lo, lport, rport, seq, ack, flags, window, payload)")
                .containsExactly(a.isIp4(), a.localIp4(), a.remoteIp4(), a.localIp6Hi(), a.localIp6Lo(), a.remoteIp6Hi(),
                        a.remoteIp6Lo(), a.localPort(), a.remotePort(), a.seq(), a.ack(), a.flags(), a.window(), a.payloadLength());
    }

    @Test
    void littleEndianDirectAndReadOnlyBuffersParseIdentically() {
        for (byte[] packet : new byte[][] {syn4(), syn6(), ip6With(0, concat(ext(6, 0), tcp6()))}) {
            TcpSegment big = new TcpSegment();
            assertThat(SegmentParser.parse(ByteBuffer.wrap(packet), big)).isNull();

            TcpSegment little = new TcpSegment();
            assertThat(SegmentParser.parse(ByteBuffer.wrap(packet).order(ByteOrder.LITTLE_ENDIAN), little)).isNull();
            assertSameFields(big, little, "little-endian buffer of " + hex(packet));

            ByteBuffer direct = ByteBuffer.allocateDirect(packet.length + 3).order(ByteOrder.LITTLE_ENDIAN);
            direct.position(3);
            direct.put(packet).position(3);
            TcpSegment d = new TcpSegment();
            assertThat(SegmentParser.parse(direct, d)).isNull();
            assertSameFields(big, d, "little-endian direct buffer at position 3");

            TcpSegment ro = new TcpSegment();
            assertThat(SegmentParser.parse(ByteBuffer.wrap(packet).asReadOnlyBuffer(), ro)).isNull();
            assertSameFields(big, ro, "read-only buffer");
        }
        // the drop reasons do not depend on byte order either
        byte[] broadcast = with32(syn4(), 12, -1);
        assertThat(SegmentParser.parse(ByteBuffer.wrap(broadcast).order(ByteOrder.LITTLE_ENDIAN), new TcpSegment()))
                .as("255.255.255.255 source in a little-endian buffer").isEqualTo(DropReason.BAD_ADDRESS);
        byte[] multicast = with32(syn4(), 12, 0xE000_0001);
        assertThat(SegmentParser.parse(ByteBuffer.wrap(multicast).order(ByteOrder.LITTLE_ENDIAN), new TcpSegment()))
                .as("224.0.0.1 source in a little-endian buffer").isEqualTo(DropReason.BAD_ADDRESS);
        byte[] mc6 = with(syn6(), 8, 0xFF);
        assertThat(SegmentParser.parse(ByteBuffer.wrap(mc6).order(ByteOrder.LITTLE_ENDIAN), new TcpSegment()))
                .as("ff.. IPv6 source in a little-endian buffer").isEqualTo(DropReason.BAD_ADDRESS);
    }

    // ---------------------------------------------------------------- malformations

    static Stream<Arguments> malformed() {
        byte[] s4 = syn4();
        byte[] s6 = syn6();
        byte[] noTcp4 = with16(Arrays.copyOf(s4, 20), 2, 20);
        byte[] ext9 = tcp6();
        for (int i = 0; i < 20; i++) {
            ext9 = concat(ext(i == 0 ? 6 : 0, 0), ext9);
        }
        return Stream.of(
                Arguments.of("empty buffer", new byte[0], DropReason.TRUNCATED),
                Arguments.of("IP version 5", with(s4, 0, 0x55), DropReason.BAD_IP_VERSION),
                Arguments.of("IP version 0", with(s4, 0, 0x05), DropReason.BAD_IP_VERSION),
                Arguments.of("IP version 15", with(s4, 0, 0xF5), DropReason.BAD_IP_VERSION),
                Arguments.of("one byte 0x45", new byte[] {0x45}, DropReason.TRUNCATED),
                Arguments.of("IPv4 header truncated to 19 bytes", Arrays.copyOf(s4, 19), DropReason.TRUNCATED),
                Arguments.of("IPv4 IHL 4", with(s4, 0, 0x44), DropReason.BAD_HEADER_LENGTH),
                Arguments.of("IPv4 IHL 0", with(s4, 0, 0x40), DropReason.BAD_HEADER_LENGTH),
                Arguments.of("IPv4 total length 41 > 40 bytes", with16(s4, 2, 41), DropReason.TRUNCATED),
                Arguments.of("IPv4 total length 65535 > 40 bytes", with16(s4, 2, 0xFFFF), DropReason.TRUNCATED),
                Arguments.of("IPv4 total length 19 < IHL 20", with16(s4, 2, 19), DropReason.BAD_IP_LENGTH),
                Arguments.of("IPv4 total length 0", with16(s4, 2, 0), DropReason.BAD_IP_LENGTH),
                Arguments.of("IPv4 total length 23 < IHL 24", with16(with(s4, 0, 0x46), 2, 23), DropReason.BAD_IP_LENGTH),
                Arguments.of("IPv4 more-fragments flag", with16(s4, 6, 0x2000), DropReason.FRAGMENT),
                Arguments.of("IPv4 DF and MF", with16(s4, 6, 0x6000), DropReason.FRAGMENT),
                Arguments.of("IPv4 fragment offset 1 (last fragment)", with16(s4, 6, 0x0001), DropReason.FRAGMENT),
                Arguments.of("IPv4 fragment offset 8191 with DF", with16(s4, 6, 0x5FFF), DropReason.FRAGMENT),
                Arguments.of("IPv4 protocol UDP", with(s4, 9, 17), DropReason.NOT_TCP),
                Arguments.of("IPv4 protocol ICMP", with(s4, 9, 1), DropReason.NOT_TCP),
                Arguments.of("IPv4 protocol 0", with(s4, 9, 0), DropReason.NOT_TCP),
                Arguments.of("TCP data offset 4", with(s4, 32, 0x40), DropReason.BAD_HEADER_LENGTH),
                Arguments.of("TCP data offset 0", with(s4, 32, 0x00), DropReason.BAD_HEADER_LENGTH),
                Arguments.of("TCP data offset 6 > 20-byte segment", with(s4, 32, 0x60), DropReason.BAD_HEADER_LENGTH),
                Arguments.of("TCP data offset 15 > 20-byte segment", with(s4, 32, 0xF0), DropReason.BAD_HEADER_LENGTH),
                Arguments.of("TCP header truncated (total 39, 39 bytes)", with16(Arrays.copyOf(s4, 39), 2, 39), DropReason.TRUNCATED),
                Arguments.of("TCP header truncated by total length 39 (40 bytes)", with16(s4, 2, 39), DropReason.TRUNCATED),
                Arguments.of("IPv4 with no TCP header at all", noTcp4, DropReason.TRUNCATED),
                Arguments.of("TCP source port 0", with16(s4, 20, 0), DropReason.BAD_ADDRESS),
                Arguments.of("TCP destination port 0", with16(s4, 22, 0), DropReason.BAD_ADDRESS),
                Arguments.of("IPv4 source 0.0.0.0", with32(s4, 12, 0), DropReason.BAD_ADDRESS),
                Arguments.of("IPv4 source 255.255.255.255", with32(s4, 12, -1), DropReason.BAD_ADDRESS),
                Arguments.of("IPv4 source 224.0.0.1", with32(s4, 12, 0xE000_0001), DropReason.BAD_ADDRESS),
                Arguments.of("IPv4 source 239.255.255.250", with32(s4, 12, 0xEFFF_FFFA), DropReason.BAD_ADDRESS),
                Arguments.of("IPv6 truncated to 39 bytes", Arrays.copyOf(s6, 39), DropReason.TRUNCATED),
                Arguments.of("one byte 0x60", new byte[] {0x60}, DropReason.TRUNCATED),
                Arguments.of("IPv6 payload length 21 > 20 bytes", with16(s6, 4, 21), DropReason.TRUNCATED),
                Arguments.of("IPv6 payload length 65535", with16(s6, 4, 0xFFFF), DropReason.TRUNCATED),
                Arguments.of("IPv6 payload length 19: TCP header truncated", with16(s6, 4, 19), DropReason.TRUNCATED),
                Arguments.of("IPv6 payload length 0", with16(s6, 4, 0), DropReason.TRUNCATED),
                Arguments.of("IPv6 next header UDP", with(s6, 6, 17), DropReason.NOT_TCP),
                Arguments.of("IPv6 next header ICMPv6", with(s6, 6, 58), DropReason.NOT_TCP),
                Arguments.of("IPv6 next header 59 (none)", with(s6, 6, 59), DropReason.NOT_TCP),
                Arguments.of("IPv6 fragment header", ip6With(44, concat(new byte[] {6, 0, 0, 0, 0, 0, 0, 1}, tcp6())), DropReason.FRAGMENT),
                Arguments.of("IPv6 hop-by-hop then fragment header",
                        ip6With(0, concat(ext(44, 0), new byte[] {6, 0, 0, 0, 0, 0, 0, 1}, tcp6())), DropReason.FRAGMENT),
                Arguments.of("IPv6 hop-by-hop then UDP", ip6With(0, concat(ext(17, 0), tcp6())), DropReason.NOT_TCP),
                Arguments.of("IPv6 hop-by-hop of 48 bytes in a 28-byte payload",
                        with(ip6With(0, concat(ext(6, 0), tcp6())), 41, 5), DropReason.TRUNCATED),
                Arguments.of("IPv6 hop-by-hop in a 4-byte payload", ip6With(0, new byte[] {6, 0, 1, 0}), DropReason.TRUNCATED),
                Arguments.of("IPv6 hop-by-hop then nothing", ip6With(0, ext(6, 0)), DropReason.TRUNCATED),
                Arguments.of("IPv6 chain of 20 hop-by-hop headers", ip6With(0, ext9), DropReason.NOT_TCP),
                Arguments.of("IPv6 TCP data offset 4", with(s6, 52, 0x40), DropReason.BAD_HEADER_LENGTH),
                Arguments.of("IPv6 TCP data offset 6 > 20-byte segment", with(s6, 52, 0x60), DropReason.BAD_HEADER_LENGTH),
                Arguments.of("IPv6 TCP source port 0", with16(s6, 40, 0), DropReason.BAD_ADDRESS),
                Arguments.of("IPv6 TCP destination port 0", with16(s6, 42, 0), DropReason.BAD_ADDRESS),
                Arguments.of("IPv6 source ::", with32(with32(with32(with32(s6, 8, 0), 12, 0), 16, 0), 20, 0), DropReason.BAD_ADDRESS),
                Arguments.of("IPv6 source ff02::1", with(with(s6, 8, 0xFF), 9, 0x02), DropReason.BAD_ADDRESS),
                Arguments.of("IPv6 source ff00::1", with16(with16(s6, 8, 0xFF00), 10, 0), DropReason.BAD_ADDRESS));
    }

    @ParameterizedTest(name = "{0} -> {2}")
    @MethodSource("malformed")
    void malformedPacketsGiveTheirDropReason(String what, byte[] packet, DropReason expected) {
        ByteBuffer b = ByteBuffer.wrap(packet.clone());
        DropReason got = SegmentParser.parse(b, new TcpSegment());
        assertThat(got).as("%s: %s", what, hex(packet)).isEqualTo(expected);
        assertThat(b.position()).as("position after a drop").isZero();
        assertThat(b.array()).as("the parser does not write to the packet").isEqualTo(packet);
    }

    @Test
    void boundaryCasesThatAreValid() {
        byte[] s4 = syn4();
        assertThat(parse(with16(s4, 6, 0x0000))).as("IPv4 without DF").isNull();
        assertThat(parse(with16(s4, 6, 0x4000))).as("IPv4 with DF only").isNull();
        assertThat(parse(with32(s4, 12, 0xDFFF_FFFF))).as("source 223.255.255.255, just below multicast").isNull();
        assertThat(parse(with32(s4, 12, 0xF000_0001))).as("source 240.0.0.1, above multicast (not broadcast)").isNull();
        assertThat(parse(with32(s4, 12, 0x0000_0001))).as("source 0.0.0.1").isNull();
        assertThat(parse(with32(s4, 16, 0xE000_0001))).as("multicast destination is not the parser's business").isNull();
        byte[] s6 = syn6();
        assertThat(parse(with(with(s6, 8, 0xFE), 9, 0x80))).as("IPv6 link-local source fe80::").isNull();
        assertThat(parse(with32(with32(with32(with32(s6, 8, 0), 12, 0), 16, 0), 20, 1))).as("IPv6 source ::1").isNull();
        assertThat(parse(with(s6, 7, 0))).as("IPv6 hop limit 0 is not checked").isNull();
    }

    // ---------------------------------------------------------------- robustness

    /** The parser's documented rules, written out independently: what an accepted packet yields. */
    private record Expected(boolean ip4, int src4, int dst4, long srcHi, long srcLo, long dstHi, long dstLo,
                            int sport, int dport, int seq, int ack, int flags, int window, int payload) {
    }

    private static int u8(byte[] b, int i) {
        return b[i] & 0xFF;
    }

    private static int u16(byte[] b, int i) {
        return u8(b, i) << 8 | u8(b, i + 1);
    }

    private static int i32(byte[] b, int i) {
        return u16(b, i) << 16 | u16(b, i + 2);
    }

    private static long i64(byte[] b, int i) {
        return (long) i32(b, i) << 32 | i32(b, i + 4) & 0xFFFF_FFFFL;
    }

    /** Reference: null if the packet must be dropped. */
    static Expected reference(byte[] b) {
        int len = b.length;
        if (len < 1) {
            return null;
        }
        int version = u8(b, 0) >>> 4;
        int tcp;
        int tcpLen;
        boolean ip4 = version == 4;
        if (ip4) {
            if (len < 20) {
                return null;
            }
            int ihl = (u8(b, 0) & 15) * 4;
            int total = u16(b, 2);
            if (ihl < 20 || total < ihl || total > len || (u16(b, 6) & 0x3FFF) != 0 || u8(b, 9) != 6) {
                return null;
            }
            int src = i32(b, 12);
            if (src == 0 || src == -1 || (src >>> 24) >= 224 && (src >>> 24) <= 239) {
                return null;
            }
            tcp = ihl;
            tcpLen = total - ihl;
        } else if (version == 6) {
            if (len < 40 || 40 + u16(b, 4) > len) {
                return null;
            }
            int end = 40 + u16(b, 4);
            int next = u8(b, 6);
            int off = 40;
            int headers = 0;
            while (next != 6) {
                if (next != 0 && next != 43 && next != 60) {
                    return null; // fragment (44) or anything else
                }
                if (++headers > 8 || off + 8 > end) {
                    return null;
                }
                int n = u8(b, off);
                off += (u8(b, off + 1) + 1) * 8;
                if (off > end) {
                    return null;
                }
                next = n;
            }
            if (i64(b, 8) == 0 && i64(b, 16) == 0 || u8(b, 8) == 0xFF) {
                return null;
            }
            tcp = off;
            tcpLen = end - off;
        } else {
            return null;
        }
        if (tcpLen < 20) {
            return null;
        }
        int doff = (u8(b, tcp + 12) >>> 4) * 4;
        if (doff < 20 || doff > tcpLen || u16(b, tcp) == 0 || u16(b, tcp + 2) == 0) {
            return null;
        }
        return new Expected(ip4, ip4 ? i32(b, 12) : 0, ip4 ? i32(b, 16) : 0,
                ip4 ? 0 : i64(b, 8), ip4 ? 0 : i64(b, 16), ip4 ? 0 : i64(b, 24), ip4 ? 0 : i64(b, 32),
                u16(b, tcp), u16(b, tcp + 2), i32(b, tcp + 4), i32(b, tcp + 8), u8(b, tcp + 13) & 0x3F,
                u16(b, tcp + 14), tcpLen - doff);
    }

    static Expected actual(TcpSegment s) {
        return new Expected(s.isIp4(), s.remoteIp4(), s.localIp4(), s.remoteIp6Hi(), s.remoteIp6Lo(), s.localIp6Hi(),
                s.localIp6Lo(), s.remotePort(), s.localPort(), s.seq(), s.ack(), s.flags(), s.window(), s.payloadLength());
    }

    /** A valid segment with random fields, options, extension headers and payload. */
    static byte[] randomValid(SplittableRandom r) {
        int payload = r.nextInt(4) == 0 ? r.nextInt(40) : 0;
        int tcpOpt = r.nextInt(3) == 0 ? 4 * r.nextInt(11) : 0;
        byte[] tcpBytes = new byte[20 + tcpOpt + payload];
        for (int i = 0; i < tcpBytes.length; i++) {
            tcpBytes[i] = (byte) r.nextInt();
        }
        put16(tcpBytes, 0, 1 + r.nextInt(0xFFFF));
        put16(tcpBytes, 2, 1 + r.nextInt(0xFFFF));
        tcpBytes[12] = (byte) ((5 + tcpOpt / 4) << 4 | r.nextInt(16));
        if (r.nextBoolean()) {
            int ipOpt = r.nextInt(3) == 0 ? 4 * r.nextInt(11) : 0;
            byte[] ip = new byte[20 + ipOpt];
            for (int i = 0; i < ip.length; i++) {
                ip[i] = (byte) r.nextInt();
            }
            ip[0] = (byte) (0x40 | (5 + ipOpt / 4));
            put16(ip, 2, ip.length + tcpBytes.length);
            put16(ip, 6, r.nextBoolean() ? 0x4000 : 0);
            ip[9] = 6;
            put32(ip, 12, (int) (0x0100_0000L + r.nextLong(0xE000_0000L - 0x0100_0000L)));
            return concat(ip, tcpBytes, new byte[r.nextInt(4) == 0 ? r.nextInt(8) : 0]);
        }
        byte[] exts = new byte[0];
        int firstNext = 6;
        for (int n = r.nextInt(4) == 0 ? r.nextInt(4) : 0; n > 0; n--) {
            int type = new int[] {0, 43, 60}[r.nextInt(3)];
            byte[] e = ext(firstNext, r.nextInt(3));
            exts = concat(e, exts);
            firstNext = type;
        }
        byte[] rest = concat(exts, tcpBytes);
        byte[] h = new byte[40];
        for (int i = 0; i < 40; i++) {
            h[i] = (byte) r.nextInt();
        }
        h[0] = (byte) (0x60 | r.nextInt(16));
        put16(h, 4, rest.length);
        h[6] = (byte) firstNext;
        h[8] = (byte) r.nextInt(0xFF); // not ff: not multicast
        return concat(h, rest);
    }

    @Test
    void randomAndMutatedBytesNeverThrowAndMatchTheReference() {
        long seed;
        String p = System.getProperty("hoststack.test.seed");
        seed = p == null || p.isBlank() ? new SplittableRandom().nextLong() : Long.parseLong(p.trim());
        final long s0 = seed;
        String hint = "seed " + seed + " (rerun with -Dhoststack.test.seed=" + seed + ")";
        int[] accepted = new int[1];
        int[] byReason = new int[DropReason.count()];
        assertTimeoutPreemptively(Duration.ofSeconds(8), () -> {
            SplittableRandom r = new SplittableRandom(s0);
            TcpSegment seg = new TcpSegment();
            for (int i = 0; i < 240_000; i++) {
                byte[] packet;
                switch (i % 3) {
                    case 0 -> {
                        packet = new byte[r.nextInt(121)];
                        for (int j = 0; j < packet.length; j++) {
                            packet[j] = (byte) r.nextInt();
                        }
                        if (packet.length > 0 && r.nextBoolean()) {
                            packet[0] = (byte) ((r.nextBoolean() ? 0x40 : 0x60) | r.nextInt(16));
                        }
                    }
                    case 1 -> packet = randomValid(r);
                    default -> {
                        packet = randomValid(r);
                        for (int m = 1 + r.nextInt(4); m > 0 && packet.length > 0; m--) {
                            int at = r.nextInt(packet.length);
                            packet[at] = r.nextBoolean() ? (byte) (packet[at] ^ 1 << r.nextInt(8)) : (byte) r.nextInt();
                        }
                        if (r.nextInt(4) == 0) {
                            packet = Arrays.copyOf(packet, r.nextInt(packet.length + 9));
                        }
                    }
                }
                int pos = r.nextInt(4) == 0 ? r.nextInt(5) : 0;
                byte[] framed = concat(new byte[pos], packet, new byte[r.nextInt(3)]);
                ByteBuffer b = ByteBuffer.wrap(framed);
                if (r.nextBoolean()) {
                    b.order(ByteOrder.LITTLE_ENDIAN);
                }
                b.position(pos).limit(pos + packet.length);
                byte[] before = framed.clone();
                DropReason got;
                try {
                    got = SegmentParser.parse(b, seg);
                } catch (RuntimeException e) {
                    throw new AssertionError("input #" + i + " threw " + e + ": " + hex(packet) + "; " + hint, e);
                }
                if (b.position() != pos || b.limit() != pos + packet.length) {
                    fail("input #%d moved position/limit to %d/%d (was %d/%d): %s; %s",
                            i, b.position(), b.limit(), pos, pos + packet.length, hex(packet), hint);
                }
                if (!Arrays.equals(before, framed)) {
                    fail("input #%d: the parser wrote to the buffer: %s; %s", i, hex(packet), hint);
                }
                Expected want = reference(packet);
                if (got == null) {
                    accepted[0]++;
                    if (want == null) {
                        fail("input #%d accepted, but the documented rules drop it: %s; %s", i, hex(packet), hint);
                    }
                    Expected have = actual(seg);
                    if (!have.equals(want)) {
                        fail("input #%d: parsed %s, expected %s: %s; %s", i, have, want, hex(packet), hint);
                    }
                } else {
                    byReason[got.ordinal()]++;
                    if (!PARSE_REASONS.contains(got)) {
                        fail("input #%d: drop reason %s is not a parse reason: %s; %s", i, got, hex(packet), hint);
                    }
                    if (want != null) {
                        fail("input #%d dropped as %s, but the documented rules accept it as %s: %s; %s",
                                i, got, want, hex(packet), hint);
                    }
                }
            }
        }, hint);
        assertThat(accepted[0]).as("inputs accepted (the generator must reach valid segments); %s", hint).isGreaterThan(50_000);
        for (DropReason reason : PARSE_REASONS) {
            assertThat(byReason[reason.ordinal()]).as("inputs dropped as %s; %s", reason, hint).isPositive();
        }
    }
}
