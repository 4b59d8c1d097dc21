package dev.hoststack.pcap;

import static dev.hoststack.pcap.CaptureBytes.concat;
import static dev.hoststack.pcap.LinkTypeTest.V4;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every way a capture can be broken ends with a {@link CaptureException} naming the byte offset,
 * what was expected and the packet records read before it.
 */
class ErrorTest {

    static final String SUPPORTED = "0 (NULL), 1 (EN10MB), 12 (RAW), 14 (RAW), 101 (RAW), 108 (LOOP), 113 (LINUX_SLL),"
            + " 228 (IPV4), 229 (IPV6), 276 (LINUX_SLL2)";

    /** Classic pcap, raw IP: records of 16 + 60 bytes at 24, 100, 176, ... */
    static CaptureBytes.Pcap pcap(int records) {
        CaptureBytes.Pcap p = new CaptureBytes.Pcap(ByteOrder.LITTLE_ENDIAN, false, LinkTypes.RAW);
        for (int i = 0; i < records; i++) {
            p.record(1000 + i, 0, V4);
        }
        return p;
    }

    /** pcapng, raw IP: SHB at 0 (28 bytes), IDB at 28 (32 bytes), EPBs of 92 bytes at 60, 152, 244, ... */
    static CaptureBytes.Pcapng pcapng(ByteOrder order, int packets) {
        CaptureBytes.Pcapng p = new CaptureBytes.Pcapng(order).idb(LinkTypes.RAW);
        for (int i = 0; i < packets; i++) {
            p.epb(0, 1000 + i, V4);
        }
        return p;
    }

    /** Reads everything and returns the exception, checking that the packets before it came out. */
    static CaptureException failure(byte[] capture, long packetsBefore) {
        PacketRecord rec = new PacketRecord();
        CaptureException e = catchThrowableOfType(CaptureException.class, () -> {
            CaptureReader reader = CaptureReader.of(capture);
            long n = 0;
            try {
                while (reader.next(rec)) {
                    n++;
                }
            } finally {
                assertThat(n).as("IP packets returned before the error").isEqualTo(packetsBefore);
            }
        });
        assertThat(e).as("a CaptureException for a broken capture").isNotNull();
        assertThat(e.packetsProcessed()).as("packetsProcessed of: %s", e.getMessage()).isEqualTo(packetsBefore);
        return e;
    }

    static void assertFailure(byte[] capture, long packetsBefore, CaptureError error, long offset, String detail) {
        CaptureException e = failure(capture, packetsBefore);
        assertThat(e.getMessage()).isEqualTo(error.description() + " at byte offset " + offset + " (after " + packetsBefore
                + " packet records): " + detail);
        assertThat(e.error()).isEqualTo(error);
        assertThat(e.offset()).isEqualTo(offset);
        assertThat(e.detail()).isEqualTo(detail);
    }

    static byte[] setInt(byte[] capture, int at, ByteOrder order, long value) {
        byte[] copy = capture.clone();
        ByteBuffer.wrap(copy).order(order).putInt(at, (int) value);
        return copy;
    }

    // ---- format detection ----

    @Test
    void badMagic() {
        byte[] capture = concat(new byte[] {1, 2, 3, 4}, new byte[40]);
        assertFailure(capture, 0, CaptureError.NOT_A_CAPTURE, 0, "expected a pcap magic number (a1b2c3d4 or a1b23c4d,"
                + " in either byte order) or a pcapng Section Header Block type (0a0d0d0a), found 01020304");
        assertThatThrownBy(() -> CaptureFormat.detect(capture)).isInstanceOf(CaptureException.class)
                .hasMessageContaining("found 01020304");
    }

    @Test
    void magicHints() {
        assertThatThrownBy(() -> CaptureFormat.detect(new byte[] {0x1f, (byte) 0x8b, 8, 0}))
                .hasMessageContaining("found 1f8b0800 (this looks gzip-compressed: decompress it first)");
        assertThatThrownBy(() -> CaptureFormat.detect(new byte[] {0x34, (byte) 0xcd, (byte) 0xb2, (byte) 0xa1}))
                .hasMessageContaining("modified/Kuznetzov pcap format");
    }

    @Test
    void tooShortForAMagicNumber() {
        assertFailure(new byte[] {(byte) 0xd4, (byte) 0xc3, (byte) 0xb2}, 0, CaptureError.TRUNCATED, 0,
                "expected a 4-byte magic number at the start, but the capture has only 3 bytes");
        assertFailure(new byte[0], 0, CaptureError.TRUNCATED, 0,
                "expected a 4-byte magic number at the start, but the capture has only 0 bytes");
    }

