package dev.hoststack.pcap;

import static dev.hoststack.pcap.CaptureBytes.arp;
import static dev.hoststack.pcap.CaptureBytes.concat;
import static dev.hoststack.pcap.CaptureBytes.ethernet;
import static dev.hoststack.pcap.CaptureBytes.ethernetTagged;
import static dev.hoststack.pcap.CaptureBytes.nullHeader;
import static dev.hoststack.pcap.CaptureBytes.sll;
import static dev.hoststack.pcap.CaptureBytes.sll2;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Every supported link type, in classic pcap files of both byte orders and both timestamp
 * precisions, built from real IP packets of the loopback fixtures (IPv4 from
 * {@code lo-ipv4-ethernet.pcap}, IPv6 from {@code any-mixed-sll2-nano.pcap}, cut out by hand).
 * This is also where BSD loopback (NULL, LOOP) and raw-IP files are made, since Linux tools do not
 * write them.
 */
class LinkTypeTest {

    static final byte[] V4 = CaptureBytes.realIpv4().get(0);
    static final byte[] V4_DATA = CaptureBytes.realIpv4().get(3);
    static final byte[] V6 = CaptureBytes.realIpv6().get(0);
    static final byte[] V6_DATA = CaptureBytes.realIpv6().get(3);

    static final long SECONDS = 1_795_645_312L;

    /** One synthetic frame, what the reader should make of it (null: an IP packet equal to {@code ip}). */
    record Frame(String what, byte[] frame, byte[] ip, SkipReason skip) {
        static Frame ip(String what, byte[] frame, byte[] ip) {
            return new Frame(what, frame, ip, null);
        }

        static Frame skip(String what, byte[] frame, SkipReason reason) {
            return new Frame(what, frame, null, reason);
        }

        @Override
        public String toString() {
            return what;
        }
    }

