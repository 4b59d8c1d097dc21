package dev.hoststack.session.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@link MpscLongRing}: FIFO order, the bound, record widths, argument checks, and a seeded
 * test with four producers and one consumer ({@code -Dhoststack.test.seed=N}).
 */
class MpscLongRingTest {

    static long seed() {
        String p = System.getProperty("hoststack.test.seed");
        return p == null || p.isBlank() ? new SplittableRandom().nextLong() : Long.parseLong(p.trim());
    }

    /** Drains everything into a list of {a, b, c} triples. */
    static List<long[]> drainAll(MpscLongRing ring) {
        List<long[]> out = new ArrayList<>();
        ring.drain((a, b, c) -> out.add(new long[] {a, b, c}), Integer.MAX_VALUE);
        return out;
    }

    @Test
    void capacityMustBeAPowerOfTwo() {
        for (int bad : new int[] {0, -1, -8, 3, 6, 12, 1000, Integer.MIN_VALUE}) {
            assertThatThrownBy(() -> new MpscLongRing(bad, 1)).as("capacity %d", bad)
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("power of two");
        }
        for (int good : new int[] {1, 2, 4, 1024, 1 << 16}) {
            assertThat(new MpscLongRing(good, 1).capacity()).as("capacity %d", good).isEqualTo(good);
        }
    }

    @Test
    void widthMustBeOneToThree() {
        for (int bad : new int[] {0, 4, -1}) {
            assertThatThrownBy(() -> new MpscLongRing(4, bad)).as("width %d", bad)
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("width");
        }
        for (int w = 1; w <= 3; w++) {
            assertThat(new MpscLongRing(4, w).capacity()).isEqualTo(4);
        }
    }

    @ParameterizedTest(name = "width {0}")
    @ValueSource(ints = {1, 2, 3})
    void recordsComeOutInOrderWithTheirFieldsAndUnusedFieldsZero(int width) {
        MpscLongRing ring = new MpscLongRing(8, width);
        assertThat(ring.isEmpty()).isTrue();
        for (long i = 0; i < 5; i++) {
            assertThat(ring.offer(i, 100 + i, -i - 1)).as("offer #%d into an 8-slot ring", i).isTrue();
        }
        assertThat(ring.size()).isEqualTo(5);
        assertThat(ring.isEmpty()).isFalse();
        List<long[]> got = drainAll(ring);
        assertThat(got).hasSize(5);
        for (int i = 0; i < 5; i++) {
            long[] expected = {i, width > 1 ? 100 + i : 0, width > 2 ? -i - 1 : 0};
            assertThat(got.get(i)).as("record #%d of width %d (fields past the width read as 0)", i, width)
                    .containsExactly(expected);
        }
        assertThat(ring.isEmpty()).isTrue();
        assertThat(ring.size()).isZero();
        assertThat(drainAll(ring)).as("drain of an empty ring").isEmpty();
    }

    @Test
    void fullRingRefusesAndAcceptsAgainAfterADrain() {
        MpscLongRing ring = new MpscLongRing(4, 2);
        for (long i = 0; i < 4; i++) {
            assertThat(ring.offer(i, i * 10, 0)).as("offer #%d of 4", i).isTrue();
        }
        assertThat(ring.size()).isEqualTo(4);
        assertThat(ring.offer(99, 99, 0)).as("offer into a full ring").isFalse();
        assertThat(ring.offer(98, 98, 0)).as("second offer into a full ring").isFalse();
        assertThat(ring.size()).as("size of a full ring after refused offers").isEqualTo(4);

        List<Long> firstTwo = new ArrayList<>();
        assertThat(ring.drain((a, b, c) -> firstTwo.add(a), 2)).as("drain with max 2").isEqualTo(2);
        assertThat(firstTwo).containsExactly(0L, 1L);
        assertThat(ring.offer(4, 40, 0)).isTrue();
        assertThat(ring.offer(5, 50, 0)).isTrue();
        assertThat(ring.offer(6, 60, 0)).as("full again").isFalse();
        assertThat(drainAll(ring)).extracting(r -> r[0]).as("the refused records are not in the ring")
                .containsExactly(2L, 3L, 4L, 5L);
        assertThat(ring.drain((a, b, c) -> { }, 0)).as("drain with max 0").isZero();
    }

    @Test
    void fifoAcrossManyWrapArounds() {
        MpscLongRing ring = new MpscLongRing(16, 3);
        SplittableRandom r = new SplittableRandom(7);
        long next = 0;
        long expect = 0;
        long[] expected = new long[1];
        for (int round = 0; round < 20_000; round++) {
            int n = r.nextInt(17);
            for (int i = 0; i < n; i++) {
                boolean ok = ring.offer(next, ~next, next * 31);
                if (ring.size() == 16 && !ok) {
                    break;
                }
                assertThat(ok).as("offer #%d with %d queued", next, ring.size()).isTrue();
                next++;
            }
            expected[0] = expect;
            int max = r.nextInt(17);
            int taken = ring.drain((a, b, c) -> {
                if (a != expected[0] || b != ~expected[0] || c != expected[0] * 31) {
                    throw new AssertionError("record " + a + "/" + b + "/" + c + ", expected #" + expected[0]);
                }
                expected[0]++;
            }, max);
            assertThat(taken).isLessThanOrEqualTo(max);
            expect = expected[0];
            assertThat(ring.size()).as("size after round %d", round).isEqualTo((int) (next - expect));
        }
        assertThat(next).as("records that went through a 16-slot ring").isGreaterThan(100_000);
    }

