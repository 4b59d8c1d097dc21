package dev.hoststack.pcap;

import static dev.hoststack.pcap.CaptureBytes.arp;
import static dev.hoststack.pcap.CaptureBytes.ethernet;
import static dev.hoststack.pcap.CaptureBytes.ethernetTagged;
import static dev.hoststack.pcap.CaptureBytes.nullHeader;
import static dev.hoststack.pcap.CaptureBytes.sll;
import static dev.hoststack.pcap.CaptureBytes.sll2;
import static dev.hoststack.pcap.LinkTypeTest.V4;
import static dev.hoststack.pcap.LinkTypeTest.V6;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Seeded random mutations of real and synthetic captures: reading each mutant either succeeds or
 * ends with a {@link CaptureException}; nothing else escapes, and every read ends.
 *
 * <p>The seed is printed, put in every failure message, and taken from the system property
 * {@code hoststack.test.seed} when set ({@code ./mvnw -pl pcap verify -Dhoststack.test.seed=N}).
 * A failing mutant is also written to {@code target/robustness-failures/}.
 */
class RobustnessTest {

    static final int MUTANTS = 24_000;
    static final Duration BUDGET = Duration.ofSeconds(30);

    /** One input to mutate and the offsets of its records/blocks, where mutations hurt most. */
    record Seed(String name, byte[] bytes, int[] structure) {
    }

    @Test
    void mutantsEitherReadOrFailWithACaptureException() {
        long seed = seed();
        System.out.println("RobustnessTest seed=" + seed + " (rerun with -Dhoststack.test.seed=" + seed + ")");
        List<Seed> corpus = corpus();
        assertTimeoutPreemptively(BUDGET, () -> run(seed, corpus),
                () -> "mutants took longer than " + BUDGET + " (a loop without progress?), seed " + seed);
    }

    private static void run(long seed, List<Seed> corpus) throws IOException {
        Random rnd = new Random(seed);
        int succeeded = 0;
        int failed = 0;
        for (int i = 0; i < MUTANTS; i++) {
            // half the mutants from the small synthetic files, where each byte is structure
            Seed s = rnd.nextBoolean() ? corpus.get(rnd.nextInt(6)) : corpus.get(6 + rnd.nextInt(corpus.size() - 6));
            StringBuilder how = new StringBuilder(s.name());
            byte[] mutant = s.bytes();
            int ops = 1 + rnd.nextInt(3);
            for (int k = 0; k < ops; k++) {
                mutant = mutate(rnd, mutant, s.structure(), corpus, how);
            }
            String context = "mutant " + i + " (" + how + ") of seed " + seed + "; rerun with -Dhoststack.test.seed=" + seed;
            try {
                if (readOrFail(rnd, mutant, context)) {
                    succeeded++;
                } else {
                    failed++;
                }
            } catch (Throwable t) {
                Path saved = save(seed, i, mutant);
                throw new AssertionError("reading " + context + " threw " + t + " instead of succeeding or throwing a"
                        + " CaptureException; the mutant is saved in " + saved, t);
            }
        }
        System.out.println("RobustnessTest: " + MUTANTS + " mutants, " + succeeded + " read to the end, " + failed
                + " ended with a CaptureException");
        assertThat(failed).as("some mutants must break the capture (seed %d)", seed).isGreaterThan(MUTANTS / 10);
        assertThat(succeeded).as("some mutants must still read (seed %d)", seed).isGreaterThan(MUTANTS / 20);
    }