    static Stream<Arguments> linkTypes() {
        List<Arguments> out = new ArrayList<>();
        Map<Integer, List<Frame>> cases = Map.of(
                LinkTypes.EN10MB, List.of(
                        Frame.ip("ethernet IPv4", ethernet(0x0800, V4), V4),
                        Frame.ip("ethernet IPv6", ethernet(0x86DD, V6), V6),
                        Frame.ip("802.1Q", ethernetTagged(new int[][] {{0x8100, 10}}, 0x0800, V4_DATA), V4_DATA),
                        Frame.ip("802.1ad + 802.1Q", ethernetTagged(new int[][] {{0x88A8, 20}, {0x8100, 10}}, 0x86DD, V6_DATA), V6_DATA),
                        Frame.ip("old QinQ 0x9100", ethernetTagged(new int[][] {{0x9100, 5}}, 0x0800, V4), V4),
                        Frame.ip("padded to 60", concat(ethernet(0x0800, V4_DATA), new byte[] {0, 0, 0, 0, 0, 0}), V4_DATA),
                        Frame.skip("ARP", ethernet(0x0806, arp()), SkipReason.NON_IP_ETHERTYPE),
                        Frame.skip("ARP behind 802.1Q", ethernetTagged(new int[][] {{0x8100, 10}}, 0x0806, arp()), SkipReason.NON_IP_ETHERTYPE),
                        Frame.skip("802.3 length field", ethernet(0x002E, arp()), SkipReason.NON_IP_ETHERTYPE),
                        Frame.skip("LLDP", ethernet(0x88CC, new byte[20]), SkipReason.NON_IP_ETHERTYPE),
                        Frame.skip("13 bytes", Arrays.copyOf(ethernet(0x0800, V4), 13), SkipReason.TRUNCATED_LINK_HEADER),
                        Frame.skip("802.1Q cut", Arrays.copyOf(ethernetTagged(new int[][] {{0x8100, 10}}, 0x0800, V4), 16),
                                SkipReason.TRUNCATED_LINK_HEADER),
                        Frame.skip("IPv4 ethertype, IPv6 packet", ethernet(0x0800, V6), SkipReason.BAD_IP_VERSION),
                        Frame.skip("IPv6 ethertype, IPv4 packet", ethernet(0x86DD, V4), SkipReason.BAD_IP_VERSION),
                        Frame.skip("IPv4 header cut at 19", ethernet(0x0800, Arrays.copyOf(V4, 19)), SkipReason.TRUNCATED_IP_HEADER),
                        Frame.skip("IPv6 header cut at 39", ethernet(0x86DD, Arrays.copyOf(V6, 39)), SkipReason.TRUNCATED_IP_HEADER),
                        Frame.skip("no IP byte", ethernet(0x0800, new byte[0]), SkipReason.TRUNCATED_IP_HEADER)),
                LinkTypes.LINUX_SLL, List.of(
                        Frame.ip("SLL IPv4", sll(0x0800, V4), V4),
                        Frame.ip("SLL IPv6", sll(0x86DD, V6), V6),
                        Frame.ip("SLL 802.1Q", sll(0x8100, concat(CaptureBytes.be16(7), CaptureBytes.be16(0x0800), V4)), V4),
                        Frame.skip("SLL ARP", sll(0x0806, arp()), SkipReason.NON_IP_SLL_PROTOCOL),
                        Frame.skip("SLL 802.2 LLC", sll(0x0004, new byte[10]), SkipReason.NON_IP_SLL_PROTOCOL),
                        Frame.skip("SLL 15 bytes", Arrays.copyOf(sll(0x0800, V4), 15), SkipReason.TRUNCATED_LINK_HEADER)),
                LinkTypes.LINUX_SLL2, List.of(
                        Frame.ip("SLL2 IPv4", sll2(0x0800, V4), V4),
                        Frame.ip("SLL2 IPv6", sll2(0x86DD, V6), V6),
                        Frame.skip("SLL2 ARP", sll2(0x0806, arp()), SkipReason.NON_IP_SLL_PROTOCOL),
                        Frame.skip("SLL2 19 bytes", Arrays.copyOf(sll2(0x0800, V4), 19), SkipReason.TRUNCATED_LINK_HEADER)),
                LinkTypes.NULL, List.of(
                        Frame.ip("NULL AF_INET little-endian", nullHeader(2, ByteOrder.LITTLE_ENDIAN, V4), V4),
                        Frame.ip("NULL AF_INET big-endian", nullHeader(2, ByteOrder.BIG_ENDIAN, V4), V4),
                        Frame.ip("NULL AF_INET6 24 (NetBSD/OpenBSD)", nullHeader(24, ByteOrder.LITTLE_ENDIAN, V6), V6),
                        Frame.ip("NULL AF_INET6 28 (FreeBSD)", nullHeader(28, ByteOrder.BIG_ENDIAN, V6), V6),
                        Frame.ip("NULL AF_INET6 30 (Darwin)", nullHeader(30, ByteOrder.LITTLE_ENDIAN, V6_DATA), V6_DATA),
                        Frame.skip("NULL AF 7", nullHeader(7, ByteOrder.LITTLE_ENDIAN, new byte[20]), SkipReason.NON_IP_ADDRESS_FAMILY),
                        Frame.skip("NULL AF_INET with IPv6", nullHeader(2, ByteOrder.LITTLE_ENDIAN, V6), SkipReason.BAD_IP_VERSION),
                        Frame.skip("NULL 3 bytes", new byte[] {2, 0, 0}, SkipReason.TRUNCATED_LINK_HEADER)),
                LinkTypes.LOOP, List.of(
                        Frame.ip("LOOP AF_INET", nullHeader(2, ByteOrder.BIG_ENDIAN, V4), V4),
                        Frame.ip("LOOP AF_INET6 24", nullHeader(24, ByteOrder.BIG_ENDIAN, V6), V6),
                        // LOOP is network byte order by definition: a little-endian AF is not guessed
                        Frame.skip("LOOP AF_INET little-endian", nullHeader(2, ByteOrder.LITTLE_ENDIAN, V4),
                                SkipReason.NON_IP_ADDRESS_FAMILY)),
                LinkTypes.IPV4, List.of(
                        Frame.ip("IPV4 IPv4", V4, V4),
                        Frame.skip("IPV4 with IPv6", V6, SkipReason.BAD_IP_VERSION)),
                LinkTypes.IPV6, List.of(
                        Frame.ip("IPV6 IPv6", V6, V6),
                        Frame.skip("IPV6 with IPv4", V4, SkipReason.BAD_IP_VERSION)));
        List<Frame> raw = List.of(
                Frame.ip("raw IPv4", V4, V4),
                Frame.ip("raw IPv6", V6, V6),
                Frame.skip("raw version 5", concat(new byte[] {0x55}, new byte[40]), SkipReason.BAD_IP_VERSION),
                Frame.skip("raw empty", new byte[0], SkipReason.TRUNCATED_IP_HEADER));
        for (ByteOrder order : new ByteOrder[] {ByteOrder.LITTLE_ENDIAN, ByteOrder.BIG_ENDIAN}) {
            for (boolean nanos : new boolean[] {false, true}) {
                cases.forEach((type, frames) -> out.add(Arguments.of(type, order, nanos, frames)));
                for (int type : new int[] {LinkTypes.RAW, LinkTypes.RAW_12, LinkTypes.RAW_14}) {
                    out.add(Arguments.of(type, order, nanos, raw));
                }
            }
        }
        return out.stream();
    }