    @Test
    void detectsFormatsOfFiles(@TempDir Path dir) throws IOException {
        assertThat(CaptureFormat.detect(CaptureBytes.fixture("any-mixed-sll.pcap"))).isEqualTo(CaptureFormat.PCAP);
        assertThat(CaptureFormat.detect(CaptureBytes.fixture("lo-mixed-dumpcap.pcapng"))).isEqualTo(CaptureFormat.PCAPNG);
        assertThat(CaptureFormat.detect(pcap(0).bytes())).isEqualTo(CaptureFormat.PCAP);
        assertThat(CaptureFormat.detect(new CaptureBytes.Pcap(ByteOrder.BIG_ENDIAN, true, 1).bytes())).isEqualTo(CaptureFormat.PCAP);
        assertThat(CaptureFormat.detect(pcapng(ByteOrder.BIG_ENDIAN, 0).bytes())).isEqualTo(CaptureFormat.PCAPNG);
        Path text = dir.resolve("notes.txt");
        Files.writeString(text, "hello world");
        assertThatThrownBy(() -> CaptureFormat.detect(text)).isInstanceOf(CaptureException.class)
                .hasMessageContaining("not a pcap or pcapng capture at byte offset 0").hasMessageContaining("found 68656c6c");
        assertThatThrownBy(() -> CaptureReader.open(text)).isInstanceOf(CaptureException.class)
                .hasMessageContaining("found 68656c6c");
    }

    // ---- classic pcap ----

    @Test
    void truncatedGlobalHeader() {
        assertFailure(Arrays.copyOf(pcap(0).bytes(), 10), 0, CaptureError.TRUNCATED, 0,
                "expected a 24-byte pcap global header, but the capture ends at byte offset 10");
    }

    @Test
    void truncatedRecordHeader() {
        byte[] capture = Arrays.copyOf(pcap(3).bytes(), 176 + 10);
        assertFailure(capture, 2, CaptureError.TRUNCATED, 176,
                "expected a 16-byte pcap record header, but the capture ends at byte offset 186 with 10 bytes left");
    }

    @Test
    void truncatedRecordBody() {
        byte[] capture = Arrays.copyOf(pcap(2).bytes(), 100 + 16 + 30);
        assertFailure(capture, 1, CaptureError.TRUNCATED, 116,
                "expected 60 bytes of packet data (incl_len), but the capture ends at byte offset 146 with 30 bytes left");
    }

    @Test
    void inclLenLargerThanSnaplen() {
        byte[] capture = new CaptureBytes.Pcap(ByteOrder.BIG_ENDIAN, false, LinkTypes.RAW, 60)
                .record(1, 0, V4).record(2, 0, concat(V4, new byte[1])).bytes();
        assertFailure(capture, 1, CaptureError.CORRUPT, 100 + 8,
                "expected incl_len <= the snaplen 60 of the global header, found incl_len 61");
    }

    @Test
    void hugeInclLen() {
        byte[] noSnaplen = new CaptureBytes.Pcap(ByteOrder.LITTLE_ENDIAN, false, LinkTypes.RAW, 0)
                .record(1, 0, V4, 0xFFFFFFFFL, 0xFFFFFFFFL).bytes();
        assertFailure(noSnaplen, 0, CaptureError.CORRUPT, 32,
                "expected incl_len <= 268435456 (the largest record accepted; snaplen is 0), found incl_len 4294967295");
        byte[] absurdSnaplen = new CaptureBytes.Pcap(ByteOrder.LITTLE_ENDIAN, true, LinkTypes.RAW, 0xFFFFFFFFL)
                .record(1, 0, V4).record(1, 0, V4, 0x7FFFFFFFL, 0x7FFFFFFFL).bytes();
        assertFailure(absurdSnaplen, 1, CaptureError.CORRUPT, 108,
                "expected incl_len <= 268435456 (the largest record accepted; snaplen is 4294967295), found incl_len 2147483647");
    }

    @Test
    void inclLenLargerThanOrigLen() {
        byte[] capture = pcap(1).record(9, 0, V4, 60, 59).bytes();
        assertFailure(capture, 1, CaptureError.CORRUPT, 108, "expected incl_len <= orig_len, found incl_len 60 and orig_len 59");
    }

