package dev.hoststack.pcap;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The real loopback captures in {@code src/test/resources/captures} read as tshark reads them.
 *
 * <p>Expected numbers were computed once with tshark 4.0.17 and written here:
 * <ul>
 *   <li>packets: {@code tshark -r FILE | wc -l}; IPv4 / IPv6: {@code tshark -r FILE -Y ip | wc -l},
 *       {@code -Y ipv6};</li>
 *   <li>pure SYNs per server port: {@code tshark -r FILE -Y 'tcp.flags.syn==1 && tcp.flags.ack==0'
 *       -T fields -e tcp.dstport | sort | uniq -c};</li>
 *   <li>IP bytes: {@code tshark -r FILE -Y ip -T fields -e ip.len} summed, plus
 *       {@code -Y ipv6 -T fields -e ipv6.plen} summed with 40 per packet;</li>
 *   <li>first packet: {@code tshark -r FILE -c 1 -T fields -e frame.time_epoch -e frame.len
 *       -e frame.cap_len -e ip.len -e ip.id -e ip.ttl -e ip.proto -e tcp.srcport -e tcp.dstport
 *       -e tcp.flags};</li>
 *   <li>first IPv6 packet: {@code tshark -r FILE -Y ipv6 -T fields -e frame.number
 *       -e frame.time_epoch -e ipv6.plen -e ipv6.hlim -e ipv6.flow -e tcp.srcport | head -1}.</li>
 * </ul>
 */
class RealCaptureTest {

    /** Expected values for one fixture. */
    record Expected(String file, CaptureFormat format, int packets, int ipv4, int ipv6, Map<Integer, Integer> synsByPort,
                    long ipBytes, long blocksSkipped, Map<Integer, Integer> packetsByLinkType,
                    long firstNanos, int firstCaptured, long firstOriginal, int firstIpId, int firstSrcPort, int firstDstPort,
                    long firstV6Number, long firstV6Nanos, int firstV6Flow, int firstV6SrcPort) {
        @Override
        public String toString() {
            return file;
        }
    }

