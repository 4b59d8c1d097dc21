package dev.hoststack.pcap;

import static java.util.Objects.requireNonNull;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * The two capture file formats this module reads, and detection of one from its magic number.
 */
public enum CaptureFormat {

    /** Classic libpcap format: a 24-byte global header, then 16-byte record headers and frames. */
    PCAP,

    /** pcapng: a sequence of blocks, opening with a Section Header Block. */
    PCAPNG;

    /** Magic numbers of classic pcap as read big-endian: microseconds and nanoseconds, both byte orders. */
    static final int PCAP_MICROS = 0xA1B2C3D4;
    static final int PCAP_MICROS_SWAPPED = 0xD4C3B2A1;
    static final int PCAP_NANOS = 0xA1B23C4D;
    static final int PCAP_NANOS_SWAPPED = 0x4D3CB2A1;
    /** The pcapng Section Header Block type, the same in both byte orders. */
    static final int PCAPNG_SHB = 0x0A0D0D0A;

    /**
     * The format of a capture whose first bytes start at the buffer's position (the buffer's
     * position, limit and order are not changed).
     *
     * @throws CaptureException {@link CaptureError#TRUNCATED} with fewer than 4 bytes,
     *                          {@link CaptureError#NOT_A_CAPTURE} for any other magic number
     */
    public static CaptureFormat detect(ByteBuffer capture) {
        requireNonNull(capture, "capture");
        int p = capture.position();
        int n = capture.remaining();
        if (n < 4) {
            throw new CaptureException(CaptureError.TRUNCATED, 0, 0,
                    "expected a 4-byte magic number at the start, but the capture has only " + n + " bytes");
        }
        int magic = (capture.get(p) & 0xFF) << 24 | (capture.get(p + 1) & 0xFF) << 16
                | (capture.get(p + 2) & 0xFF) << 8 | (capture.get(p + 3) & 0xFF);
        return fromMagic(magic);
    }

    /**
     * The format of a capture held in a byte array.
     *
     * @throws CaptureException as {@link #detect(ByteBuffer)}
     */
    public static CaptureFormat detect(byte[] capture) {
        return detect(ByteBuffer.wrap(requireNonNull(capture, "capture")));
    }

    /**
     * The format of a capture file, from its first four bytes.
     *
     * @throws IOException      if the file cannot be read
     * @throws CaptureException as {@link #detect(ByteBuffer)}
     */
    public static CaptureFormat detect(Path file) throws IOException {
        requireNonNull(file, "file");
        try (InputStream in = Files.newInputStream(file)) {
            return detect(in.readNBytes(4));
        }
    }

    private static CaptureFormat fromMagic(int magic) {
        switch (magic) {
            case PCAP_MICROS:
            case PCAP_MICROS_SWAPPED:
            case PCAP_NANOS:
            case PCAP_NANOS_SWAPPED:
                return PCAP;
            case PCAPNG_SHB:
                return PCAPNG;
            default:
                break;
        }
        String hint = "";
        if (magic == 0xA1B2CD34 || magic == 0x34CDB2A1) {
            hint = " (this is the modified/Kuznetzov pcap format, which is not supported: convert it"
                    + " with 'editcap -F pcap')";
        } else if ((magic >>> 16) == 0x1F8B) {
            hint = " (this looks gzip-compressed: decompress it first)";
        }
        throw new CaptureException(CaptureError.NOT_A_CAPTURE, 0, 0, String.format(Locale.ROOT,
                "expected a pcap magic number (a1b2c3d4 or a1b23c4d, in either byte order) or a pcapng"
                        + " Section Header Block type (0a0d0d0a), found %08x%s", magic, hint));
    }
}
