package dev.hoststack.pcap;

import static dev.hoststack.pcap.CaptureBytes.concat;
import static dev.hoststack.pcap.CaptureBytes.ethernet;
import static dev.hoststack.pcap.CaptureBytes.sll2;
import static dev.hoststack.pcap.LinkTypeTest.V4;
import static dev.hoststack.pcap.LinkTypeTest.V6;
import static dev.hoststack.pcap.LinkTypeTest.bytes;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteOrder;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;

/** pcapng structure: byte orders, interfaces, timestamp resolutions, block kinds, sections. */
class PcapngTest {

    enum Order {
        LITTLE(ByteOrder.LITTLE_ENDIAN), BIG(ByteOrder.BIG_ENDIAN);

        final ByteOrder order;

        Order(ByteOrder order) {
            this.order = order;
        }
    }

    @ParameterizedTest
    @EnumSource(Order.class)
    void enhancedPacketsInEitherByteOrder(Order o) {
        byte[] capture = new CaptureBytes.Pcapng(o.order)
                .idb(LinkTypes.EN10MB)
                .epb(0, 1_795_645_312_472_151L, ethernet(0x0800, V4))
                .epb(0, 1_795_645_312_472_152L, ethernet(0x86DD, V6))
                .epb(0, 1_795_645_312_472_153L, ethernet(0x0806, CaptureBytes.arp()))
                .bytes();
        CaptureReader reader = CaptureReader.of(capture);
        assertThat(reader.format()).isEqualTo(CaptureFormat.PCAPNG);
        List<PacketRecord> all = reader.readRemaining();
        assertThat(all).hasSize(2);
        assertThat(all.get(0).timestampNanos()).as("default if_tsresol is microseconds").isEqualTo(1_795_645_312_472_151_000L);
        assertThat(bytes(all.get(0).ip())).isEqualTo(V4);
        assertThat(bytes(all.get(1).ip())).isEqualTo(V6);
        assertThat(all.get(0).fileOffset()).as("first EPB after the 28-byte SHB and 32-byte IDB").isEqualTo(28 + 32);
        assertThat(reader.packetsRead()).isEqualTo(3);
        assertThat(reader.skipped(SkipReason.NON_IP_ETHERTYPE)).isEqualTo(1);
    }

    @ParameterizedTest(name = "if_tsresol {0}, offset {2} s: {1} ticks = {3} ns")
    @CsvSource({
        "-1, 1795645312472151, 0, 1795645312472151000",
        "6, 1795645312472151, 0, 1795645312472151000",
        "9, 1795645312472151123, 0, 1795645312472151123",
        "3, 1795645312472, 0, 1795645312472000000",
        "0, 1795645312, 0, 1795645312000000000",
        "12, 1795645312472151123, 0, 1795645312472151",       // picoseconds, rounded down to ns
        "148, 1882870578675712, 0, 1795645312000000000",      // 0x94: 2^-20 s; 1795645312 << 20
        "148, 1882870579200000, 0, 1795645312500000000",      // + 2^19 = half a second
        "128, 1795645312, 0, 1795645312000000000",            // 0x80: 2^0 = seconds
        "9, 472151123, 1795645312, 1795645312472151123",      // if_tsoffset
        "6, 0, -10, -10000000000",
    })
    void timestampResolutionsAndOffsets(int tsresol, long ticks, long offsetSeconds, long nanos) {
        byte[] capture = new CaptureBytes.Pcapng(ByteOrder.LITTLE_ENDIAN)
                .idb(LinkTypes.RAW, 0, tsresol, offsetSeconds)
                .epb(0, ticks, V4)
                .bytes();
        List<PacketRecord> all = CaptureReader.readAll(capture);
        assertThat(all).hasSize(1);
        assertThat(all.get(0).timestampNanos()).as("if_tsresol %d, ticks %d, if_tsoffset %d", tsresol, ticks, offsetSeconds)
                .isEqualTo(nanos);
    }

    @Test
    void perInterfaceLinkTypesAndResolutions() {
        byte[] capture = new CaptureBytes.Pcapng(ByteOrder.BIG_ENDIAN)
                .idb(LinkTypes.EN10MB, 262144, 6, 0)
                .idb(LinkTypes.LINUX_SLL2, 262144, 9, 0)
                .idb(LinkTypes.RAW, 65535, 3, 0)
                .epb(1, 5_000_000_123L, sll2(0x86DD, V6))
                .epb(0, 5_000_123L, ethernet(0x0800, V4))
                .epb(2, 5_123L, V4)
                .bytes();
        List<PacketRecord> all = CaptureReader.readAll(capture);
        assertThat(all).extracting(PacketRecord::interfaceId).containsExactly(1, 0, 2);
        assertThat(all).extracting(PacketRecord::linkType).containsExactly(LinkTypes.LINUX_SLL2, LinkTypes.EN10MB, LinkTypes.RAW);
        assertThat(all).extracting(PacketRecord::timestampNanos)
                .containsExactly(5_000_000_123L, 5_000_123_000L, 5_123_000_000L);
    }

