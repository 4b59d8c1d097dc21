package dev.hoststack.pcap;

import static java.util.Objects.requireNonNull;

/**
 * A capture that cannot be read on: truncated, corrupt, of an unknown format or version, or with
 * an unsupported link type.
 *
 * <p>This is the only exception the readers in this package throw for any input bytes (I/O
 * errors opening a {@code Path} are {@link java.io.IOException}s, misuse such as a {@code null}
 * argument is a {@link NullPointerException}). It is unchecked, so a consumer that iterates with
 * {@link CaptureReader#next(PacketRecord)} is not forced to handle it on every call; everything
 * read before it stays valid. The message reads like
 * {@code "truncated capture at byte offset 1040 (after 12 packet records): expected ..."}: the
 * offset (from the start of the capture) of the header, record, block or field that is wrong,
 * the number of packet records read before it, and what was expected against what was found.
 * Once a reader has thrown it, every later {@link CaptureReader#next(PacketRecord)} throws the
 * same instance again.
 */
public final class CaptureException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final CaptureError error;
    private final long offset;
    private final long packetsProcessed;
    private final String detail;

    /**
     * @param error            the kind of problem
     * @param offset           byte offset of the problem from the start of the capture
     * @param packetsProcessed packet records read before the problem
     * @param detail           what was expected and what was found
     */
    public CaptureException(CaptureError error, long offset, long packetsProcessed, String detail) {
        super(requireNonNull(error, "error").description() + " at byte offset " + offset
                + " (after " + packetsProcessed + " packet records): " + detail);
        this.error = error;
        this.offset = offset;
        this.packetsProcessed = packetsProcessed;
        this.detail = detail;
    }

    /** The kind of problem. */
    public CaptureError error() {
        return error;
    }

    /** Byte offset of the problem from the start of the capture. */
    public long offset() {
        return offset;
    }

    /** Packet records (IP or skipped) read before the problem. */
    public long packetsProcessed() {
        return packetsProcessed;
    }

    /** What was expected and what was found, without the kind, offset and count. */
    public String detail() {
        return detail;
    }
}
