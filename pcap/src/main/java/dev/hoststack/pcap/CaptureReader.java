package dev.hoststack.pcap;

import static java.util.Objects.requireNonNull;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Reads the IP packets of a classic pcap or pcapng capture, one at a time into a reusable
 * {@link PacketRecord}, or all at once.
 *
 * <pre>{@code
 * CaptureReader reader = CaptureReader.open(path);
 * PacketRecord rec = new PacketRecord();
 * while (reader.next(rec)) {
 *     ByteBuffer bytes = rec.buffer();          // the whole capture, read-only
 *     int ipHeaderFirstByte = bytes.get(rec.ipOffset());
 * }
 * // or: List<PacketRecord> packets = CaptureReader.readAll(path);
 * }</pre>
 *
 * <p>Link types: Ethernet (1, with 802.1Q/802.1ad tags), Linux cooked SLL (113) and SLL2 (276),
 * raw IP (101, 12, 14; 228 IPv4 and 229 IPv6), BSD loopback NULL (0) and LOOP (108); see
 * {@link LinkTypes}. Packet records whose frames hold something else than IPv4/IPv6 are skipped
 * and counted by {@link SkipReason}: {@link #packetsRead()} always equals {@link #ipPackets()}
 * plus {@link #skippedTotal()}.
 *
 * <p>Errors: a truncated or corrupt capture, an unknown format or version, or packets of an
 * unsupported link type end reading with a {@link CaptureException} (unchecked) that names the
 * byte offset, what was expected and the packet records read before it; the factories throw it for
 * a bad file header, {@link #next} for anything later. No other exception escapes for any input
 * bytes, and every step advances through the capture, so no input makes it loop for ever.
 *
 * <p>Memory: the capture is held in memory and never copied after loading; {@link #next}
 * allocates nothing. {@link #open(Path)} reads the file fully rather than mapping it, because a
 * mapped file that another process truncates while it is read fails with an
 * {@link InternalError} (SIGBUS) instead of an exception this reader could report; captures used
 * here are small to medium, and files of 2 GiB or more are refused.
 *
 * <p>Why not pcap4j or pkts.io: this module must stay free of dependencies and of the native
 * libpcap (pcap4j loads it through JNA), iterate without allocating per packet, and report a
 * broken capture with its exact byte offset; see the package documentation.
 *
 * <p>Threading: single-threaded. A reader holds its position and counters without
 * synchronization; use it from one thread at a time (handing it between threads needs a
 * happens-before edge, as any unsynchronized object does).
 */
public final class CaptureReader {

    private final CaptureFormat format;
    private final FrameParser parser;
    private final ByteBuffer buf;
    private final long[] skipped = new long[SkipReason.values().length];
    private long ipPackets;
    private CaptureException failure;

    private CaptureReader(ByteBuffer capture) {
        // a private view whose order the parsers set, and a read-only big-endian one for records
        this.buf = capture.slice();
        ByteBuffer view = buf.asReadOnlyBuffer().order(ByteOrder.BIG_ENDIAN);
        this.format = CaptureFormat.detect(buf);
        this.parser = format == CaptureFormat.PCAP ? new PcapFrameParser(buf, view) : new PcapngFrameParser(buf, view);
    }

    /**
     * A reader over a capture file, read fully into memory.
     *
     * @throws IOException      if the file cannot be read, or is 2 GiB or larger
     * @throws CaptureException if its header is not a readable pcap or pcapng header
     */
    public static CaptureReader open(Path file) throws IOException {
        requireNonNull(file, "file");
        long size = Files.size(file);
        if (size > Integer.MAX_VALUE - 8) {
            throw new IOException(file + " is " + size + " bytes; captures of 2 GiB or more are not supported"
                    + " (split it with 'editcap -c')");
        }
        return new CaptureReader(ByteBuffer.wrap(Files.readAllBytes(file)));
    }

    /**
     * A reader over a capture held in a byte array, which is not copied: do not change it while
     * reading.
     *
     * @throws CaptureException if its header is not a readable pcap or pcapng header
     */
    public static CaptureReader of(byte[] capture) {
        return new CaptureReader(ByteBuffer.wrap(requireNonNull(capture, "capture")));
    }

    /**
     * A reader over the capture between the buffer's position and limit (offsets count from the
     * position); the bytes are not copied, and the buffer's position, limit and order are not
     * changed.
     *
     * @throws CaptureException if its header is not a readable pcap or pcapng header
     */
    public static CaptureReader of(ByteBuffer capture) {
        return new CaptureReader(requireNonNull(capture, "capture"));
    }

    /**
     * All IP packets of a capture file, each its own record pointing into the file's bytes.
     *
     * @throws IOException      if the file cannot be read
     * @throws CaptureException if the capture is truncated, corrupt or unsupported
     */
    public static List<PacketRecord> readAll(Path file) throws IOException {
        return open(file).readRemaining();
    }

    /**
     * All IP packets of a capture held in a byte array (not copied).
     *
     * @throws CaptureException if the capture is truncated, corrupt or unsupported
     */
    public static List<PacketRecord> readAll(byte[] capture) {
        return of(capture).readRemaining();
    }

    /** The format of the capture. */
    public CaptureFormat format() {
        return format;
    }

    /**
     * Fills {@code into} with the next IP packet, skipping (and counting) non-IP packet records.
     * Allocates nothing.
     *
     * @return true if {@code into} now holds a packet, false at the end of the capture
     * @throws CaptureException if the capture is truncated or corrupt before its end, or the next
     *                          packet has an unsupported link type; the same one on every later call
     */
    public boolean next(PacketRecord into) {
        requireNonNull(into, "into");
        if (failure != null) {
            throw failure;
        }
        try {
            while (parser.nextFrame(into)) {
                int result = LinkDecoder.decode(buf, into.linkType(), into.frameOffset(), into.capturedLength(), into);
                if (result == LinkDecoder.IP) {
                    ipPackets++;
                    return true;
                }
                skipped[result]++;
            }
            return false;
        } catch (CaptureException e) {
            failure = e;
            throw e;
        }
    }

    /**
     * Calls {@code action} with each remaining IP packet, reusing one record (copy it to keep it).
     *
     * @throws CaptureException as {@link #next(PacketRecord)}
     */
    public void forEachRemaining(Consumer<? super PacketRecord> action) {
        requireNonNull(action, "action");
        PacketRecord rec = new PacketRecord();
        while (next(rec)) {
            action.accept(rec);
        }
    }

    /**
     * The remaining IP packets, each its own record.
     *
     * @throws CaptureException as {@link #next(PacketRecord)}; the packets read before it are lost
     *                          to the caller, so iterate with {@link #next} to keep them
     */
    public List<PacketRecord> readRemaining() {
        List<PacketRecord> out = new ArrayList<>();
        forEachRemaining(rec -> out.add(rec.copy()));
        return out;
    }

    /** Packet records read so far, IP or skipped. */
    public long packetsRead() {
        return parser.packetsRead;
    }

    /** IP packets returned so far. */
    public long ipPackets() {
        return ipPackets;
    }

    /** Packet records skipped so far for this reason. */
    public long skipped(SkipReason reason) {
        return skipped[reason.ordinal()];
    }

    /** Packet records skipped so far, for any reason. */
    public long skippedTotal() {
        long total = 0;
        for (long n : skipped) {
            total += n;
        }
        return total;
    }

    /** The non-zero skip counters, by reason (a new map). */
    public Map<SkipReason, Long> skippedByReason() {
        Map<SkipReason, Long> out = new EnumMap<>(SkipReason.class);
        for (SkipReason r : SkipReason.values()) {
            if (skipped[r.ordinal()] != 0) {
                out.put(r, skipped[r.ordinal()]);
            }
        }
        return out;
    }

    /**
     * pcapng blocks passed over because they hold no packets (Interface Statistics, Name
     * Resolution, unknown types...); always 0 for classic pcap.
     */
    public long blocksSkipped() {
        return parser.blocksSkipped;
    }

    @Override
    public String toString() {
        return "CaptureReader{" + format + ", packetsRead=" + packetsRead() + ", ipPackets=" + ipPackets
                + ", skipped=" + skippedByReason() + ", blocksSkipped=" + blocksSkipped() + "}";
    }
}