    @ParameterizedTest(name = "link type {0}, {1}, nanos={2}")
    @MethodSource("linkTypes")
    void decodesEveryFrameOrCountsWhyNot(int linkType, ByteOrder order, boolean nanos, List<Frame> frames) {
        CaptureBytes.Pcap pcap = new CaptureBytes.Pcap(order, nanos, linkType);
        for (int i = 0; i < frames.size(); i++) {
            pcap.record(SECONDS + i, nanos ? 123_456_789 : 123_456, frames.get(i).frame());
        }
        CaptureReader reader = CaptureReader.of(pcap.bytes());
        assertThat(reader.format()).isEqualTo(CaptureFormat.PCAP);
        PacketRecord rec = new PacketRecord();
        long expectedSkipped = 0;
        for (int i = 0; i < frames.size(); i++) {
            Frame f = frames.get(i);
            if (f.skip() != null) {
                expectedSkipped++;
                continue;
            }
            assertThat(reader.next(rec)).as("a packet for frame '%s'", f).isTrue();
            assertThat(rec.packetNumber()).as("packet number of '%s'", f).isEqualTo(i + 1);
            assertThat(bytes(rec.ip())).as("IP packet of '%s'", f).isEqualTo(f.ip());
            assertThat(rec.ipVersion()).as("IP version of '%s'", f).isEqualTo((f.ip()[0] & 0xFF) >>> 4);
            assertThat(rec.linkType()).isEqualTo(linkType);
            assertThat(rec.capturedLength()).as("captured length of '%s'", f).isEqualTo(f.frame().length);
            assertThat(rec.originalLength()).as("original length of '%s'", f).isEqualTo(f.frame().length);
            assertThat(rec.timestampNanos()).as("timestamp of '%s'", f)
                    .isEqualTo((SECONDS + i) * 1_000_000_000L + (nanos ? 123_456_789 : 123_456_000));
        }
        assertThat(reader.next(rec)).as("end of capture").isFalse();
        assertThat(reader.packetsRead()).as("packet records").isEqualTo(frames.size());
        assertThat(reader.skippedTotal()).as("skipped: %s", reader.skippedByReason()).isEqualTo(expectedSkipped);
        for (SkipReason reason : SkipReason.values()) {
            long want = frames.stream().filter(f -> f.skip() == reason).count();
            assertThat(reader.skipped(reason)).as("skipped for %s, frames %s", reason, frames).isEqualTo(want);
        }
        assertThat(reader.ipPackets() + reader.skippedTotal()).isEqualTo(reader.packetsRead());
    }