    @Test
    void inclLenBeyondTheEndWithinSnaplen() {
        byte[] capture = pcap(1).record(9, 0, V4, 1000, 1000).bytes();
        assertFailure(capture, 1, CaptureError.TRUNCATED, 116,
                "expected 1000 bytes of packet data (incl_len), but the capture ends at byte offset 176 with 60 bytes left");
    }

    @Test
    void unsupportedLinkTypeInTheGlobalHeader() {
        byte[] capture = new CaptureBytes.Pcap(ByteOrder.LITTLE_ENDIAN, false, 147).record(1, 0, V4).bytes();
        assertFailure(capture, 0, CaptureError.UNSUPPORTED_LINK_TYPE, 20,
                "link type 147 in the pcap global header cannot be decoded; expected one of " + SUPPORTED);
    }

    @Test
    void unsupportedPcapVersion() {
        byte[] capture = pcap(1).bytes();
        capture[4] = 1; // little-endian major version 1
        assertFailure(capture, 0, CaptureError.UNSUPPORTED_VERSION, 4, "expected pcap major version 2, found 1.4");
    }

    // ---- pcapng ----

    @Test
    void blockTrailingLengthMismatch() {
        byte[] capture = setInt(pcapng(ByteOrder.LITTLE_ENDIAN, 3).bytes(), 152 + 92 - 4, ByteOrder.LITTLE_ENDIAN, 96);
        assertFailure(capture, 1, CaptureError.CORRUPT, 240, "expected the trailing total length of the Enhanced Packet"
                + " Block at byte offset 152 to equal the leading one, 92, found 96");
    }

    @Test
    void blockLengthNotAMultipleOfFour() {
        byte[] capture = setInt(pcapng(ByteOrder.BIG_ENDIAN, 3).bytes(), 152 + 4, ByteOrder.BIG_ENDIAN, 90);
        assertFailure(capture, 1, CaptureError.CORRUPT, 156,
                "expected the block's total length to be a multiple of 4 (Enhanced Packet Block), found 90");
    }

    @Test
    void blockLengthBelowTheMinimum() {
        byte[] capture = setInt(pcapng(ByteOrder.LITTLE_ENDIAN, 2).bytes(), 60 + 4, ByteOrder.LITTLE_ENDIAN, 28);
        assertFailure(capture, 0, CaptureError.CORRUPT, 64,
                "expected the block's total length to be at least 32 (Enhanced Packet Block), found 28");
        byte[] unknown = setInt(pcapng(ByteOrder.LITTLE_ENDIAN, 2).raw(CaptureBytes.le32(5)).raw(CaptureBytes.le32(8))
                .raw(CaptureBytes.le32(8)).bytes(), 0, ByteOrder.LITTLE_ENDIAN, 0x0A0D0D0A);
        assertFailure(unknown, 2, CaptureError.CORRUPT, 244 + 4,
                "expected the block's total length to be at least 12 (block of type 0x00000005), found 8");
    }

    @Test
    void blockRunningPastTheEnd() {
        byte[] capture = Arrays.copyOf(pcapng(ByteOrder.LITTLE_ENDIAN, 2).bytes(), 200);
        assertFailure(capture, 1, CaptureError.TRUNCATED, 152, "expected a block of total length 92 (Enhanced Packet Block)"
                + " to end within the capture, at byte offset 244, but the capture ends at byte offset 200");
        byte[] huge = setInt(pcapng(ByteOrder.LITTLE_ENDIAN, 2).bytes(), 152 + 4, ByteOrder.LITTLE_ENDIAN, 0xFFFFFFFCL);
        assertFailure(huge, 1, CaptureError.TRUNCATED, 152, "expected a block of total length 4294967292 (Enhanced Packet"
                + " Block) to end within the capture, at byte offset 4294967444, but the capture ends at byte offset 244");
    }

    @Test
    void bytesAfterTheLastBlock() {
        byte[] capture = pcapng(ByteOrder.LITTLE_ENDIAN, 1).raw(new byte[8]).bytes();
        assertFailure(capture, 1, CaptureError.TRUNCATED, 152, "expected a pcapng block (at least 12 bytes: type, total"
                + " length, trailing total length), but the capture ends at byte offset 160 with 8 bytes left");
    }

    @Test
    void enhancedPacketBlockWithAnUnknownInterface() {
        byte[] capture = setInt(pcapng(ByteOrder.BIG_ENDIAN, 2).bytes(), 152 + 8, ByteOrder.BIG_ENDIAN, 3);
        assertFailure(capture, 1, CaptureError.CORRUPT, 160, "expected the Enhanced Packet Block's interface id to be one"
                + " of the 1 Interface Description Blocks of section 1 so far (0..0), found 3");
    }