    /** Reads a mutant to the end; true if it read cleanly, false if it ended in a CaptureException. */
    private static boolean readOrFail(Random rnd, byte[] mutant, String context) {
        CaptureReader reader;
        try {
            if (rnd.nextInt(4) == 0) {
                ByteBuffer direct = ByteBuffer.allocateDirect(mutant.length + 3);
                direct.position(3);
                direct.put(mutant).position(3);
                reader = CaptureReader.of(direct);
            } else {
                reader = CaptureReader.of(mutant);
            }
        } catch (CaptureException e) {
            checkException(e, mutant, 0, context);
            return false;
        }
        PacketRecord rec = new PacketRecord();
        long returned = 0;
        long lastNumber = 0;
        long maxRecords = mutant.length / 12 + 1;
        try {
            while (reader.next(rec)) {
                returned++;
                assertThat(returned).as("records out of %d bytes, %s", mutant.length, context).isLessThanOrEqualTo(maxRecords);
                assertThat(rec.packetNumber()).as("packet numbers increase, %s", context).isGreaterThan(lastNumber);
                lastNumber = rec.packetNumber();
                assertThat(rec.ipVersion()).as("IP version, %s", context).isIn(4, 6);
                assertThat(rec.ipLength()).as("IP length, %s", context).isGreaterThanOrEqualTo(rec.ipVersion() == 4 ? 20 : 40);
                assertThat(rec.ipOffset()).as("IP offset, %s", context).isGreaterThanOrEqualTo(rec.frameOffset());
                assertThat((long) rec.ipOffset() + rec.ipLength()).as("IP end within the frame, %s", context)
                        .isLessThanOrEqualTo((long) rec.frameOffset() + rec.capturedLength())
                        .isLessThanOrEqualTo(mutant.length);
                assertThat(rec.ip().remaining()).isEqualTo(rec.ipLength());
            }
        } catch (CaptureException e) {
            checkException(e, mutant, reader.packetsRead(), context);
            assertThat(reader.ipPackets()).isEqualTo(returned);
            return false;
        }
        assertThat(reader.ipPackets()).as("IP packets counted, %s", context).isEqualTo(returned);
        assertThat(reader.ipPackets() + reader.skippedTotal()).as("read = returned + skipped, %s", context)
                .isEqualTo(reader.packetsRead());
        return true;
    }

    private static void checkException(CaptureException e, byte[] mutant, long packetsRead, String context) {
        assertThat(e.offset()).as("offset of '%s', %s", e.getMessage(), context).isBetween(0L, (long) mutant.length);
        assertThat(e.packetsProcessed()).as("packets in '%s', %s", e.getMessage(), context).isEqualTo(packetsRead);
        assertThat(e.getMessage()).as("message, %s", context)
                .startsWith(e.error().description() + " at byte offset " + e.offset() + " (after " + packetsRead + " packet records): ")
                .contains("expected");
    }

    // ---- mutations ----

    private static final long[] EXTREMES = {0, 1, 2, 3, 4, 8, 12, 16, 20, 28, 32, 0x7FFF, 0xFFFF, 0x10000, 0x7FFFFFFFL,
        0x80000000L, 0xFFFFFFFFL, 0xFFFFFFFCL, 0xFFFFFFF0L, 0x10000000L, 0x0A0D0D0AL, 0x1A2B3C4DL, 0x4D3C2B1AL};

