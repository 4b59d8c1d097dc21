package dev.hoststack.pcap;

/**
 * What kind of problem ended the reading of a capture; the code of a {@link CaptureException}.
 */
public enum CaptureError {

    /** The first bytes are neither a pcap nor a pcapng magic number. */
    NOT_A_CAPTURE("not a pcap or pcapng capture"),

    /** The capture ends inside a header, a record or a block. */
    TRUNCATED("truncated capture"),

    /** A header, record or block holds values that cannot be right (lengths, ids, magic). */
    CORRUPT("corrupt capture"),

    /** A file format version this reader does not know (pcap major version 2, pcapng major 1 only). */
    UNSUPPORTED_VERSION("unsupported capture format version"),

    /** Packets of a link type this reader does not decode; the message lists the supported ones. */
    UNSUPPORTED_LINK_TYPE("unsupported link type");

    private final String description;

    CaptureError(String description) {
        this.description = description;
    }

    /** A short phrase that opens the exception message, e.g. {@code "truncated capture"}. */
    public String description() {
        return description;
    }
}
