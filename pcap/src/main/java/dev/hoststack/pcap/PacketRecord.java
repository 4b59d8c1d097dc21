package dev.hoststack.pcap;

import java.nio.ByteBuffer;

/**
 * One IP packet of a capture with its record metadata: a mutable flyweight that
 * {@link CaptureReader#next(PacketRecord)} fills, so a consumer can iterate without allocating.
 *
 * <p>The packet bytes are not copied: {@link #buffer()} is a read-only, big-endian view of the
 * whole capture shared by all records of one reader, and the IP packet is
 * {@code [ipOffset(), ipOffset() + ipLength())} in it. Read it with absolute gets
 * ({@code buffer().get(ipOffset() + i)}); the view's position, limit and order are the consumer's
 * to change and the reader never uses them. {@link #ip()} makes a slice for convenience (one small
 * allocation). The IP packet ends where its header says it ends (IPv4 total length, IPv6 payload
 * length + 40) when that is within the captured bytes, so Ethernet padding and a frame check
 * sequence are not part of it; otherwise it ends with the captured bytes.
 *
 * <p>Threading: a record is owned by the thread that fills it. A {@link #copy()} may be published
 * to another thread and read there.
 */
public final class PacketRecord {

    private ByteBuffer buffer;
    private long packetNumber;
    private long fileOffset;
    private boolean hasTimestamp;
    private long timestampNanos;
    private int frameOffset;
    private int capturedLength;
    private long originalLength;
    private int linkType;
    private int interfaceId;
    private int ipVersion;
    private int ipOffset;
    private int ipLength;

    /** An empty record, to be filled by {@link CaptureReader#next(PacketRecord)}. */
    public PacketRecord() {
    }

    /**
     * 1-based number of this packet record among all packet records of the capture, counting the
     * skipped non-IP ones too, so it equals Wireshark's frame number.
     */
    public long packetNumber() {
        return packetNumber;
    }

    /** Byte offset of this record's header (pcap) or block (pcapng) from the start of the capture. */
    public long fileOffset() {
        return fileOffset;
    }

    /** Whether the capture gave a timestamp; pcapng Simple Packet Blocks have none. */
    public boolean hasTimestamp() {
        return hasTimestamp;
    }

    /** Capture time in nanoseconds since the Unix epoch (UTC), or 0 when {@link #hasTimestamp()} is false. */
    public long timestampNanos() {
        return timestampNanos;
    }

    /** Bytes of the frame present in the capture (incl_len / captured length), link-layer header included. */
    public int capturedLength() {
        return capturedLength;
    }

    /** Length of the frame on the wire (orig_len / original length), link-layer header included. */
    public long originalLength() {
        return originalLength;
    }

    /** Byte offset of the frame's first (link-layer) byte in {@link #buffer()}. */
    public int frameOffset() {
        return frameOffset;
    }

    /** The link type of the frame ({@link LinkTypes}); per interface in pcapng. */
    public int linkType() {
        return linkType;
    }

    /** The pcapng interface id within its section; 0 for classic pcap. */
    public int interfaceId() {
        return interfaceId;
    }

    /** 4 or 6. */
    public int ipVersion() {
        return ipVersion;
    }

    /** Byte offset of the IP header in {@link #buffer()}. */
    public int ipOffset() {
        return ipOffset;
    }

    /** Length of the IP packet in {@link #buffer()}, at most {@link #capturedLength()} minus the link-layer header. */
    public int ipLength() {
        return ipLength;
    }

    /** The read-only, big-endian view of the whole capture that the offsets index; shared, not copied. */
    public ByteBuffer buffer() {
        return buffer;
    }

    /** A new read-only, big-endian slice holding just the IP packet (allocates a small buffer object, copies no bytes). */
    public ByteBuffer ip() {
        return buffer.slice(ipOffset, ipLength).asReadOnlyBuffer();
    }

    /** A new record with the same values, pointing into the same capture bytes. */
    public PacketRecord copy() {
        PacketRecord c = new PacketRecord();
        c.buffer = buffer;
        c.packetNumber = packetNumber;
        c.fileOffset = fileOffset;
        c.hasTimestamp = hasTimestamp;
        c.timestampNanos = timestampNanos;
        c.frameOffset = frameOffset;
        c.capturedLength = capturedLength;
        c.originalLength = originalLength;
        c.linkType = linkType;
        c.interfaceId = interfaceId;
        c.ipVersion = ipVersion;
        c.ipOffset = ipOffset;
        c.ipLength = ipLength;
        return c;
    }

    @Override
    public String toString() {
        return "PacketRecord{#" + packetNumber + " @" + fileOffset + ", ts=" + (hasTimestamp ? timestampNanos + "ns" : "none")
                + ", captured=" + capturedLength + ", original=" + originalLength + ", linkType=" + linkType
                + ", if=" + interfaceId + ", IPv" + ipVersion + " [" + ipOffset + ", +" + ipLength + ")}";
    }

    void setFrame(ByteBuffer view, long number, long offset, boolean timestamped, long nanos, int frameStart,
                  int captured, long original, int link, int iface) {
        this.buffer = view;
        this.packetNumber = number;
        this.fileOffset = offset;
        this.hasTimestamp = timestamped;
        this.timestampNanos = timestamped ? nanos : 0;
        this.frameOffset = frameStart;
        this.capturedLength = captured;
        this.originalLength = original;
        this.linkType = link;
        this.interfaceId = iface;
        this.ipVersion = 0;
        this.ipOffset = frameStart;
        this.ipLength = 0;
    }

    void setIp(int version, int offset, int length) {
        this.ipVersion = version;
        this.ipOffset = offset;
        this.ipLength = length;
    }
}