    private static byte[] mutate(Random rnd, byte[] in, int[] structure, List<Seed> corpus, StringBuilder how) {
        if (in.length == 0) {
            how.append(", grow");
            return Arrays.copyOf(corpus.get(rnd.nextInt(corpus.size())).bytes(), 1 + rnd.nextInt(64));
        }
        byte[] b = in.clone();
        int at = target(rnd, b.length, structure);
        switch (rnd.nextInt(9)) {
            case 0: {
                int flips = 1 + rnd.nextInt(8);
                how.append(", ").append(flips).append(" bit flips near ").append(at);
                for (int k = 0; k < flips; k++) {
                    int p = Math.min(b.length - 1, at + rnd.nextInt(32));
                    b[p] ^= (byte) (1 << rnd.nextInt(8));
                }
                return b;
            }
            case 1: {
                int n = 1 + rnd.nextInt(4);
                how.append(", overwrite ").append(n).append(" bytes at ").append(at);
                for (int k = 0; k < n && at + k < b.length; k++) {
                    b[at + k] = (byte) (rnd.nextBoolean() ? rnd.nextInt(256) : rnd.nextBoolean() ? 0 : 0xFF);
                }
                return b;
            }
            case 2: {
                int len = rnd.nextBoolean() ? rnd.nextInt(b.length + 1) : Math.max(0, b.length - 1 - rnd.nextInt(16));
                how.append(", truncate to ").append(len);
                return Arrays.copyOf(b, len);
            }
            case 3: {
                // a 32-bit length/count field: at a record or block start plus a field offset
                int p = (at & ~3) + 4 * rnd.nextInt(7);
                long v = rnd.nextInt(4) == 0 ? rnd.nextInt() & 0xFFFFFFFFL : EXTREMES[rnd.nextInt(EXTREMES.length)];
                if (p + 4 <= b.length) {
                    ByteOrder order = rnd.nextBoolean() ? ByteOrder.LITTLE_ENDIAN : ByteOrder.BIG_ENDIAN;
                    how.append(", u32 at ").append(p).append(" = ").append(v).append(' ').append(order);
                    ByteBuffer.wrap(b).order(order).putInt(p, (int) v);
                }
                return b;
            }
            case 4: {
                int p = (at & ~1) + 2 * rnd.nextInt(8);
                int v = rnd.nextBoolean() ? rnd.nextInt(65536) : new int[] {0, 1, 3, 9, 14, 0xFFFF, 0x8000}[rnd.nextInt(7)];
                if (p + 2 <= b.length) {
                    how.append(", u16 at ").append(p).append(" = ").append(v);
                    b[p] = (byte) (v >>> 8);
                    b[p + 1] = (byte) v;
                }
                return b;
            }
            case 5: {
                // splice: overwrite with a chunk of another input (often a header of another format)
                byte[] other = corpus.get(rnd.nextInt(corpus.size())).bytes();
                int from = rnd.nextBoolean() ? 0 : rnd.nextInt(other.length);
                int n = Math.min(1 + rnd.nextInt(128), Math.min(other.length - from, b.length - at));
                how.append(", splice ").append(n).append(" bytes at ").append(at);
                System.arraycopy(other, from, b, at, n);
                return b;
            }
            case 6: {
                int n = 1 + rnd.nextInt(64);
                how.append(", insert ").append(n).append(" bytes at ").append(at);
                byte[] chunk = new byte[n];
                rnd.nextBytes(chunk);
                return insert(b, at, chunk);
            }
            case 7: {
                int n = Math.min(1 + rnd.nextInt(64), b.length - at);
                how.append(", delete ").append(n).append(" bytes at ").append(at);
                byte[] out = new byte[b.length - n];
                System.arraycopy(b, 0, out, 0, at);
                System.arraycopy(b, at + n, out, at, b.length - at - n);
                return out;
            }
            default: {
                int n = Math.min(1 + rnd.nextInt(200), b.length - at);
                int to = rnd.nextInt(b.length + 1);
                how.append(", duplicate ").append(n).append(" bytes from ").append(at).append(" to ").append(to);
                return insert(b, to, Arrays.copyOfRange(b, at, at + n));
            }
        }
    }

    /** A position to mutate: near a record/block start half of the time, anywhere otherwise. */
    private static int target(Random rnd, int length, int[] structure) {
        if (structure.length > 0 && rnd.nextBoolean()) {
            int p = structure[rnd.nextInt(structure.length)] + rnd.nextInt(32);
            return Math.min(length - 1, p);
        }
        return rnd.nextInt(length);
    }

    private static byte[] insert(byte[] b, int at, byte[] chunk) {
        byte[] out = new byte[b.length + chunk.length];
        System.arraycopy(b, 0, out, 0, at);
        System.arraycopy(chunk, 0, out, at, chunk.length);
        System.arraycopy(b, at, out, at + chunk.length, b.length - at);
        return out;
    }

    // ---- corpus ----

