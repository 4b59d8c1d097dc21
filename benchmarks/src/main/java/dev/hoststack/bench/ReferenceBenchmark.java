package dev.hoststack.bench;

import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * Reference costs measured in the same run as the benchmarks they explain, so that the report can
 * say what bounds a figure instead of quoting numbers from another day:
 * <ul>
 *   <li>{@link #pointerChase}: one dependent load in a random cyclic permutation of
 *       {@code chaseMiB} MiB of {@code int}s (Sattolo's algorithm: one cycle through every
 *       element), SPEC §6's pointer chase. At 256 MiB nearly every load misses every cache and
 *       most miss the TLB: one DRAM access.</li>
 *   <li>{@link #longAdderIncrement}: an uncontended {@code LongAdder.increment()} (a CAS on its
 *       base), what the group table's selection counter and each worker's counters pay;
 *       {@link #atomicGetAndIncrement}: the baselines' {@code AtomicLong} counter.</li>
 * </ul>
 */
public class ReferenceBenchmark extends AbstractMemoryBenchmark {

    /** The pointer chase's array and position. */
    @State(Scope.Benchmark)
    public static class Chase {
        /** Working set in MiB. */
        @Param({"256"})
        public int chaseMiB;

        int[] next;
        int at;

        /** Builds one random cycle through the array. */
        @Setup
        public void setUp() {
            int n = chaseMiB * (1 << 20) / Integer.BYTES;
            next = new int[n];
            for (int i = 0; i < n; i++) {
                next[i] = i;
            }
            SplittableRandom rnd = new SplittableRandom(5);
            for (int i = n - 1; i > 0; i--) {
                int j = rnd.nextInt(i);
                int t = next[i];
                next[i] = next[j];
                next[j] = t;
            }
        }
    }

    /** Counters. */
    @State(Scope.Benchmark)
    public static class Counters {
        final LongAdder adder = new LongAdder();
        final AtomicLong atomic = new AtomicLong();
    }

    /** One dependent load. */
    @Benchmark
    public int pointerChase(Chase c) {
        int a = c.next[c.at];
        c.at = a;
        return a;
    }

    /** An uncontended {@code LongAdder.increment()}. */
    @Benchmark
    public void longAdderIncrement(Counters c) {
        c.adder.increment();
    }

    /** An uncontended {@code AtomicLong.getAndIncrement()}. */
    @Benchmark
    public long atomicGetAndIncrement(Counters c) {
        return c.atomic.getAndIncrement();
    }
}
