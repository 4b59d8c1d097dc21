package dev.hoststack.pcap;

import java.nio.ByteBuffer;

/**
 * Frames packet records out of one capture format: finds the next packet record, checks its
 * framing, and fills the record's frame fields. Link-layer decoding is {@link LinkDecoder}'s.
 *
 * <p>Every call to {@link #nextFrame} either returns, advancing the position by at least one
 * header, or throws; so no input can make a reader loop without progress. All reads are absolute
 * and bounds-checked against {@link #limit} before they happen.
 */
abstract class FrameParser {

    /** The reader's private view of the capture; its byte order is set by the format. */
    final ByteBuffer buf;
    /** The read-only big-endian view handed to consumers in {@link PacketRecord#buffer()}. */
    final ByteBuffer view;
    /** Capture length in bytes. */
    final int limit;
    /** Packet records framed so far (IP or not). */
    long packetsRead;
    /** Blocks skipped because they carry no packets (pcapng ISB, NRB, unknown types...). */
    long blocksSkipped;

    FrameParser(ByteBuffer buf, ByteBuffer view) {
        this.buf = buf;
        this.view = view;
        this.limit = buf.limit();
    }

    /**
     * Fills the frame fields of the next packet record, or returns false at a clean end.
     *
     * @throws CaptureException if the capture is truncated or corrupt at the current position
     */
    abstract boolean nextFrame(PacketRecord into);

    final long u32(int offset) {
        return buf.getInt(offset) & 0xFFFFFFFFL;
    }

    final int u16(int offset) {
        return buf.getShort(offset) & 0xFFFF;
    }

    final CaptureException error(CaptureError error, long offset, String detail) {
        return new CaptureException(error, offset, packetsRead, detail);
    }

    final CaptureException unsupportedLinkType(long offset, int linkType, String where) {
        return error(CaptureError.UNSUPPORTED_LINK_TYPE, offset, "link type " + linkType + where
                + " cannot be decoded; expected one of " + LinkTypes.supportedList());
    }
}