    @Test
    void simpleAndObsoletePacketBlocks() {
        CaptureBytes.Pcapng ng = new CaptureBytes.Pcapng(ByteOrder.LITTLE_ENDIAN).idb(LinkTypes.RAW, 50, 9, 0);
        ng.spb(V4, V4.length);                                   // 60 bytes on the wire, snaplen 50: 50 captured
        ng.spb(java.util.Arrays.copyOf(V6, 40), 40);             // fits the snaplen
        ng.pb(0, 77, java.util.Arrays.copyOf(V4, 50));
        List<PacketRecord> all = CaptureReader.readAll(ng.bytes());
        assertThat(all).hasSize(3);
        assertThat(all.get(0).hasTimestamp()).as("SPB has no timestamp").isFalse();
        assertThat(all.get(0).timestampNanos()).isZero();
        assertThat(all.get(0).capturedLength()).as("SPB captured = min(original, snaplen)").isEqualTo(50);
        assertThat(all.get(0).originalLength()).isEqualTo(60);
        assertThat(all.get(0).ipLength()).isEqualTo(50);
        assertThat(all.get(1).ipVersion()).isEqualTo(6);
        assertThat(all.get(1).capturedLength()).isEqualTo(40);
        assertThat(all.get(2).hasTimestamp()).isTrue();
        assertThat(all.get(2).timestampNanos()).isEqualTo(77);
        assertThat(all.get(2).packetNumber()).isEqualTo(3);
    }

    @Test
    void otherBlocksAreSkippedByLengthAndCounted() {
        CaptureBytes.Pcapng ng = new CaptureBytes.Pcapng(ByteOrder.LITTLE_ENDIAN);
        ng.block(4, new byte[] {1, 0, 8, 0, 127, 0, 0, 1, 'l', 'o', 0, 0, 0, 0, 0, 0});  // NRB
        ng.idb(LinkTypes.RAW);
        ng.block(0x0BAD, new byte[] {1, 2, 3, 4, 5});                                    // custom, padded
        ng.epb(0, 1, V4);
        ng.block(5, new byte[20]);                                                       // ISB
        ng.block(0x12345678, new byte[0]);                                               // unknown, empty body
        ng.block(0x0000000A, new byte[16]);                                              // DSB
        ng.epb(0, 2, concat(V6, new byte[3]));                                           // data padding, trailing bytes
        CaptureReader reader = CaptureReader.of(ng.bytes());
        List<PacketRecord> all = reader.readRemaining();
        assertThat(all).hasSize(2);
        assertThat(reader.blocksSkipped()).as("NRB, custom, ISB, unknown, DSB").isEqualTo(5);
        assertThat(bytes(all.get(1).ip())).isEqualTo(V6);
    }

    @Test
    void epbOptionsAfterThePacketDataAreIgnored() {
        CaptureBytes.Pcapng ng = new CaptureBytes.Pcapng(ByteOrder.BIG_ENDIAN).idb(LinkTypes.RAW);
        byte[] head = ng.buf(20).putInt(0).putInt(0).putInt(9).putInt(V4.length).putInt(V4.length).array();
        byte[] flags = ng.buf(12).putShort((short) 2).putShort((short) 4).putInt(1).array();  // epb_flags + endofopt
        ng.block(6, concat(head, CaptureBytes.Pcapng.padded(V4), flags));
        List<PacketRecord> all = CaptureReader.readAll(ng.bytes());
        assertThat(all).hasSize(1);
        assertThat(bytes(all.get(0).ip())).isEqualTo(V4);
        assertThat(all.get(0).timestampNanos()).isEqualTo(9_000);
    }

    @Test
    void sectionsResetInterfacesAndMayChangeByteOrder() {
        CaptureBytes.Pcapng ng = new CaptureBytes.Pcapng(ByteOrder.LITTLE_ENDIAN)
                .idb(LinkTypes.EN10MB).idb(LinkTypes.RAW)
                .epb(1, 1, V4);
        ng.section(ByteOrder.BIG_ENDIAN).idb(LinkTypes.LINUX_SLL2, 0, 9, 0).epb(0, 2, sll2(0x0800, V4));
        ng.section(ByteOrder.LITTLE_ENDIAN).idb(LinkTypes.RAW).epb(0, 3, V6);
        List<PacketRecord> all = CaptureReader.readAll(ng.bytes());
        assertThat(all).extracting(PacketRecord::linkType).containsExactly(LinkTypes.RAW, LinkTypes.LINUX_SLL2, LinkTypes.RAW);
        assertThat(all).extracting(PacketRecord::timestampNanos).containsExactly(1_000L, 2L, 3_000L);
        assertThat(all).extracting(PacketRecord::packetNumber).containsExactly(1L, 2L, 3L);
    }

    @Test
    void twoRealCapturesConcatenatedAreTwoSections() {
        byte[] a = CaptureBytes.fixtureBytes("lo-mixed-dumpcap.pcapng");
        byte[] b = CaptureBytes.fixtureBytes("merged-eth-sll2.pcapng");
        CaptureReader reader = CaptureReader.of(concat(a, b));
        List<PacketRecord> all = reader.readRemaining();
        assertThat(all).hasSize(300 + 800);
        assertThat(all.get(300).fileOffset()).as("first EPB of the second section").isGreaterThan(a.length);
        assertThat(all.get(300).timestampNanos()).isEqualTo(1795645312_472151000L);
        assertThat(reader.blocksSkipped()).isEqualTo(1);
    }

    @Test
    void anInterfaceOfAnUnsupportedLinkTypeWithoutPacketsIsFine() {
        byte[] capture = new CaptureBytes.Pcapng(ByteOrder.LITTLE_ENDIAN)
                .idb(147).idb(LinkTypes.RAW).epb(1, 0, V4).bytes();
        assertThat(CaptureReader.readAll(capture)).hasSize(1);
    }
}
