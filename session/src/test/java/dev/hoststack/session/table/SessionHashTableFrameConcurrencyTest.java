package dev.hoststack.session.table;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import dev.hoststack.api.SessionHandle;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Frame lookups ({@link SessionHashTable#getAll}) against one writer: every answer of a frame must
 * be one that {@code get} could give at some moment of the call, that is {@code INVALID} or the
 * key's own value for a key the writer puts and removes, and always its value for a key that is
 * never removed; across growth from capacity 1 (rehashes while frames are read), a tiny table
 * rewritten all the time (torn slots), and keys crowded past their home bucket with one shared tag.
 * Every value is a function of its key, so a reader can check what it sees.
 *
 * <p>Seeded ({@code -Dhoststack.test.seed=N}); each run is bounded by a deadline and by
 * {@link org.junit.jupiter.api.Assertions#assertTimeoutPreemptively}; sized for 2 cores.
 */
class SessionHashTableFrameConcurrencyTest {

    private static final long INVALID = SessionHandle.INVALID;
    private static final long RUN_NANOS = TimeUnit.MILLISECONDS.toNanos(1000);
    /** How long a loaded machine may extend a run to reach the writer operations the assertions need. */
    private static final long MAX_RUN_NANOS = TimeUnit.MILLISECONDS.toNanos(6000);
    private static final long MIN_WRITER_OPS = 50_000;
    private static final Duration HARD_LIMIT = Duration.ofSeconds(9);
    private static final int READERS = 2;
    /** Frames are 1 to this many keys: several chunks at most. */
    private static final int MAX_FRAME = 3 * SessionHashTable.FRAME_CHUNK + 5;

    /** What the writer does to the table between the readers' frames. */
    enum Scenario {
        /** 1,000 stable keys; 24,000 churn keys put and removed; a new table from capacity 1 every 30,000 operations. */
        GROWTH,
        /** 1 stable key; 12 hot keys swapped in and out of a table of at most 3 entries (one bucket). */
        TINY,
        /** 10 stable and 30 churn keys, all homed in two buckets and of one tag, in a table that cannot grow. */
        CROWDED
    }

    @ParameterizedTest(name = "{0}-word keys, {1}")
    @CsvSource({"2, GROWTH", "6, GROWTH", "2, TINY", "6, TINY", "2, CROWDED", "6, CROWDED"})
    void everyAnswerOfAFrameIsOneTheKeyHadDuringTheCall(int keyWords, Scenario scenario) {
        long seed = SessionHashTableConcurrencyTest.seed();
        String hint = "seed " + seed + " (rerun with -Dhoststack.test.seed=" + seed + ")";
        Outcome out = assertTimeoutPreemptively(HARD_LIMIT, () -> run(keyWords, scenario, seed, hint), hint);
        assertThat(out.failure.get()).as("first anomaly seen").isNull();
        assertThat(out.writerOps).as("writer operations; %s", hint).isGreaterThanOrEqualTo(MIN_WRITER_OPS);
        assertThat(out.frames.get()).as("frames looked up; %s", hint).isGreaterThan(1_000);
        assertThat(out.stableHits.get()).as("stable keys found; %s", hint).isGreaterThan(10_000);
        assertThat(out.churnHits.get()).as("churn keys found while present; %s", hint).isPositive();
        assertThat(out.churnMisses.get()).as("churn keys missed while absent; %s", hint).isPositive();
        if (scenario == Scenario.GROWTH) {
            assertThat(out.growths).as("rehashes to a larger array while readers ran; %s", hint).isGreaterThanOrEqualTo(3);
        }
    }

    /** What a run saw, for the assertions after it. */
    private static final class Outcome {
        final AtomicReference<String> failure = new AtomicReference<>();
        final AtomicLong frames = new AtomicLong();
        final AtomicLong stableHits = new AtomicLong();
        final AtomicLong churnHits = new AtomicLong();
        final AtomicLong churnMisses = new AtomicLong();
        long writerOps;
        long growths;

        void fail(String message) {
            failure.compareAndSet(null, message);
        }
    }

    private static Outcome run(int keyWords, Scenario scenario, long seed, String hint) throws InterruptedException {
        SplittableRandom setup = new SplittableRandom(seed);
        final int stableCount = switch (scenario) {
            case GROWTH -> 1_000;
            case TINY -> 1;
            case CROWDED -> 10;
        };
        final int churnCount = switch (scenario) {
            case GROWTH -> 24_000;
            case TINY -> 12;
            case CROWDED -> 30;
        };
        final int maxEntries = switch (scenario) {
            case GROWTH -> 1 << 16;
            case TINY -> 3;
            case CROWDED -> 160;
        };
        final long[][] all = keys(keyWords, scenario, stableCount + churnCount, maxEntries, setup);
        final long[] value = new long[all.length];
        for (int i = 0; i < all.length; i++) {
            value[i] = SessionHashTableConcurrencyTest.valueOf(all[i], keyWords);
        }
        // keys 0..stableCount-1 are stable, the rest churn
        final int initial = scenario == Scenario.GROWTH ? 1 : maxEntries;
        // crowded: half the churn keys go in first, so that the stable keys land past their home buckets
        final int prefill = scenario == Scenario.CROWDED ? churnCount / 2 : 0;
        final boolean[] present = new boolean[all.length]; // the writer's, after the start
        final AtomicReference<SessionHashTable> published = new AtomicReference<>(
                fresh(keyWords, initial, maxEntries, all, value, stableCount, prefill, present));

        Outcome out = new Outcome();
        AtomicBoolean stop = new AtomicBoolean();
        CountDownLatch readersStarted = new CountDownLatch(READERS);
        Thread[] readers = new Thread[READERS];
        for (int t = 0; t < READERS; t++) {
            final SplittableRandom r = new SplittableRandom(seed ^ (0x5DEE_CE66DL * (t + 1)));
            final int id = t;
            readers[t] = new Thread(() -> {
                readersStarted.countDown();
                // this reader's own frame arrays: the call's scratch is the caller's
                final long[] frameKeys = new long[MAX_FRAME * keyWords];
                final long[] answers = new long[MAX_FRAME];
                final int[] which = new int[MAX_FRAME];
                long frames = 0;
                long stableHits = 0;
                long hits = 0;
                long misses = 0;
                while (!stop.get()) {
                    SessionHashTable table = published.get();
                    int n = 1 + r.nextInt(MAX_FRAME);
                    for (int j = 0; j < n; j++) {
                        int i = r.nextInt(3) == 0 ? r.nextInt(stableCount) : stableCount + r.nextInt(churnCount);
                        which[j] = i;
                        System.arraycopy(all[i], 0, frameKeys, j * keyWords, keyWords);
                    }
                    table.getAll(frameKeys, 0, answers, 0, n);
                    frames++;
                    for (int j = 0; j < n; j++) {
                        int i = which[j];
                        long got = answers[j];
                        if (i < stableCount) {
                            if (got != value[i]) {
                                out.fail("reader " + id + ": stable key #" + i + " " + SessionHashTableConcurrencyTest.hex(all[i])
                                        + " at " + j + " of a frame of " + n + " read " + got + (got == INVALID ? " (not found)" : "")
                                        + ", expected its value " + value[i] + " (never removed; table slots " + table.slots()
                                        + "); " + hint);
                                return;
                            }
                            stableHits++;
                        } else if (got == INVALID) {
                            misses++;
                        } else if (got == value[i]) {
                            hits++;
                        } else {
                            out.fail("reader " + id + ": churn key #" + i + " " + SessionHashTableConcurrencyTest.hex(all[i])
                                    + " at " + j + " of a frame of " + n + " read " + got + ", expected INVALID or its own value "
                                    + value[i] + " (torn entry or another key's value); " + hint);
                            return;
                        }
                    }
                }
                out.frames.addAndGet(frames);
                out.stableHits.addAndGet(stableHits);
                out.churnHits.addAndGet(hits);
                out.churnMisses.addAndGet(misses);
            }, "frame-reader-" + t);
            readers[t].setDaemon(true);
        }

        Thread writer = new Thread(() -> {
            SplittableRandom r = new SplittableRandom(~seed);
            long ops = 0;
            long growths = 0;
            final long start = System.nanoTime();
            try {
                readersStarted.await();
                SessionHashTable table = published.get();
                int slots = table.slots();
                // at least RUN_NANOS; on a loaded machine on (up to MAX_RUN_NANOS) until enough operations
                while (out.failure.get() == null && (System.nanoTime() - start < RUN_NANOS
                        || ops < MIN_WRITER_OPS && System.nanoTime() - start < MAX_RUN_NANOS)) {
                    for (int n = 0; n < 1024; n++) {
                        int i = stableCount + r.nextInt(churnCount);
                        if (present[i]) {
                            long old = table.remove(all[i]);
                            if (old != value[i]) {
                                out.fail("writer: remove of churn key #" + i + " returned " + old + "; " + hint);
                                return;
                            }
                            present[i] = false;
                        } else {
                            int res = table.putIfAbsent(all[i], value[i]);
                            if (res == SessionHashTable.INSERTED) {
                                present[i] = true;
                            } else if (res != SessionHashTable.FULL || table.size() != maxEntries) {
                                out.fail("writer: put of absent churn key #" + i + " returned " + res + "; " + hint);
                                return;
                            }
                        }
                        ops++;
                        if (table.slots() != slots) {
                            growths++;
                            slots = table.slots();
                        }
                        if (scenario == Scenario.GROWTH && ops % 30_000 == 0) {
                            // a new table grown again from capacity 1 while the readers read it
                            Arrays.fill(present, false);
                            table = fresh(keyWords, 1, maxEntries, all, value, stableCount, 0, present);
                            published.set(table);
                            slots = table.slots();
                        }
                    }
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (RuntimeException | Error e) {
                out.fail("writer threw " + e + "; " + hint);
            } finally {
                out.writerOps = ops;
                out.growths = growths;
                stop.set(true);
            }
        }, "frame-writer");
        SessionHashTableConcurrencyTest.runToEnd(readers, writer, stop, hint);
        return out;
    }

    /**
     * A table holding the first {@code prefill} churn keys (marked in {@code present}), then the
     * stable keys (the first {@code stableCount} of {@code all}).
     */
    private static SessionHashTable fresh(int keyWords, int initial, int maxEntries, long[][] all, long[] value, int stableCount,
                                          int prefill, boolean[] present) {
        // frames from the smallest size on: these tables are far below FRAME_MIN_WORDS
        SessionHashTable t = new SessionHashTable(keyWords, initial, maxEntries, 0);
        for (int i = stableCount; i < stableCount + prefill; i++) {
            present[i] = t.putIfAbsent(all[i], value[i]) == SessionHashTable.INSERTED;
        }
        for (int i = 0; i < stableCount; i++) {
            if (t.putIfAbsent(all[i], value[i]) != SessionHashTable.INSERTED) {
                throw new IllegalStateException("stable key #" + i + " not inserted");
            }
        }
        return t;
    }

    /** The scenario's distinct keys: random ones, or (crowded) ones homed in buckets 0 and 1 with tag 42. */
    private static long[][] keys(int keyWords, Scenario scenario, int count, int maxEntries, SplittableRandom r) {
        Set<String> taken = new HashSet<>();
        if (scenario != Scenario.CROWDED) {
            return SessionHashTableConcurrencyTest.distinctKeys(count, keyWords, r, taken);
        }
        int buckets = new SessionHashTable(keyWords, maxEntries, maxEntries).buckets();
        List<long[]> crowd = new ArrayList<>();
        while (crowd.size() < count) {
            long[] k = SessionHashTableConcurrencyTest.distinctKeys(1, keyWords, r, taken)[0];
            long h = SessionHashTableConcurrencyTest.hash(k, keyWords);
            if (SessionHashTable.bucketOf(h, buckets) <= 1 && SessionHashTable.tag(h) == 42) {
                crowd.add(k);
            }
        }
        return crowd.toArray(new long[0][]);
    }
}
