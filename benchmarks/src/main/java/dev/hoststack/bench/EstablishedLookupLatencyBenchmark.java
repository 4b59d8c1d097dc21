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
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * Established-connection lookup, one at a time: the same tables, keys and hit probes as
 * {@link EstablishedLookupBenchmark}, but which key comes next depends on the value the previous
 * lookup returned, so the processor cannot start the next lookup's cache misses before the
 * previous one has finished. This is the figure to set beside one DRAM access (SPEC §6: 160–180
 * ns on this machine): a lookup that costs one dependent miss costs about that much here, one
 * that costs three (bucket, node, key object) about three times as much.
 */
@State(Scope.Benchmark)
public class EstablishedLookupLatencyBenchmark extends AbstractMemoryBenchmark {

    /** Address family. */
    @Param({"ip4", "ip6"})
    public String family;

    /** Sessions in the table. */
    @Param({"1048576"})
    public int size;

    Keys keys;
    long[] probes;
    int words;
    int cursor;
    final long[] scratch = new long[SessionKeys.IP6_WORDS];

    /** Makes the keys and the hit probe sequence. */
    @Setup
    public void setUp() {
        keys = Keys.generate(family, size, 42);
        words = keys.words();
        probes = keys.hitProbes(EstablishedLookupBenchmark.PROBES, 7);
    }

    /**
     * The next probe's offset, made to depend on the previous lookup's value: every value looked up
     * here is a handle {@code >= 0}, so {@code v >>> 63} is 0, but the processor cannot know that
     * before it has the value.
     */
    private int next(long previousValue) {
        int c = cursor + 1 + (int) (previousValue >>> 63) & EstablishedLookupBenchmark.PROBES - 1;
        cursor = c;
        return c * words;
    }

    /** The project's table. */
    @State(Scope.Benchmark)
    public static class Ours {
        SessionHashTable table;
        long last;

        /** Builds it. */
        @Setup
        public void setUp(EstablishedLookupLatencyBenchmark b) {
            table = EstablishedLookupBenchmark.Ours.build(b.keys);
        }
    }

    /** {@code HashMap<record, Long>}. */
    @State(Scope.Benchmark)
    public static class JdkHashMap {
        Map<Object, Long> map;
        long last;

        /** Builds it. */
        @Setup
        public void setUp(EstablishedLookupLatencyBenchmark b) {
            map = EstablishedLookupBenchmark.fill(new HashMap<>(), b.keys);
        }
    }

    /** {@code ConcurrentHashMap<record, Long>}. */
    @State(Scope.Benchmark)
    public static class JdkConcurrentHashMap {
        Map<Object, Long> map;
        long last;

        /** Builds it. */
        @Setup
        public void setUp(EstablishedLookupLatencyBenchmark b) {
            map = EstablishedLookupBenchmark.fill(new ConcurrentHashMap<>(), b.keys);
        }
    }

    /** The Eclipse Collections hash-and-verify map. */
    @State(Scope.Benchmark)
    public static class Eclipse {
        HashVerifyMap map;
        long last;

        /** Builds it. */
        @Setup
        public void setUp(EstablishedLookupLatencyBenchmark b) {
            map = new HashVerifyMap(b.words, b.size);
            long[] all = b.keys.all();
            for (int i = 0; i < b.size; i++) {
                map.put(all, i * b.words, Keys.valueOf(i));
            }
        }
    }

    /** The project's table, one dependent lookup at a time. */
    @Benchmark
    public long hoststack(Ours s) {
        final long[] p = probes;
        final int o = next(s.last);
        final long v;
        if (words == SessionKeys.IP4_WORDS) {
            v = s.table.get(p[o], p[o + 1]);
        } else {
            final long[] k = scratch;
            System.arraycopy(p, o, k, 0, SessionKeys.IP6_WORDS);
            v = s.table.get(k);
        }
        s.last = v;
        return v;
    }

    /** Baseline: {@code HashMap}. */
    @Benchmark
    public long hashMap(JdkHashMap s) {
        long v = boxedLookup(s.map, next(s.last));
        s.last = v;
        return v;
    }

    /** Baseline: {@code ConcurrentHashMap}. */
    @Benchmark
    public long concurrentHashMap(JdkConcurrentHashMap s) {
        long v = boxedLookup(s.map, next(s.last));
        s.last = v;
        return v;
    }

    /** Baseline: Eclipse Collections hash-and-verify. */
    @Benchmark
    public long eclipsePrimitive(Eclipse s) {
        long v = s.map.get(probes, next(s.last));
        s.last = v;
        return v;
    }

    private long boxedLookup(Map<Object, Long> map, int o) {
        final long[] p = probes;
        final Object key = words == SessionKeys.IP4_WORDS ? FiveTuple4.ofKey(p[o], p[o + 1]) : FiveTuple6.ofKey(p, o);
        final Long v = map.get(key);
        return v == null ? SessionHandle.INVALID : v;
    }
}