    @Test
    void interfacesOfAnEarlierSectionAreGone() {
        CaptureBytes.Pcapng ng = pcapng(ByteOrder.LITTLE_ENDIAN, 1);
        int second = ng.size();
        ng.section(ByteOrder.BIG_ENDIAN).epb(0, 1, V4);
        assertFailure(ng.bytes(), 1, CaptureError.CORRUPT, second + 28 + 8, "expected the Enhanced Packet Block's interface"
                + " id to be one of the Interface Description Blocks of its section, but section 2 has none so far; found 0");
    }

    @Test
    void sectionHeaderWithABadByteOrderMagic() {
        byte[] capture = setInt(pcapng(ByteOrder.LITTLE_ENDIAN, 1).bytes(), 8, ByteOrder.BIG_ENDIAN, 0x4D3C2B1B);
        assertFailure(capture, 0, CaptureError.CORRUPT, 8, "expected the Section Header Block's byte-order magic 1a2b3c4d"
                + " (big-endian) or 4d3c2b1a (little-endian), found 4d3c2b1b");
        CaptureBytes.Pcapng ng = pcapng(ByteOrder.BIG_ENDIAN, 2);
        int second = ng.size();
        byte[] later = setInt(ng.section(ByteOrder.LITTLE_ENDIAN).bytes(), second + 8, ByteOrder.BIG_ENDIAN, 0);
        assertFailure(later, 2, CaptureError.CORRUPT, second + 8, "expected the Section Header Block's byte-order magic"
                + " 1a2b3c4d (big-endian) or 4d3c2b1a (little-endian), found 00000000");
    }

    @Test
    void truncatedSectionHeader() {
        assertFailure(Arrays.copyOf(pcapng(ByteOrder.LITTLE_ENDIAN, 0).bytes(), 8), 0, CaptureError.TRUNCATED, 0,
                "expected a Section Header Block of at least 28 bytes, but the capture ends at byte offset 8");
        assertFailure(Arrays.copyOf(pcapng(ByteOrder.LITTLE_ENDIAN, 0).bytes(), 20), 0, CaptureError.TRUNCATED, 0,
                "expected a block of total length 28 (Section Header Block) to end within the capture, at byte offset 28,"
                        + " but the capture ends at byte offset 20");
    }

    @Test
    void unsupportedPcapngVersion() {
        byte[] capture = pcapng(ByteOrder.LITTLE_ENDIAN, 1).bytes();
        capture[12] = 2;
        assertFailure(capture, 0, CaptureError.UNSUPPORTED_VERSION, 12, "expected pcapng major version 1, found 2.0");
    }

    @Test
    void capturedLengthChecks() {
        byte[] tooLong = setInt(pcapng(ByteOrder.LITTLE_ENDIAN, 2).bytes(), 152 + 20, ByteOrder.LITTLE_ENDIAN, 61);
        assertFailure(tooLong, 1, CaptureError.CORRUPT, 172,
                "expected a captured length that fits in the Enhanced Packet Block's 60 bytes of packet data and options, found 61");
        byte[] aboveOriginal = setInt(pcapng(ByteOrder.LITTLE_ENDIAN, 2).bytes(), 152 + 24, ByteOrder.LITTLE_ENDIAN, 59);
        assertFailure(aboveOriginal, 1, CaptureError.CORRUPT, 172,
                "expected the Enhanced Packet Block's captured length <= its original length, found captured 60 and original 59");
        byte[] aboveSnaplen = new CaptureBytes.Pcapng(ByteOrder.BIG_ENDIAN).idb(LinkTypes.RAW, 59, -1, 0).epb(0, 0, V4).bytes();
        assertFailure(aboveSnaplen, 0, CaptureError.CORRUPT, 80,
                "expected the Enhanced Packet Block's captured length <= the snaplen 59 of interface 0, found 60");
        byte[] spbTooLong = new CaptureBytes.Pcapng(ByteOrder.BIG_ENDIAN).idb(LinkTypes.RAW, 0, -1, 0).spb(V4, 64).bytes();
        assertFailure(spbTooLong, 0, CaptureError.CORRUPT, 68, "expected the Simple Packet Block's packet (original length"
                + " 64, interface snaplen 0, so 64 captured bytes) to fit in its 60 bytes of packet data");
    }