    static Stream<Expected> fixtures() {
        return Stream.of(
                new Expected("lo-ipv4-ethernet.pcap", CaptureFormat.PCAP, 400, 400, 0, Map.of(40101, 40),
                        22260, 0, Map.of(LinkTypes.EN10MB, 400),
                        1795645312_472151000L, 74, 74, 0x2af1, 51536, 40101, 0, 0, 0, 0),
                new Expected("any-mixed-sll2-nano.pcap", CaptureFormat.PCAP, 400, 200, 200, Map.of(40102, 40),
                        11130 + 15130, 0, Map.of(LinkTypes.LINUX_SLL2, 400),
                        1795645313_818284811L, 80, 80, 0x1876, 58368, 40102,
                        9, 1795645313_818779249L, 0x0fd989, 60382),
                new Expected("any-mixed-sll.pcap", CaptureFormat.PCAP, 300, 150, 150, Map.of(40103, 30),
                        8345 + 11345, 0, Map.of(LinkTypes.LINUX_SLL, 300),
                        1795645315_158572000L, 76, 76, 0x3403, 36236, 40103,
                        9, 1795645315_159152000L, 0x0fa664, 39706),
                new Expected("lo-mixed-dumpcap.pcapng", CaptureFormat.PCAPNG, 300, 150, 150, Map.of(40104, 30),
                        8345 + 11345, 1, Map.of(LinkTypes.EN10MB, 300),
                        1795645316_499391601L, 74, 74, 0x81aa, 45950, 40104,
                        9, 1795645316_499968431L, 0x09b848, 34560),
                new Expected("lo-ipv4-rawip.pcap", CaptureFormat.PCAP, 400, 400, 0, Map.of(40101, 40),
                        22260, 0, Map.of(LinkTypes.RAW, 400),
                        1795645312_472151000L, 60, 74, 0x2af1, 51536, 40101, 0, 0, 0, 0),
                new Expected("merged-eth-sll2.pcapng", CaptureFormat.PCAPNG, 800, 600, 200, Map.of(40101, 40, 40102, 40),
                        22260 + 11130 + 15130, 0, Map.of(LinkTypes.EN10MB, 400, LinkTypes.LINUX_SLL2, 400),
                        1795645312_472151000L, 74, 74, 0x2af1, 51536, 40101,
                        409, 1795645313_818779249L, 0x0fd989, 60382));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("fixtures")
    void readsWhatTsharkReads(Expected x) throws IOException {
        assertThat(CaptureFormat.detect(CaptureBytes.fixture(x.file()))).as("format of %s", x.file()).isEqualTo(x.format());
        CaptureReader reader = CaptureReader.open(CaptureBytes.fixture(x.file()));
        PacketRecord rec = new PacketRecord();
        int v4 = 0;
        int v6 = 0;
        long ipBytes = 0;
        long lastNumber = 0;
        long lastOffset = -1;
        Map<Integer, Integer> syns = new TreeMap<>();
        Map<Integer, Integer> byLinkType = new TreeMap<>();
        boolean firstV6Seen = false;
        while (reader.next(rec)) {
            if (rec.packetNumber() == 1) {
                assertFirstPacket(x, rec);
            }
            assertThat(rec.packetNumber()).as("packet numbers of %s count up by one", x.file()).isEqualTo(lastNumber + 1);
            assertThat(rec.fileOffset()).as("record offsets of %s increase", x.file()).isGreaterThan(lastOffset);
            lastNumber = rec.packetNumber();
            lastOffset = rec.fileOffset();
            byLinkType.merge(rec.linkType(), 1, Integer::sum);
            ByteBuffer ip = rec.ip();
            assertThat(ip.remaining()).as("IP slice length of packet %d", rec.packetNumber()).isEqualTo(rec.ipLength());
            if (rec.ipVersion() == 4) {
                v4++;
                assertThat(ip.getShort(2) & 0xFFFF).as("IPv4 total length = slice length, packet %d", rec.packetNumber())
                        .isEqualTo(rec.ipLength());
            } else {
                v6++;
                assertThat((ip.getShort(4) & 0xFFFF) + 40).as("IPv6 length = slice length, packet %d", rec.packetNumber())
                        .isEqualTo(rec.ipLength());
                if (!firstV6Seen) {
                    firstV6Seen = true;
                    assertFirstV6(x, rec, ip);
                }
            }
            ipBytes += rec.ipLength();
            int tcp = Ip.tcpOffset(ip);
            assertThat(tcp).as("packet %d of %s is TCP", rec.packetNumber(), x.file()).isPositive();
            if ((ip.get(tcp + 13) & 0x12) == 0x02) {
                syns.merge(ip.getShort(tcp + 2) & 0xFFFF, 1, Integer::sum);
            }
        }
        assertThat(reader.packetsRead()).as("packet records in %s (tshark -r | wc -l)", x.file()).isEqualTo(x.packets());
        assertThat(reader.ipPackets()).as("IP packets returned from %s", x.file()).isEqualTo(x.packets());
        assertThat(reader.skippedTotal()).as("skipped in %s: %s", x.file(), reader.skippedByReason()).isZero();
        assertThat(v4).as("IPv4 packets in %s (tshark -Y ip)", x.file()).isEqualTo(x.ipv4());
        assertThat(v6).as("IPv6 packets in %s (tshark -Y ipv6)", x.file()).isEqualTo(x.ipv6());
        assertThat(syns).as("pure SYNs by server port in %s", x.file()).isEqualTo(new TreeMap<>(x.synsByPort()));
        assertThat(ipBytes).as("sum of IP packet lengths in %s", x.file()).isEqualTo(x.ipBytes());
        assertThat(byLinkType).as("packets by link type in %s", x.file()).isEqualTo(new TreeMap<>(x.packetsByLinkType()));
        assertThat(reader.blocksSkipped()).as("non-packet blocks skipped in %s (dumpcap ends with an ISB)", x.file())
                .isEqualTo(x.blocksSkipped());
        assertThat(reader.next(rec)).as("next after the end of %s", x.file()).isFalse();
    }

    private static void assertFirstPacket(Expected x, PacketRecord rec) {
        ByteBuffer ip = rec.ip();
        assertThat(rec.timestampNanos()).as("first timestamp of %s (frame.time_epoch)", x.file()).isEqualTo(x.firstNanos());
        assertThat(rec.hasTimestamp()).isTrue();
        assertThat(rec.capturedLength()).as("first frame.cap_len of %s", x.file()).isEqualTo(x.firstCaptured());
        assertThat(rec.originalLength()).as("first frame.len of %s", x.file()).isEqualTo(x.firstOriginal());
        assertThat(rec.ipVersion()).as("first packet of %s is IPv4", x.file()).isEqualTo(4);
        assertThat(ip.get(0) & 0xFF).as("version/IHL of the first packet of %s", x.file()).isEqualTo(0x45);
        assertThat(ip.getShort(2) & 0xFFFF).as("ip.len of the first packet of %s", x.file()).isEqualTo(60);
        assertThat(ip.getShort(4) & 0xFFFF).as("ip.id of the first packet of %s", x.file()).isEqualTo(x.firstIpId());
        assertThat(ip.get(8) & 0xFF).as("ip.ttl of the first packet of %s", x.file()).isEqualTo(64);
        assertThat(ip.get(9) & 0xFF).as("ip.proto of the first packet of %s", x.file()).isEqualTo(6);
        assertThat(ip.getInt(12)).as("ip.src of the first packet of %s", x.file()).isEqualTo(0x7F000001);
        assertThat(ip.getInt(16)).as("ip.dst of the first packet of %s", x.file()).isEqualTo(0x7F000001);
        assertThat(ip.getShort(20) & 0xFFFF).as("tcp.srcport of the first packet of %s", x.file()).isEqualTo(x.firstSrcPort());
        assertThat(ip.getShort(22) & 0xFFFF).as("tcp.dstport of the first packet of %s", x.file()).isEqualTo(x.firstDstPort());
        assertThat(ip.get(33) & 0xFF).as("tcp.flags of the first packet of %s (SYN)", x.file()).isEqualTo(0x02);
    }

    private static void assertFirstV6(Expected x, PacketRecord rec, ByteBuffer ip) {
        assertThat(rec.packetNumber()).as("frame.number of the first IPv6 packet of %s", x.file()).isEqualTo(x.firstV6Number());
        assertThat(rec.timestampNanos()).as("frame.time_epoch of the first IPv6 packet of %s", x.file())
                .isEqualTo(x.firstV6Nanos());
        assertThat(ip.getInt(0) & 0xFFFFF).as("ipv6.flow of the first IPv6 packet of %s", x.file()).isEqualTo(x.firstV6Flow());
        assertThat(ip.getShort(4) & 0xFFFF).as("ipv6.plen").isEqualTo(40);
        assertThat(ip.get(6) & 0xFF).as("ipv6.nxt").isEqualTo(6);
        assertThat(ip.get(7) & 0xFF).as("ipv6.hlim").isEqualTo(64);
        assertThat(ip.getLong(8)).as("ipv6.src ::1, high half").isZero();
        assertThat(ip.getLong(16)).as("ipv6.src ::1, low half").isEqualTo(1);
        assertThat(ip.getLong(32)).as("ipv6.dst ::1, low half").isEqualTo(1);
        assertThat(ip.getShort(40) & 0xFFFF).as("tcp.srcport of the first IPv6 packet of %s", x.file())
                .isEqualTo(x.firstV6SrcPort());
        assertThat(ip.get(40 + 13) & 0xFF).as("tcp.flags of the first IPv6 packet (SYN)").isEqualTo(0x02);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("fixtures")
    void readAllMatchesIteration(Expected x) throws IOException {
        List<PacketRecord> all = CaptureReader.readAll(CaptureBytes.fixture(x.file()));
        assertThat(all).as("readAll of %s", x.file()).hasSize(x.packets());
        assertThat(all.get(0).timestampNanos()).isEqualTo(x.firstNanos());
        assertThat(all.get(all.size() - 1).packetNumber()).isEqualTo(x.packets());
        List<PacketRecord> fromBytes = CaptureReader.readAll(CaptureBytes.fixtureBytes(x.file()));
        assertThat(fromBytes).hasSize(x.packets());
        for (int i = 0; i < all.size(); i++) {
            assertThat(fromBytes.get(i).ip()).as("packet %d from bytes and from path", i + 1).isEqualTo(all.get(i).ip());
        }
    }

    /** Minimal IP/TCP header walking for assertions. */
    static final class Ip {
        private Ip() {
        }

        /** Offset of the TCP header in an IP packet slice, or -1 if not TCP. */
        static int tcpOffset(ByteBuffer ip) {
            int version = (ip.get(0) & 0xFF) >>> 4;
            if (version == 4) {
                return ip.get(9) == 6 ? (ip.get(0) & 0x0F) * 4 : -1;
            }
            return ip.get(6) == 6 ? 40 : -1;
        }
    }
}
