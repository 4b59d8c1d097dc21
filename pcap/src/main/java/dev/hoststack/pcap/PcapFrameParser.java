package dev.hoststack.pcap;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Locale;

/**
 * Classic pcap: a 24-byte global header (magic, version 2.x, zone, sigfigs, snaplen, link type),
 * then records of a 16-byte header (seconds, microseconds or nanoseconds, incl_len, orig_len) and
 * incl_len bytes of frame.
 *
 * <p>A record is corrupt when incl_len exceeds the snaplen (or, with a snaplen of 0 or above
 * {@link #MAX_RECORD}, exceeds {@link #MAX_RECORD}) or exceeds orig_len. The global header's
 * time zone and sigfigs fields are ignored (always 0 in practice); the link type field's FCS bits
 * (26..31) are ignored, its reserved bits (16..25) count as part of the link type.
 */
final class PcapFrameParser extends FrameParser {

    static final int GLOBAL_HEADER = 24;
    static final int RECORD_HEADER = 16;
    /** Largest incl_len accepted whatever the snaplen says: 256 MiB, above any link type's libpcap maximum. */
    static final long MAX_RECORD = 256L * 1024 * 1024;

    private final boolean nanos;
    private final long snaplen;
    private final long maxRecord;
    private final int linkType;
    private int pos;

    PcapFrameParser(ByteBuffer buf, ByteBuffer view) {
        super(buf, view);
        if (limit < GLOBAL_HEADER) {
            throw error(CaptureError.TRUNCATED, 0, "expected a " + GLOBAL_HEADER
                    + "-byte pcap global header, but the capture ends at byte offset " + limit);
        }
        buf.order(ByteOrder.BIG_ENDIAN);
        int magic = buf.getInt(0);
        switch (magic) {
            case CaptureFormat.PCAP_MICROS:
                nanos = false;
                break;
            case CaptureFormat.PCAP_NANOS:
                nanos = true;
                break;
            case CaptureFormat.PCAP_MICROS_SWAPPED:
                nanos = false;
                buf.order(ByteOrder.LITTLE_ENDIAN);
                break;
            case CaptureFormat.PCAP_NANOS_SWAPPED:
                nanos = true;
                buf.order(ByteOrder.LITTLE_ENDIAN);
                break;
            default:
                throw error(CaptureError.NOT_A_CAPTURE, 0, String.format(Locale.ROOT,
                        "expected a pcap magic number (a1b2c3d4 or a1b23c4d, in either byte order), found %08x", magic));
        }
        int major = u16(4);
        if (major != 2) {
            throw error(CaptureError.UNSUPPORTED_VERSION, 4,
                    "expected pcap major version 2, found " + major + "." + u16(6));
        }
        snaplen = u32(16);
        maxRecord = snaplen == 0 || snaplen > MAX_RECORD ? MAX_RECORD : snaplen;
        long network = u32(20);
        long type = network & 0x03FFFFFFL;
        if (!LinkTypes.isSupported((int) type)) {
            throw unsupportedLinkType(20, (int) type, " in the pcap global header");
        }
        linkType = (int) type;
        pos = GLOBAL_HEADER;
    }

    /** The link type of every record. */
    int linkType() {
        return linkType;
    }

    /** The snaplen of the global header. */
    long snaplen() {
        return snaplen;
    }

    /** Whether timestamps are in nanoseconds (else microseconds). */
    boolean nanos() {
        return nanos;
    }

    @Override
    boolean nextFrame(PacketRecord into) {
        int o = pos;
        int remaining = limit - o;
        if (remaining == 0) {
            return false;
        }
        if (remaining < RECORD_HEADER) {
            throw error(CaptureError.TRUNCATED, o, "expected a " + RECORD_HEADER + "-byte pcap record header, but the"
                    + " capture ends at byte offset " + limit + " with " + remaining + " bytes left");
        }
        long seconds = u32(o);
        long fraction = u32(o + 4);
        long incl = u32(o + 8);
        long orig = u32(o + 12);
        if (incl > maxRecord) {
            throw error(CaptureError.CORRUPT, o + 8, maxRecord == snaplen
                    ? "expected incl_len <= the snaplen " + snaplen + " of the global header, found incl_len " + incl
                    : "expected incl_len <= " + MAX_RECORD + " (the largest record accepted; snaplen is " + snaplen
                            + "), found incl_len " + incl);
        }
        if (incl > orig) {
            throw error(CaptureError.CORRUPT, o + 8,
                    "expected incl_len <= orig_len, found incl_len " + incl + " and orig_len " + orig);
        }
        if (incl > remaining - RECORD_HEADER) {
            throw error(CaptureError.TRUNCATED, o + RECORD_HEADER, "expected " + incl + " bytes of packet data (incl_len),"
                    + " but the capture ends at byte offset " + limit + " with " + (remaining - RECORD_HEADER) + " bytes left");
        }
        long nanosSinceEpoch = seconds * Timestamps.NANOS_PER_SECOND + (nanos ? fraction : fraction * 1000);
        int data = o + RECORD_HEADER;
        packetsRead++;
        into.setFrame(view, packetsRead, o, true, nanosSinceEpoch, data, (int) incl, orig, linkType, 0);
        pos = data + (int) incl;
        return true;
    }
}