    @Test
    void drainHandlerMayOfferIntoTheSameRing() {
        MpscLongRing ring = new MpscLongRing(4, 1);
        ring.offer(1, 0, 0);
        ring.offer(2, 0, 0);
        List<Long> seen = new ArrayList<>();
        MpscLongRing.RecordHandler handler = (a, b, c) -> {
            seen.add(a);
            if (a < 6) {
                assertThat(ring.offer(a + 2, 0, 0)).as("offer of %d from inside drain", a + 2).isTrue();
            }
        };
        for (int calls = 0; !ring.isEmpty(); calls++) {
            assertThat(calls).as("drain calls needed").isLessThan(10);
            ring.drain(handler, 100);
        }
        assertThat(seen).as("records offered from the handler come out once each, in order")
                .containsExactly(1L, 2L, 3L, 4L, 5L, 6L, 7L);
    }

    @ParameterizedTest(name = "width {0}")
    @ValueSource(ints = {2, 3})
    void fourProducersOneConsumerEveryRecordOnceInProducerOrder(int width) {
        long seed = seed();
        String hint = "seed " + seed + " (rerun with -Dhoststack.test.seed=" + seed + ")";
        final int producers = 4;
        final int perProducer = 250_000;
        final MpscLongRing ring = new MpscLongRing(1 << 10, width);
        final AtomicReference<String> failure = new AtomicReference<>();
        final long[] next = new long[producers];
        final long[] received = new long[1];

        assertTimeoutPreemptively(Duration.ofSeconds(9), () -> {
            CountDownLatch start = new CountDownLatch(1);
            Thread[] threads = new Thread[producers];
            for (int p = 0; p < producers; p++) {
                final int id = p;
                final SplittableRandom r = new SplittableRandom(seed + p);
                threads[p] = new Thread(() -> {
                    try {
                        start.await();
                    } catch (InterruptedException e) {
                        return;
                    }
                    for (long s = 0; s < perProducer && failure.get() == null; ) {
                        // c is a checksum of a and b, so a record mixed from two offers shows
                        if (ring.offer(id, s, id * 0x9E37_79B9_7F4A_7C15L ^ s)) {
                            s++;
                            if (r.nextInt(1024) == 0) {
                                Thread.yield();
                            }
                        } else {
                            Thread.yield();
                        }
                    }
                }, "ring-producer-" + p);
                threads[p].setDaemon(true);
                threads[p].start();
            }
            SplittableRandom r = new SplittableRandom(~seed);
            MpscLongRing.RecordHandler check = (a, b, c) -> {
                if (a < 0 || a >= producers) {
                    failure.compareAndSet(null, "record with producer id " + a + " (b " + b + ", c " + c + ")");
                    return;
                }
                int id = (int) a;
                if (b != next[id]) {
                    failure.compareAndSet(null, "producer " + id + ": record #" + b + " received, expected #" + next[id]
                            + (b < next[id] ? " (duplicate or reordered)" : " (lost or reordered)"));
                    return;
                }
                if (width == 3 && c != (id * 0x9E37_79B9_7F4A_7C15L ^ b)) {
                    failure.compareAndSet(null, "producer " + id + " record #" + b + ": third field " + c + " is not its own");
                    return;
                }
                next[id]++;
                received[0]++;
            };
            start.countDown();
            long total = (long) producers * perProducer;
            while (received[0] < total && failure.get() == null) {
                if (ring.drain(check, 1 + r.nextInt(256)) == 0) {
                    Thread.onSpinWait();
                    if (r.nextInt(64) == 0) {
                        Thread.yield();
                    }
                }
            }
            for (Thread t : threads) {
                t.join(TimeUnit.SECONDS.toMillis(2));
            }
        }, hint);
        assertThat(failure.get()).as("first anomaly; %s", hint).isNull();
        assertThat(received[0]).as("records received; %s", hint).isEqualTo((long) producers * perProducer);
        for (int p = 0; p < producers; p++) {
            assertThat(next[p]).as("records from producer %d; %s", p, hint).isEqualTo(perProducer);
        }
        assertThat(ring.isEmpty()).as("ring empty at the end; %s", hint).isTrue();
        assertThat(ring.offer(1, 2, 3)).isTrue();
        assertThat(drainAll(ring)).hasSize(1);
    }
}
