package dev.hoststack.session.table;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hoststack.api.SessionHandle;
import java.util.SplittableRandom;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.AtomicIntegerArray;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Several writers at once on one {@link SessionHashTable} (data threads sharing a FIB's table):
 * {@link WriterLock} lets one in at a time, so every key is inserted by exactly one writer, every
 * removal takes out exactly what one insert put in, and the size and the passing marks agree with
 * the keys left. Seeded (the seed is in every failure message) and bounded in time.
 */
class TableWritersTest {

    private static final int WRITERS = 4;
    private static final int KEYS = 512;
    private static final long RUN_NANOS = TimeUnit.MILLISECONDS.toNanos(700);

    @Test
    void theLockLetsOneHolderInAtATime() throws InterruptedException {
        final WriterLock lock = new WriterLock();
        final int threads = 4;
        final int rounds = 200_000;
        final long[] plain = new long[1];
        final CountDownLatch start = new CountDownLatch(1);
        final Thread[] ts = new Thread[threads];
        for (int t = 0; t < threads; t++) {
            ts[t] = new Thread(() -> {
                try {
                    start.await();
                } catch (InterruptedException e) {
                    return;
                }
                for (int i = 0; i < rounds; i++) {
                    lock.lock();
                    try {
                        plain[0]++; // a plain read-modify-write: lost updates unless the lock excludes
                    } finally {
                        lock.unlock();
                    }
                }
            });
            ts[t].start();
        }
        start.countDown();
        for (Thread t : ts) {
            t.join(TimeUnit.SECONDS.toMillis(30));
            assertThat(t.isAlive()).as("a locking thread still running after 30 s").isFalse();
        }
        assertThat(plain[0]).as("increments made under the lock by %d threads of %d rounds", threads, rounds)
                .isEqualTo((long) threads * rounds);
        assertThat(lock.isHeld()).as("the lock after every holder gave it back").isFalse();
    }

    @ParameterizedTest
    @ValueSource(ints = {SessionKeys.IP4_WORDS, SessionKeys.IP6_WORDS})
    void concurrentWritersInsertEachKeyOnceAndKeepTheBookkeeping(int keyWords) throws InterruptedException {
        final long seed = new SplittableRandom().nextLong();
        // small and bounded, so that writers contend, keys pass their home buckets and the table rehashes
        final SessionHashTable table = new SessionHashTable(keyWords, 16, KEYS);
        // per (key, writer): inserts that writer made minus its removals; a writer removes only its own value
        final AtomicIntegerArray net = new AtomicIntegerArray(KEYS * WRITERS);
        final long[] inserts = new long[WRITERS];
        final long[] removes = new long[WRITERS];
        final AtomicReference<String> failure = new AtomicReference<>();
        final CountDownLatch start = new CountDownLatch(1);
        final Thread[] ts = new Thread[WRITERS];
        for (int w = 0; w < WRITERS; w++) {
            final int writer = w;
            ts[w] = new Thread(() -> {
                final SplittableRandom r = new SplittableRandom(seed + writer);
                final long[] key = new long[SessionKeys.IP6_WORDS];
                try {
                    start.await();
                } catch (InterruptedException e) {
                    return;
                }
                final long end = System.nanoTime() + RUN_NANOS;
                while (System.nanoTime() < end && failure.get() == null) {
                    final int k = r.nextInt(KEYS);
                    fill(key, keyWords, k);
                    final long value = SessionHandle.make(writer, k);
                    if (r.nextBoolean()) {
                        final int result = table.putIfAbsent(key, value);
                        if (result == SessionHashTable.INSERTED) {
                            net.incrementAndGet(k * WRITERS + writer);
                            inserts[writer]++;
                        } else if (result != SessionHashTable.EXISTS) {
                            failure.compareAndSet(null, "putIfAbsent of key " + k + " answered " + result
                                    + ", expected INSERTED or EXISTS (the bound is the key space)");
                        }
                    } else if (table.remove(key, value)) {
                        net.decrementAndGet(k * WRITERS + writer);
                        removes[writer]++;
                    }
                }
            });
            ts[w].start();
        }
        start.countDown();
        for (Thread t : ts) {
            t.join(TimeUnit.SECONDS.toMillis(30));
            assertThat(t.isAlive()).as("seed %d: a writer still running after 30 s", seed).isFalse();
        }
        assertThat(failure.get()).as("seed %d: first inconsistency seen by a writer", seed).isNull();
        long live = 0;
        final long[] key = new long[SessionKeys.IP6_WORDS];
        for (int k = 0; k < KEYS; k++) {
            fill(key, keyWords, k);
            long expected = SessionHandle.INVALID;
            for (int w = 0; w < WRITERS; w++) {
                final int n = net.get(k * WRITERS + w);
                assertThat(n).as("seed %d: key %d, writer %d's inserts minus removals (a key is in the table once at most)",
                        seed, k, w).isBetween(0, 1);
                if (n == 1) {
                    assertThat(expected).as("seed %d: key %d inserted by two writers at once", seed, k)
                            .isEqualTo(SessionHandle.INVALID);
                    expected = SessionHandle.make(w, k);
                }
            }
            assertThat(table.get(key)).as("seed %d: key %d after the writers stopped", seed, k).isEqualTo(expected);
            live += expected == SessionHandle.INVALID ? 0 : 1;
        }
        long in = 0;
        long out = 0;
        for (int w = 0; w < WRITERS; w++) {
            in += inserts[w];
            out += removes[w];
        }
        assertThat(in).as("seed %d: inserts made (the writers ran)", seed).isPositive();
        assertThat(table.size()).as("seed %d: size, expected inserts %d - removals %d", seed, in, out)
                .isEqualTo(in - out).isEqualTo(live);
        assertThat(table.checkPassingMarks()).as("seed %d: passing counts and filters", seed).isNull();
    }

    private static void fill(long[] key, int keyWords, int k) {
        if (keyWords == SessionKeys.IP4_WORDS) {
            SessionKeys.ip4(key, 6, 0x0A00_0001, 80, 0xC612_0000 | k, 1024 + k);
        } else {
            SessionKeys.ip6(key, 6, 0x2001_0DB8_0000_0000L, 1, 80, 0x2001_0DB8_FFFF_0000L, k, 1024 + k);
        }
    }
}