    @Test
    void simplePacketBlockWithoutAnInterface() {
        byte[] capture = new CaptureBytes.Pcapng(ByteOrder.LITTLE_ENDIAN).spb(V4, 60).bytes();
        assertFailure(capture, 0, CaptureError.CORRUPT, 28, "expected an Interface Description Block before a Simple Packet"
                + " Block (which uses interface 0), found none in section 1");
    }

    @Test
    void interfaceOptionChecks() {
        CaptureBytes.Pcapng ng = new CaptureBytes.Pcapng(ByteOrder.LITTLE_ENDIAN);
        byte[] head = ng.buf(8).putShort((short) LinkTypes.RAW).putShort((short) 0).putInt(0).array();
        byte[] overrun = ng.buf(8).putShort((short) 2).putShort((short) 5).array();
        byte[] capture = ng.block(1, concat(head, overrun)).bytes();
        // IDB at 28, 28 bytes long: options from 44 to 52 (before the trailing length); option 2 at 44 claims 4 + 8
        assertFailure(capture, 0, CaptureError.CORRUPT, 28 + 16 + 2, "expected option 2 of the Interface Description Block at"
                + " byte offset 28 to end by byte offset 52, but its length 5 runs to 56");
        CaptureBytes.Pcapng ng2 = new CaptureBytes.Pcapng(ByteOrder.LITTLE_ENDIAN);
        byte[] tsresol2 = ng2.buf(12).putShort((short) 9).putShort((short) 2).putShort((short) 6).array();
        assertFailure(ng2.block(1, concat(head, tsresol2)).bytes(), 0, CaptureError.CORRUPT, 46,
                "expected an if_tsresol option of length 1, found 2");
        CaptureBytes.Pcapng ng3 = new CaptureBytes.Pcapng(ByteOrder.LITTLE_ENDIAN);
        byte[] tsoffset = ng3.buf(16).putShort((short) 14).putShort((short) 8).putLong(Long.MIN_VALUE).array();
        assertFailure(ng3.block(1, concat(head, tsoffset)).bytes(), 0, CaptureError.CORRUPT, 48,
                "expected an if_tsoffset within +-9223372036 seconds, found -9223372036854775808");
    }

    @Test
    void timestampOutOfRange() {
        byte[] capture = new CaptureBytes.Pcapng(ByteOrder.LITTLE_ENDIAN).idb(LinkTypes.RAW, 0, 0, 0)
                .epb(0, 1L << 62, V4).bytes();
        // IDB at 28 of 40 bytes (if_name, if_tsresol): the EPB at 68, its timestamp at 80
        assertFailure(capture, 0, CaptureError.CORRUPT, 68 + 12, "expected a timestamp that fits in a signed 64-bit count"
                + " of nanoseconds since the epoch, found 4611686018427387904 units of if_tsresol 0 plus an if_tsoffset of 0 s");
    }

    @Test
    void unsupportedLinkTypeOfAnInterface() {
        byte[] capture = new CaptureBytes.Pcapng(ByteOrder.BIG_ENDIAN).idb(LinkTypes.RAW).idb(147).epb(0, 0, V4)
                .epb(1, 0, V4).bytes();
        assertFailure(capture, 1, CaptureError.UNSUPPORTED_LINK_TYPE, 28 + 32 + 32 + 92, "link type 147 (interface 1,"
                + " described by the Interface Description Block at byte offset 60) cannot be decoded; expected one of "
                + SUPPORTED);
    }

    @Test
    void aFailedReaderKeepsFailingTheSameWay() {
        CaptureReader reader = CaptureReader.of(Arrays.copyOf(pcap(2).bytes(), 150));
        PacketRecord rec = new PacketRecord();
        assertThat(reader.next(rec)).isTrue();
        CaptureException first = catchThrowableOfType(CaptureException.class, () -> reader.next(rec));
        assertThat(first).isNotNull();
        assertThatThrownBy(() -> reader.next(rec)).isSameAs(first);
        assertThat(reader.packetsRead()).isEqualTo(1);
    }

    @Test
    void aFileOfTwoGibibytesOrMoreIsRefusedBeforeReading(@TempDir Path dir) throws IOException {
        Path sparse = dir.resolve("huge.pcap");
        try (java.io.RandomAccessFile f = new java.io.RandomAccessFile(sparse.toFile(), "rw")) {
            f.setLength(1L << 31);
        }
        assertThatThrownBy(() -> CaptureReader.open(sparse)).isInstanceOf(IOException.class)
                .hasMessageContaining("2147483648 bytes; captures of 2 GiB or more are not supported");
    }
}