    /** Six small synthetic captures first, then the real fixtures. */
    static List<Seed> corpus() {
        List<Seed> out = new ArrayList<>();
        CaptureBytes.Pcap le = new CaptureBytes.Pcap(ByteOrder.LITTLE_ENDIAN, false, LinkTypes.EN10MB, 128)
                .record(1, 2, ethernet(0x0800, V4))
                .record(3, 4, ethernetTagged(new int[][] {{0x88A8, 1}, {0x8100, 2}}, 0x86DD, Arrays.copyOf(V6, 100)))
                .record(5, 6, ethernet(0x0806, arp()));
        out.add(seed("synthetic pcap LE ethernet", le.bytes()));
        out.add(seed("synthetic pcap BE ns SLL2", new CaptureBytes.Pcap(ByteOrder.BIG_ENDIAN, true, LinkTypes.LINUX_SLL2)
                .record(1, 999_999_999, sll2(0x0800, V4)).record(2, 0, sll2(0x86DD, V6)).record(3, 0, sll2(0x0806, arp())).bytes()));
        out.add(seed("synthetic pcap LE NULL", new CaptureBytes.Pcap(ByteOrder.LITTLE_ENDIAN, true, LinkTypes.NULL)
                .record(1, 0, nullHeader(2, ByteOrder.LITTLE_ENDIAN, V4)).record(1, 0, nullHeader(30, ByteOrder.BIG_ENDIAN, V6))
                .record(1, 0, nullHeader(7, ByteOrder.LITTLE_ENDIAN, V4)).bytes()));
        CaptureBytes.Pcapng ng = new CaptureBytes.Pcapng(ByteOrder.LITTLE_ENDIAN)
                .idb(LinkTypes.EN10MB, 262144, 9, 0).idb(LinkTypes.LINUX_SLL, 128, 0x94, 100)
                .epb(0, 1, ethernet(0x0800, V4)).epb(1, 2, sll(0x86DD, V6)).block(5, new byte[24]).spb(ethernet(0x0806, arp()), 42);
        ng.section(ByteOrder.BIG_ENDIAN).idb(LinkTypes.RAW).pb(0, 3, V4).epb(0, 4, V6);
        out.add(seed("synthetic pcapng two sections", ng.bytes()));
        out.add(seed("synthetic pcapng BE LOOP", new CaptureBytes.Pcapng(ByteOrder.BIG_ENDIAN).idb(LinkTypes.LOOP, 0, 3, -5)
                .epb(0, 1, nullHeader(2, ByteOrder.BIG_ENDIAN, V4)).spb(nullHeader(24, ByteOrder.BIG_ENDIAN, V6), 200).bytes()));
        out.add(seed("synthetic pcap BE raw", new CaptureBytes.Pcap(ByteOrder.BIG_ENDIAN, false, LinkTypes.RAW, 0)
                .record(1, 0, V4).record(2, 0, V6).bytes()));
        for (String name : CaptureBytes.FIXTURES) {
            out.add(seed(name, CaptureBytes.fixtureBytes(name)));
        }
        return out;
    }

    private static Seed seed(String name, byte[] bytes) {
        return new Seed(name, bytes, structure(bytes));
    }

    /** Offsets of headers, records and blocks of a well-formed capture, walked here independently of the reader. */
    static int[] structure(byte[] bytes) {
        List<Integer> at = new ArrayList<>();
        ByteBuffer b = ByteBuffer.wrap(bytes);
        at.add(0);
        if (CaptureFormat.detect(bytes) == CaptureFormat.PCAP) {
            b.order(b.getInt(0) == 0xA1B2C3D4 || b.getInt(0) == 0xA1B23C4D ? ByteOrder.BIG_ENDIAN : ByteOrder.LITTLE_ENDIAN);
            for (int p = 24; p + 16 <= bytes.length; p += 16 + b.getInt(p + 8)) {
                at.add(p);
            }
        } else {
            for (int p = 0; p + 12 <= bytes.length; p += b.getInt(p + 4)) {
                if (b.getInt(p) == 0x0A0D0D0A) {
                    b.order(b.order(ByteOrder.BIG_ENDIAN).getInt(p + 8) == 0x1A2B3C4D ? ByteOrder.BIG_ENDIAN : ByteOrder.LITTLE_ENDIAN);
                }
                at.add(p);
            }
        }
        return at.stream().mapToInt(Integer::intValue).toArray();
    }

    private static long seed() {
        String s = System.getProperty("hoststack.test.seed", "").trim();
        return s.isEmpty() ? System.nanoTime() : Long.parseLong(s);
    }

    private static Path save(long seed, int i, byte[] mutant) throws IOException {
        Path dir = Paths.get("target", "robustness-failures");
        Files.createDirectories(dir);
        return Files.write(dir.resolve("mutant-" + seed + "-" + i + ".bin"), mutant).toAbsolutePath();
    }
}
