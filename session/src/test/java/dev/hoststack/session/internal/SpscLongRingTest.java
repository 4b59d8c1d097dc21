package dev.hoststack.session.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * {@link SpscLongRing}: FIFO order, the bound and wrap-around, argument checks, and a seeded
 * producer/consumer test ({@code -Dhoststack.test.seed=N}).
 */
class SpscLongRingTest {

    static List<long[]> drainAll(SpscLongRing ring) {
        List<long[]> out = new ArrayList<>();
        ring.drain((a, b, c) -> out.add(new long[] {a, b, c}), Integer.MAX_VALUE);
        return out;
    }

    @Test
    void aDrainHandsItsContextToEveryRecordInOrderUpToItsMax() {
        SpscLongRing ring = new SpscLongRing(8);
        for (long i = 1; i <= 5; i++) {
            assertThat(ring.offer(i, i * 10, i * 100)).as("offer %d", i).isTrue();
        }
        List<String> seen = new ArrayList<>();
        SpscLongRing.ContextHandler<List<String>> h = (ctx, a, b, c) -> ctx.add(a + "/" + b + "/" + c);
        assertThat(ring.drain(h, seen, 3)).as("taken, at most max").isEqualTo(3);
        assertThat(seen).containsExactly("1/10/100", "2/20/200", "3/30/300");
        List<String> other = new ArrayList<>();
        assertThat(ring.drain(h, other, Integer.MAX_VALUE)).as("the rest").isEqualTo(2);
        assertThat(other).as("the second drain's own context").containsExactly("4/40/400", "5/50/500");
        assertThat(ring.size()).isZero();
    }

    @Test
    void capacityMustBeAPowerOfTwo() {
        for (int bad : new int[] {0, -1, 3, 12, Integer.MIN_VALUE}) {
            assertThatThrownBy(() -> new SpscLongRing(bad)).as("capacity %d", bad)
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("power of two");
        }
        assertThat(new SpscLongRing(1).capacity()).isEqualTo(1);
        assertThat(new SpscLongRing(1024).capacity()).isEqualTo(1024);
    }

    @Test
    void recordsComeOutInOrderTheBoundHoldsAndTheRingWraps() {
        SpscLongRing ring = new SpscLongRing(4);
        long next = 0;
        long expected = 0;
        for (int round = 0; round < 10; round++) {
            int added = 0;
            while (ring.offer(next, next * 10, -next)) {
                next++;
                added++;
            }
            assertThat(added).as("round %d: a ring of 4 takes 4 records after a full drain (or 4 at first)", round)
                    .isEqualTo(4);
            assertThat(ring.size()).isEqualTo(4);
            assertThat(ring.offer(99, 99, 99)).as("full").isFalse();
            // take some, then add as many again
            List<long[]> some = new ArrayList<>();
            assertThat(ring.drain((a, b, c) -> some.add(new long[] {a, b, c}), 3)).isEqualTo(3);
            for (long[] r : some) {
                assertThat(r).as("record %d", expected).containsExactly(expected, expected * 10, -expected);
                expected++;
            }
            assertThat(ring.size()).isEqualTo(1);
            for (long[] r : drainAll(ring)) {
                assertThat(r).as("record %d", expected).containsExactly(expected, expected * 10, -expected);
                expected++;
            }
            assertThat(ring.size()).isZero();
        }
        assertThat(drainAll(ring)).as("drain of an empty ring").isEmpty();
    }

    @Test
    void aHandlerMayOfferAgainDuringTheDrain() {
        SpscLongRing ring = new SpscLongRing(1);
        assertThat(ring.offer(1, 0, 0)).isTrue();
        List<Long> seen = new ArrayList<>();
        // the slot is released before the handler runs, so a one-slot ring takes the next record
        int n = ring.drain((a, b, c) -> {
            seen.add(a);
            if (a < 3) {
                assertThat(ring.offer(a + 1, 0, 0)).as("offer from the handler of record %d", a).isTrue();
            }
        }, Integer.MAX_VALUE);
        assertThat(n).as("the drain takes only what was there when it started").isEqualTo(1);
        assertThat(seen).containsExactly(1L);
        assertThat(ring.size()).isEqualTo(1);
    }

    @Test
    void oneProducerAndOneConsumerSeeEveryRecordOnceInOrder() throws Exception {
        long seed = MpscLongRingTest.seed();
        SplittableRandom rnd = new SplittableRandom(seed);
        int capacity = 1 << (1 + rnd.nextInt(6));
        int total = 200_000;
        SpscLongRing ring = new SpscLongRing(capacity);
        AtomicReference<Throwable> failure = new AtomicReference<>();
        assertTimeoutPreemptively(Duration.ofSeconds(60), () -> {
            Thread producer = new Thread(() -> {
                try {
                    for (long i = 0; i < total; ) {
                        if (ring.offer(i, ~i, i * 31)) {
                            i++;
                        } else {
                            Thread.onSpinWait();
                        }
                    }
                } catch (Throwable t) {
                    failure.set(t);
                }
            }, "spsc-producer");
            producer.start();
            long[] next = {0};
            while (next[0] < total && failure.get() == null) {
                ring.drain((a, b, c) -> {
                    if (a != next[0] || b != ~a || c != a * 31) {
                        throw new AssertionError("seed " + seed + ": record " + next[0] + " came as (" + a + ", " + b
                                + ", " + c + ")");
                    }
                    next[0]++;
                }, 1 + (int) (next[0] % 7));
            }
            producer.join();
            assertThat(failure.get()).as("seed %d: producer failure", seed).isNull();
            assertThat(next[0]).as("seed %d: records taken", seed).isEqualTo(total);
        }, "seed " + seed);
        assertThat(ring.size()).isZero();
    }
}