    @ParameterizedTest
    @ValueSource(ints = {LinkTypes.EN10MB, LinkTypes.LINUX_SLL, LinkTypes.LINUX_SLL2, LinkTypes.NULL, LinkTypes.RAW})
    void aSnaplenCutFrameGivesTheCapturedPartOfTheIpPacket(int linkType) {
        Function<byte[], byte[]> frame = Map.<Integer, Function<byte[], byte[]>>of(
                LinkTypes.EN10MB, ip -> ethernet(0x0800, ip),
                LinkTypes.LINUX_SLL, ip -> sll(0x0800, ip),
                LinkTypes.LINUX_SLL2, ip -> sll2(0x0800, ip),
                LinkTypes.NULL, ip -> nullHeader(2, ByteOrder.LITTLE_ENDIAN, ip),
                LinkTypes.RAW, ip -> ip).get(linkType);
        byte[] whole = frame.apply(V4_DATA);
        int header = whole.length - V4_DATA.length;
        byte[] cut = Arrays.copyOf(whole, header + 30);
        byte[] capture = new CaptureBytes.Pcap(ByteOrder.LITTLE_ENDIAN, false, linkType, header + 30)
                .record(SECONDS, 0, cut, cut.length, whole.length).bytes();
        PacketRecord rec = new PacketRecord();
        CaptureReader reader = CaptureReader.of(capture);
        assertThat(reader.next(rec)).isTrue();
        assertThat(rec.capturedLength()).isEqualTo(header + 30);
        assertThat(rec.originalLength()).isEqualTo(whole.length);
        assertThat(rec.ipLength()).as("IP bytes present when the IPv4 total length says %d", V4_DATA.length).isEqualTo(30);
        assertThat(bytes(rec.ip())).isEqualTo(Arrays.copyOf(V4_DATA, 30));
    }

    @Test
    void ipHeaderChecks() {
        byte[] ihl4 = V4.clone();
        ihl4[0] = 0x44;
        byte[] totalBelowHeader = V4.clone();
        totalBelowHeader[2] = 0;
        totalBelowHeader[3] = 19;
        byte[] ihl15 = Arrays.copyOf(V4, 40);
        ihl15[0] = 0x4F;
        byte[] totalZero = V4.clone();
        totalZero[2] = 0;
        totalZero[3] = 0;
        byte[] v6Jumbo = V6.clone();
        v6Jumbo[4] = 0;
        v6Jumbo[5] = 0;
        byte[] v6Padded = concat(V6, new byte[8]);
        CaptureBytes.Pcap pcap = new CaptureBytes.Pcap(ByteOrder.BIG_ENDIAN, false, LinkTypes.RAW);
        for (byte[] p : List.of(ihl4, totalBelowHeader, ihl15, totalZero, v6Jumbo, v6Padded)) {
            pcap.record(SECONDS, 0, p);
        }
        CaptureReader reader = CaptureReader.of(pcap.bytes());
        PacketRecord rec = new PacketRecord();
        assertThat(reader.next(rec)).isTrue();
        assertThat(rec.packetNumber()).as("IPv4 total length 0 (TSO) is kept, whole capture").isEqualTo(4);
        assertThat(rec.ipLength()).isEqualTo(V4.length);
        assertThat(reader.next(rec)).isTrue();
        assertThat(rec.packetNumber()).as("IPv6 payload length 0 (jumbogram) is kept").isEqualTo(5);
        assertThat(rec.ipLength()).isEqualTo(V6.length);
        assertThat(reader.next(rec)).isTrue();
        assertThat(rec.ipLength()).as("IPv6 trailing bytes cut off by payload length").isEqualTo(V6.length);
        assertThat(reader.next(rec)).isFalse();
        assertThat(reader.skippedByReason()).as("IHL 4 and total 19 malformed; IHL 15 with 40 bytes truncated")
                .isEqualTo(Map.of(SkipReason.MALFORMED_IP_HEADER, 2L, SkipReason.TRUNCATED_IP_HEADER, 1L));
    }

