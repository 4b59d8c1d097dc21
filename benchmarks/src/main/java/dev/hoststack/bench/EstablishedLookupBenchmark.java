package dev.hoststack.bench;

import dev.hoststack.api.SessionHandle;
import dev.hoststack.bench.support.FiveTuple4;
import dev.hoststack.bench.support.FiveTuple6;
import dev.hoststack.bench.support.HashVerifyMap;
import dev.hoststack.bench.support.Keys;
import dev.hoststack.session.table.SessionHashTable;
import dev.hoststack.session.table.SessionKeys;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * Established-connection lookup: one lookup of a 5-tuple per operation, in a table of
 * {@code size} sessions, for keys that are there ({@code probe=hit}) or not ({@code probe=miss}).
 *
 * <p>Every implementation holds the same keys and answers the same probe sequence: 2<sup>20</sup>
 * keys chosen at random at setup and laid out in probe order (reading the next key is a sequential
 * read, as reading the header of the packet in hand is). Consecutive lookups are independent, so
 * the processor overlaps the cache misses of neighbouring lookups: this is a throughput figure. See
 * {@link EstablishedLookupLatencyBenchmark} for one lookup at a time.
 *
 * <ul>
 *   <li>{@link #hoststack}: {@link SessionHashTable}, built as the session layer builds it
 *       (initial 1024 entries, grown by doubling, bound {@code max(4M, size)}).</li>
 *   <li>{@link #hoststackFrame}: the same table, {@link SessionHashTable#getAll} on a frame of
 *       {@value #FRAME} consecutive probes per call (VPP's frame idiom), reported per lookup; an
 *       additional row, the targets being {@link #hoststack}'s.</li>
 *   <li>{@link #hashMap}: {@code HashMap<FiveTuple4|FiveTuple6, Long>}, the key record built from
 *       the packet's fields for each lookup, as the developer's code would.</li>
 *   <li>{@link #concurrentHashMap}: the same with {@code ConcurrentHashMap} (what a developer needs
 *       once other threads add and remove sessions, as they do here).</li>
 *   <li>{@link #eclipsePrimitive}: {@link HashVerifyMap}, an Eclipse Collections
 *       {@code LongLongHashMap} from a 64-bit hash of the key to an entry of a primitive array,
 *       verified on a hit (the 5-tuple does not fit in a {@code long}).</li>
 * </ul>
 */
@State(Scope.Benchmark)
public class EstablishedLookupBenchmark extends AbstractMemoryBenchmark {

    /** Probes per sequence (a power of two). */
    static final int PROBES = 1 << 20;

    /** Address family: ip4 (2-word keys) or ip6 (6-word keys). */
    @Param({"ip4", "ip6"})
    public String family;

    /** Sessions in the table. */
    @Param({"1024", "65536", "1048576"})
    public int size;

    /** hit: keys in the table; miss: keys not in it. */
    @Param({"hit", "miss"})
    public String probe;

    Keys keys;
    long[] probes;
    int words;
    int cursor;
    final long[] scratch = new long[SessionKeys.IP6_WORDS];

    /** Makes the keys and the probe sequence. */
    @Setup
    public void setUp() {
        keys = Keys.generate(family, size, 42);
        words = keys.words();
        probes = switch (probe) {
            case "hit" -> keys.hitProbes(PROBES, 7);
            case "miss" -> keys.missProbes(PROBES, 7);
            default -> throw new IllegalArgumentException("probe must be hit or miss, not " + probe);
        };
    }

    /** The next probe's offset into {@link #probes}. */
    final int next() {
        int c = cursor;
        cursor = c + 1 & PROBES - 1;
        return c * words;
    }

    /** The project's table. */
    @State(Scope.Benchmark)
    public static class Ours {
        SessionHashTable table;

        /** Builds it from the keys. */
        @Setup
        public void setUp(EstablishedLookupBenchmark b) {
            table = build(b.keys);
        }

        static SessionHashTable build(Keys keys) {
            SessionHashTable t = new SessionHashTable(keys.words(), 1024, Math.max(1 << 22, keys.size()));
            long[] all = keys.all();
            long[] key = new long[keys.words()];
            for (int i = 0; i < keys.size(); i++) {
                System.arraycopy(all, i * keys.words(), key, 0, keys.words());
                if (t.putIfAbsent(key, Keys.valueOf(i)) != SessionHashTable.INSERTED) {
                    throw new IllegalStateException("key " + i + " not inserted");
                }
            }
            return t;
        }
    }

    /** {@code HashMap<record, Long>}. */
    @State(Scope.Benchmark)
    public static class JdkHashMap {
        Map<Object, Long> map;

        /** Builds it from the keys. */
        @Setup
        public void setUp(EstablishedLookupBenchmark b) {
            map = fill(new HashMap<>(), b.keys);
        }
    }

    /** {@code ConcurrentHashMap<record, Long>}. */
    @State(Scope.Benchmark)
    public static class JdkConcurrentHashMap {
        Map<Object, Long> map;

        /** Builds it from the keys. */
        @Setup
        public void setUp(EstablishedLookupBenchmark b) {
            map = fill(new ConcurrentHashMap<>(), b.keys);
        }
    }

    /** The Eclipse Collections hash-and-verify map. */
    @State(Scope.Benchmark)
    public static class Eclipse {
        HashVerifyMap map;

        /** Builds it from the keys. */
        @Setup
        public void setUp(EstablishedLookupBenchmark b) {
            map = new HashVerifyMap(b.words, b.size);
            long[] all = b.keys.all();
            for (int i = 0; i < b.size; i++) {
                map.put(all, i * b.words, Keys.valueOf(i));
            }
        }
    }

    /** Inserts every key as a record (insertion order, as connections arrive). */
    static Map<Object, Long> fill(Map<Object, Long> map, Keys keys) {
        long[] all = keys.all();
        int w = keys.words();
        for (int i = 0; i < keys.size(); i++) {
            Object k = keys.ip4() ? FiveTuple4.ofKey(all[i * w], all[i * w + 1]) : FiveTuple6.ofKey(all, i * w);
            if (map.put(k, Keys.valueOf(i)) != null) {
                throw new IllegalStateException("duplicate key " + k);
            }
        }
        return map;
    }

    /** The project's lock-free primitive table: {@code get(k0, k1)} or {@code get(long[])}. */
    @Benchmark
    public long hoststack(Ours s) {
        final long[] p = probes;
        final int o = next();
        if (words == SessionKeys.IP4_WORDS) {
            return s.table.get(p[o], p[o + 1]);
        }
        final long[] k = scratch;
        System.arraycopy(p, o, k, 0, SessionKeys.IP6_WORDS);
        return s.table.get(k);
    }

    /**
     * Keys per {@link #hoststackFrame} call: one chunk of {@link SessionHashTable#getAll}
     * ({@value SessionHashTable#FRAME_CHUNK} keys). Measured at 1M sessions, hits (JDK 17, frames
     * of 8, 16, 32, 64 and 256 in one run, 2026-12-05): IPv4 77, 66, 61, 66 and 71 ns per lookup
     * ({@link #hoststack} 74), IPv6 90, 98, 87, 94 and 101 ns ({@link #hoststack} 111). Eight keys
     * overlap too few lookups' misses to gain for IPv4; longer frames than a chunk gain nothing more,
     * since they are taken a chunk at a time. VPP's frames are up to 256 packets.
     */
    public static final int FRAME = 32;

    /** The frame's answers (the call's scratch too): owned by this benchmark's one thread. */
    final long[] frameValues = new long[FRAME];
    int frameCursor;

    /**
     * The project's table, a frame at a time: {@code getAll} of {@value #FRAME} consecutive probes
     * (the keys read in place from the probe array), figure per lookup. An additional row beside
     * {@link #hoststack}, not a replacement: the targets are judged on {@link #hoststack}.
     */
    @Benchmark
    @OperationsPerInvocation(FRAME)
    public long hoststackFrame(Ours s) {
        final int c = frameCursor;
        frameCursor = c + FRAME & PROBES - 1;
        final long[] v = frameValues;
        s.table.getAll(probes, c * words, v, 0, FRAME);
        return v[0] ^ v[FRAME - 1];
    }

    /** Baseline: {@code HashMap.get(new FiveTupleN(...))}. */
    @Benchmark
    public long hashMap(JdkHashMap s) {
        return boxedLookup(s.map);
    }

    /** Baseline: {@code ConcurrentHashMap.get(new FiveTupleN(...))}. */
    @Benchmark
    public long concurrentHashMap(JdkConcurrentHashMap s) {
        return boxedLookup(s.map);
    }

    /** Baseline: Eclipse Collections {@code LongLongHashMap} by 64-bit hash, verified. */
    @Benchmark
    public long eclipsePrimitive(Eclipse s) {
        return s.map.get(probes, next());
    }

    private long boxedLookup(Map<Object, Long> map) {
        final long[] p = probes;
        final int o = next();
        final Object key = words == SessionKeys.IP4_WORDS ? FiveTuple4.ofKey(p[o], p[o + 1]) : FiveTuple6.ofKey(p, o);
        final Long v = map.get(key);
        return v == null ? SessionHandle.INVALID : v;
    }
}
