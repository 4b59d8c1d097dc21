package dev.hoststack.session;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * {@link WorkerLoad}: each thread's pending and established counts kept in one word move
 * independently, in both directions, including a thread whose own count goes below zero (another
 * thread's increment makes up for it) and counts far beyond 16 bits; sums clamp at 0.
 */
class WorkerLoadTest {

    @Test
    void pendingAndEstablishedMoveIndependentlyPerThread() {
        WorkerLoad l = new WorkerLoad(3);
        l.add(0, 1, 0);
        l.add(0, -1, 1); // a session of thread 0 becomes established: one store moves it
        assertThat(new int[] {l.pending(), l.established()}).as("after READY").containsExactly(0, 1);
        l.add(1, 5, 0);
        l.add(2, 0, 3);
        assertThat(new int[] {l.pending(), l.established()}).containsExactly(5, 4);
        l.add(0, 0, -1);
        assertThat(new int[] {l.pending(), l.established()}).as("after a free").containsExactly(5, 3);
    }

    @Test
    void aThreadsNegativeCountIsSummedWithTheOthers() {
        WorkerLoad l = new WorkerLoad(2);
        l.add(0, -3, -2); // e.g. a runtime counting its decrements on another thread than its increments
        assertThat(new int[] {l.pending(), l.established()}).as("a negative sum reads as 0").containsExactly(0, 0);
        l.add(1, 5, 7);
        assertThat(new int[] {l.pending(), l.established()}).as("-3 + 5, -2 + 7").containsExactly(2, 5);
        l.add(1, 0, -7);
        l.add(0, 3, 0);
        assertThat(new int[] {l.pending(), l.established()}).as("pending 0 + 5, established -2 + 0")
                .containsExactly(5, 0);
    }

    @Test
    void randomChangesMatchSeparateCounters() {
        long seed = System.nanoTime();
        SplittableRandom rnd = new SplittableRandom(seed);
        int threads = 4;
        WorkerLoad l = new WorkerLoad(threads);
        long[] pending = new long[threads];
        long[] established = new long[threads];
        for (int step = 0; step < 50_000; step++) {
            int t = rnd.nextInt(threads);
            // large steps too, so that the low half carries into (and borrows from) the high half
            int p = rnd.nextBoolean() ? rnd.nextInt(-3, 4) : rnd.nextInt(-1_000_000, 1_000_001);
            int e = rnd.nextBoolean() ? rnd.nextInt(-3, 4) : rnd.nextInt(-1_000_000, 1_000_001);
            if (Math.abs(pending[t] + p) > 1_000_000_000 || Math.abs(established[t] + e) > 1_000_000_000) {
                continue;
            }
            l.add(t, p, e);
            pending[t] += p;
            established[t] += e;
            long ps = 0;
            long es = 0;
            for (int i = 0; i < threads; i++) {
                ps += pending[i];
                es += established[i];
            }
            assertThat(new long[] {l.pending(), l.established()})
                    .as("after step %d (thread %d, %d, %d); seed %d", step, t, p, e, seed)
                    .containsExactly(Math.max(0, Math.min(Integer.MAX_VALUE, ps)), Math.max(0, Math.min(Integer.MAX_VALUE, es)));
        }
    }
}