    @Test
    void recordBuffersAreReadOnlyAndIndependentOfTheFileByteOrder() {
        byte[] capture = new CaptureBytes.Pcap(ByteOrder.LITTLE_ENDIAN, false, LinkTypes.EN10MB)
                .record(SECONDS, 0, ethernet(0x0800, V4)).bytes();
        PacketRecord rec = new PacketRecord();
        CaptureReader reader = CaptureReader.of(capture);
        assertThat(reader.next(rec)).isTrue();
        assertThat(rec.buffer().isReadOnly()).isTrue();
        assertThat(rec.buffer().order()).isEqualTo(ByteOrder.BIG_ENDIAN);
        assertThat(rec.ip().isReadOnly()).isTrue();
        assertThat(rec.buffer().getShort(rec.ipOffset() + 2)).as("IPv4 total length read big-endian").isEqualTo((short) 60);
        assertThat(rec.frameOffset()).isEqualTo(24 + 16);
        assertThat(rec.ipOffset()).isEqualTo(24 + 16 + 14);
        assertThat(rec.fileOffset()).isEqualTo(24);
        PacketRecord copy = rec.copy();
        rec.buffer().order(ByteOrder.LITTLE_ENDIAN).position(5);
        assertThat(reader.next(rec)).isFalse();
        assertThat(copy.toString()).contains("#1", "IPv4");
        assertThat(bytes(copy.ip())).isEqualTo(V4);
    }

    @Test
    void readsFromTheBufferPositionWithoutMovingIt() {
        byte[] capture = new CaptureBytes.Pcap(ByteOrder.BIG_ENDIAN, true, LinkTypes.RAW)
                .record(SECONDS, 5, V6).bytes();
        ByteBuffer shifted = ByteBuffer.allocate(capture.length + 7);
        shifted.position(7);
        shifted.put(capture).position(7);
        shifted.order(ByteOrder.LITTLE_ENDIAN);
        List<PacketRecord> all = CaptureReader.of(shifted).readRemaining();
        assertThat(all).hasSize(1);
        assertThat(all.get(0).fileOffset()).as("offsets count from the buffer's position").isEqualTo(24);
        assertThat(all.get(0).timestampNanos()).isEqualTo(SECONDS * 1_000_000_000L + 5);
        assertThat(shifted.position()).isEqualTo(7);
        assertThat(shifted.order()).isEqualTo(ByteOrder.LITTLE_ENDIAN);
    }

    @Test
    void classicTimestampsCoverTheWholeUnsignedRange() {
        byte[] capture = new CaptureBytes.Pcap(ByteOrder.LITTLE_ENDIAN, true, LinkTypes.RAW)
                .record(0xFFFFFFFFL, 999_999_999, V4).record(0, 0, V4).bytes();
        List<PacketRecord> all = CaptureReader.readAll(capture);
        assertThat(all.get(0).timestampNanos()).isEqualTo(4_294_967_295L * 1_000_000_000L + 999_999_999);
        assertThat(all.get(1).timestampNanos()).isZero();
    }

    @Test
    void linkTypeFcsBitsAreIgnored() {
        long withFcs = LinkTypes.EN10MB | 0x04000000L | (2L << 28);
        byte[] capture = new CaptureBytes.Pcap(ByteOrder.LITTLE_ENDIAN, false, withFcs, 65535)
                .record(SECONDS, 0, concat(ethernet(0x0800, V4), new byte[4])).bytes();
        List<PacketRecord> all = CaptureReader.readAll(capture);
        assertThat(all).hasSize(1);
        assertThat(bytes(all.get(0).ip())).as("FCS not part of the IP packet").isEqualTo(V4);
    }

    static byte[] bytes(ByteBuffer b) {
        byte[] out = new byte[b.remaining()];
        b.duplicate().get(out);
        return out;
    }
}
