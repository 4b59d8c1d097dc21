package dev.hoststack.session.table;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import dev.hoststack.api.SessionHandle;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Lock-free readers against one writer: readers must never see a torn entry or another key's
 * value, and keys that are never removed must always be found, across growth and in-place
 * rehashes. Every value is a function of its key, so a reader can check what it sees.
 *
 * <p>Seeded ({@code -Dhoststack.test.seed=N}); each run is bounded by a deadline and by
 * {@link org.junit.jupiter.api.Assertions#assertTimeoutPreemptively}; sized for 2 cores.
 */
class SessionHashTableConcurrencyTest {

    private static final long INVALID = SessionHandle.INVALID;
    /** How long the writer churns per test (growth and bound tests). */
    private static final long RUN_NANOS = TimeUnit.MILLISECONDS.toNanos(1000);
    /** How long a loaded machine may extend a run to reach the work the assertions need. */
    private static final long MAX_RUN_NANOS = TimeUnit.MILLISECONDS.toNanos(6000);
    private static final long MIN_WRITER_OPS = 20_000;
    /** Writer operations the crowded-table tests need (a run goes on past its time until it has them). */
    private static final long MIN_CROWDED_WRITER_OPS = 60_000;
    private static final long MIN_FULLS = 2_000;
    /** How long the writer churns in the tiny-table tests, the ones that catch torn reads. */
    private static final long TINY_RUN_NANOS = TimeUnit.MILLISECONDS.toNanos(1500);
    private static final Duration HARD_LIMIT = Duration.ofSeconds(9);
    private static final int READERS = 2;

    private static final int STABLE = 1_000;
    private static final int CHURN = 24_000;

    static long seed() {
        String p = System.getProperty("hoststack.test.seed");
        return p == null || p.isBlank() ? new SplittableRandom().nextLong() : Long.parseLong(p.trim());
    }

    /** The value stored under a key: a hash of all its words, tagged, never INVALID. */
    static long valueOf(long[] key, int keyWords) {
        long h = 0x1234_5678_9ABC_DEF1L;
        for (int i = 0; i < keyWords; i++) {
            h = Long.rotateLeft(h ^ key[i], 27) * 0x9E37_79B9_7F4A_7C15L;
            h ^= h >>> 31;
        }
        return h & 0x3FFF_FFFF_FFFF_FFFFL | 1L << 62; // tag bit set, sign bit clear
    }

    static long[][] distinctKeys(int n, int keyWords, SplittableRandom r, Set<String> taken) {
        long[][] keys = new long[n][];
        for (int i = 0; i < n; i++) {
            long[] k = new long[keyWords];
            do {
                int lport = 1 + r.nextInt(0xFFFF);
                int rport = r.nextInt(8) == 0 ? 0 : 1 + r.nextInt(0xFFFF);
                if (keyWords == SessionKeys.IP4_WORDS) {
                    SessionKeys.ip4(k, 6, 0x0A00_0000 | r.nextInt(1 << 12), lport, r.nextInt(4) == 0 ? 0 : r.nextInt(), rport);
                } else {
                    SessionKeys.ip6(k, 6, 0x2001_0DB8_0000_0000L, r.nextInt(1 << 12), lport,
                            r.nextInt(4) == 0 ? 0 : r.nextLong(), r.nextLong(), rport);
                }
            } while (!taken.add(Arrays.toString(k)));
            keys[i] = k;
        }
        return keys;
    }

    static String hex(long[] k) {
        StringBuilder sb = new StringBuilder("[");
        for (int i = 0; i < k.length; i++) {
            sb.append(i == 0 ? "" : ", ").append("0x").append(Long.toHexString(k[i]));
        }
        return sb.append(']').toString();
    }

    /** What a run saw, for the assertions after it. */
    private static final class Outcome {
        final AtomicReference<String> failure = new AtomicReference<>();
        final AtomicLong lookups = new AtomicLong();
        final AtomicLong stableHits = new AtomicLong();
        final AtomicLong churnHits = new AtomicLong();
        final AtomicLong churnMisses = new AtomicLong();
        long rounds;
        long growths;
        long fulls;
        long writerOps;
        int maxSlots;

        void fail(String message) {
            failure.compareAndSet(null, message);
        }
    }

    /**
     * Runs readers against a writer. Each writer round makes a new table with initial capacity 1,
     * puts the stable keys, publishes the table to the readers, then churns: puts churn keys
     * (growing the table several times), removes random ones, puts others into their
     * tombstones, and finally removes them all. Readers look up random stable and churn keys in
     * the published table.
     */
    private static Outcome run(int keyWords, long seed, int maxEntries) throws InterruptedException {
        SplittableRandom setup = new SplittableRandom(seed);
        Set<String> taken = new HashSet<>();
        final long[][] stable = distinctKeys(STABLE, keyWords, setup, taken);
        final long[][] churn = distinctKeys(CHURN, keyWords, setup, taken);
        final long[] stableValue = new long[STABLE];
        final long[] churnValue = new long[CHURN];
        for (int i = 0; i < STABLE; i++) {
            stableValue[i] = valueOf(stable[i], keyWords);
        }
        for (int i = 0; i < CHURN; i++) {
            churnValue[i] = valueOf(churn[i], keyWords);
        }

        Outcome out = new Outcome();
        AtomicBoolean stop = new AtomicBoolean();
        AtomicReference<SessionHashTable> published = new AtomicReference<>();
        CountDownLatch readersStarted = new CountDownLatch(READERS);
        String hint = "seed " + seed + " (rerun with -Dhoststack.test.seed=" + seed + ")";

        SessionHashTable first = new SessionHashTable(keyWords, 1, maxEntries);
        for (int i = 0; i < STABLE; i++) {
            first.putIfAbsent(stable[i], stableValue[i]);
        }
        published.set(first);

        Thread[] readers = new Thread[READERS];
        for (int t = 0; t < READERS; t++) {
            final SplittableRandom r = new SplittableRandom(seed ^ (0x5DEE_CE66DL * (t + 1)));
            final int id = t;
            readers[t] = new Thread(() -> {
                readersStarted.countDown();
                long lookups = 0;
                long stableHits = 0;
                long churnHits = 0;
                long churnMisses = 0;
                final long[] scratch = new long[keyWords];
                while (!stop.get()) {
                    SessionHashTable table = published.get();
                    for (int n = 0; n < 256; n++) {
                        boolean isStable = r.nextInt(4) == 0;
                        int i = r.nextInt(isStable ? STABLE : CHURN);
                        long[] key = isStable ? stable[i] : churn[i];
                        long want = isStable ? stableValue[i] : churnValue[i];
                        long got;
                        if (keyWords == SessionKeys.IP4_WORDS && (n & 1) == 0) {
                            got = table.get(key[0], key[1]);
                        } else {
                            System.arraycopy(key, 0, scratch, 0, keyWords); // a different array than was put
                            got = table.get(scratch);
                        }
                        lookups++;
                        if (isStable) {
                            if (got != want) {
                                out.fail("reader " + id + ": stable key #" + i + " " + hex(key) + " read " + got
                                        + (got == INVALID ? " (not found)" : "") + ", expected its value " + want
                                        + " (never removed; table slots " + table.slots() + ", size " + table.size() + "); " + hint);
                                return;
                            }
                            stableHits++;
                        } else if (got == INVALID) {
                            churnMisses++;
                        } else if (got == want) {
                            churnHits++;
                        } else {
                            out.fail("reader " + id + ": churn key #" + i + " " + hex(key) + " read " + got
                                    + ", expected INVALID or its own value " + want + " (torn entry or another key's value); " + hint);
                            return;
                        }
                    }
                }
                out.lookups.addAndGet(lookups);
                out.stableHits.addAndGet(stableHits);
                out.churnHits.addAndGet(churnHits);
                out.churnMisses.addAndGet(churnMisses);
            }, "table-reader-" + t);
            readers[t].setDaemon(true);
        }

        Thread writer = new Thread(() -> {
            SplittableRandom r = new SplittableRandom(~seed);
            int[] present = new int[CHURN];
            int[] where = new int[CHURN];
            long ops = 0;
            long growths = 0;
            long fulls = 0;
            int maxSlots = 0;
            // run at least RUN_NANOS; on a loaded machine go on (up to MAX_RUN_NANOS) until the
            // writer has done enough work for the assertions on counts to be meaningful
            final long start = System.nanoTime();
            long deadline = start + RUN_NANOS;
            try {
                readersStarted.await();
                SessionHashTable table = published.get();
                while (System.nanoTime() < deadline && out.failure.get() == null) {
                    if (table == null) {
                        table = new SessionHashTable(keyWords, 1, maxEntries);
                        for (int i = 0; i < STABLE; i++) {
                            table.putIfAbsent(stable[i], stableValue[i]);
                        }
                        published.set(table);
                    }
                    Arrays.fill(where, -1);
                    int count = 0;
                    int slots = table.slots();
                    // fill with churn keys (growth), with removals and re-puts mixed in (tombstones)
                    for (int step = 0; step < CHURN * 2 && System.nanoTime() < deadline; step++) {
                        int i = r.nextInt(CHURN);
                        if (where[i] < 0 && (r.nextInt(3) != 0 || count == 0)) {
                            int res = table.putIfAbsent(churn[i], churnValue[i]);
                            if (res == SessionHashTable.FULL && table.size() == maxEntries) {
                                fulls++;
                                ops++;
                                continue;
                            }
                            if (res != SessionHashTable.INSERTED) {
                                out.fail("writer: put of absent churn key #" + i + " returned " + res + "; " + hint);
                                return;
                            }
                            where[i] = count;
                            present[count++] = i;
                        } else if (count > 0) {
                            int pos = r.nextInt(count);
                            int victim = present[pos];
                            long old = table.remove(churn[victim]);
                            if (old != churnValue[victim]) {
                                out.fail("writer: remove of churn key #" + victim + " returned " + old + "; " + hint);
                                return;
                            }
                            present[pos] = present[--count];
                            where[present[pos]] = pos;
                            where[victim] = -1;
                        }
                        ops++;
                        if (table.slots() != slots) {
                            growths++;
                            slots = table.slots();
                            maxSlots = Math.max(maxSlots, slots);
                        }
                    }
                    // drain: everything but the stable keys goes
                    while (count > 0) {
                        int victim = present[--count];
                        if (table.remove(churn[victim]) != churnValue[victim]) {
                            out.fail("writer: draining remove of churn key #" + victim + " failed; " + hint);
                            return;
                        }
                        ops++;
                    }
                    if (table.size() != STABLE) {
                        out.fail("writer: size " + table.size() + " after draining, expected " + STABLE + "; " + hint);
                        return;
                    }
                    out.rounds++;
                    if (System.nanoTime() >= deadline && (ops < MIN_WRITER_OPS || fulls < MIN_FULLS && maxEntries < CHURN)
                            && deadline < start + MAX_RUN_NANOS) {
                        deadline = Math.min(deadline + RUN_NANOS, start + MAX_RUN_NANOS);
                    }
                    table = null; // next round: a new table, grown again from capacity 1
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (RuntimeException | Error e) {
                out.fail("writer threw " + e + "; " + hint);
            } finally {
                out.writerOps = ops;
                out.growths = growths;
                out.fulls = fulls;
                out.maxSlots = maxSlots;
                stop.set(true);
            }
        }, "table-writer");
        runToEnd(readers, writer, stop, hint);
        return out;
    }

    @ParameterizedTest(name = "{0}-word keys")
    @ValueSource(ints = {SessionKeys.IP4_WORDS, SessionKeys.IP6_WORDS})
    void readersSeeOnlyInvalidOrTheKeysOwnValueAndAlwaysFindStableKeys(int keyWords) {
        long seed = seed();
        String hint = "seed " + seed + " (rerun with -Dhoststack.test.seed=" + seed + ")";
        Outcome out = assertTimeoutPreemptively(HARD_LIMIT, () -> run(keyWords, seed, 1 << 16), hint);
        assertThat(out.failure.get()).as("first anomaly seen").isNull();
        assertThat(out.rounds).as("writer rounds completed; %s", hint).isGreaterThanOrEqualTo(1);
        assertThat(out.growths).as("rehashes to a larger array while readers ran; %s", hint).isGreaterThanOrEqualTo(3);
        assertThat(out.lookups.get()).as("reader lookups; %s", hint).isGreaterThan(100_000);
        assertThat(out.stableHits.get()).as("stable keys found; %s", hint).isGreaterThan(10_000);
        assertThat(out.churnHits.get()).as("churn keys found while present; %s", hint).isPositive();
        assertThat(out.churnMisses.get()).as("churn keys missed while absent; %s", hint).isPositive();
    }

    /**
     * A bound of the stable keys plus 3,000: the writer, which would keep about 6,000 churn keys
     * present, runs into FULL all the time, so the table sits at its largest size and lives on
     * tombstone reuse and in-place rehashes (a new array of the same size) while readers read.
     */
    @ParameterizedTest(name = "{0}-word keys")
    @ValueSource(ints = {SessionKeys.IP4_WORDS, SessionKeys.IP6_WORDS})
    void stableKeysSurviveChurnAtTheBound(int keyWords) {
        long seed = seed();
        String hint = "seed " + seed + " (rerun with -Dhoststack.test.seed=" + seed + ")";
        Outcome out = assertTimeoutPreemptively(HARD_LIMIT, () -> run(keyWords, seed, STABLE + 3_000), hint);
        assertThat(out.failure.get()).as("first anomaly seen").isNull();
        assertThat(out.fulls).as("puts refused at the bound (the table was kept full); %s", hint).isGreaterThan(1_000);
        assertThat(out.writerOps).as("writer operations; %s", hint).isGreaterThan(10_000);
        assertThat(out.lookups.get()).as("reader lookups; %s", hint).isGreaterThan(100_000);
        assertThat(out.stableHits.get()).as("stable keys found; %s", hint).isGreaterThan(10_000);
        assertThat(out.churnHits.get()).as("churn keys found while present; %s", hint).isPositive();
        assertThat(out.churnMisses.get()).as("churn keys missed while absent; %s", hint).isPositive();
    }

    /**
     * A table that never grows past one bucket (or three): one stable key and a handful of hot
     * keys that the writer swaps in and out as fast as it can, so every write lands in a bucket
     * the readers are reading, and slots pass from one key to another all the time (tombstone
     * reuse, in-place rehashes). A reader that accepted a half-written slot would see another
     * key's value, or miss the stable key.
     */
    @ParameterizedTest(name = "{0}-word keys, maxEntries {1}")
    @CsvSource({"2, 3", "6, 3", "2, 7", "6, 7"})
    void readersOfATinyTableUnderConstantRewrites(int keyWords, int maxEntries) {
        long seed = seed();
        String hint = "seed " + seed + " (rerun with -Dhoststack.test.seed=" + seed + ")";
        Outcome out = assertTimeoutPreemptively(HARD_LIMIT, () -> runTiny(keyWords, seed, maxEntries), hint);
        assertThat(out.failure.get()).as("first anomaly seen").isNull();
        assertThat(out.writerOps).as("writer operations; %s", hint).isGreaterThan(100_000);
        assertThat(out.lookups.get()).as("reader lookups; %s", hint).isGreaterThan(100_000);
        assertThat(out.stableHits.get()).as("stable key found; %s", hint).isGreaterThan(10_000);
        assertThat(out.churnHits.get()).as("hot keys found while present; %s", hint).isPositive();
        assertThat(out.churnMisses.get()).as("hot keys missed while absent; %s", hint).isPositive();
        assertThat(out.maxSlots).as("the table stayed small").isLessThanOrEqualTo(12);
    }

    /** The home bucket of a key in a table of {@code buckets} buckets, as the table computes it. */
    static int homeBucket(long[] k, int keyWords, int buckets) {
        return SessionHashTable.bucketOf(hash(k, keyWords), buckets);
    }

    static long hash(long[] k, int keyWords) {
        return keyWords == SessionKeys.IP4_WORDS ? SessionHashTable.hash2(k[0], k[1])
                : SessionHashTable.hash6(k[0], k[1], k[2], k[3], k[4], k[5]);
    }

    /**
     * Keys crowded into two home buckets, so that most of them live past their home and the
     * buckets between count them (the passing counts and filters that let a miss stop early). The
     * writer swaps displaced keys in and out, and every removal takes the key out of the counts and
     * recomputes the filters of the buckets it passed, while readers look up stable keys that also
     * live past their home. A reader that met a bucket whose marks briefly forgot a key still
     * passing it would miss a stable key; one that read a half-written slot would see another
     * key's value.
     */
    @ParameterizedTest(name = "{0}-word keys")
    @ValueSource(ints = {SessionKeys.IP4_WORDS, SessionKeys.IP6_WORDS})
    void displacedKeysStayReachableWhileTheBucketsTheyPassAreRecounted(int keyWords) {
        crowded(keyWords, false);
    }

    /**
     * As {@link #displacedKeysStayReachableWhileTheBucketsTheyPassAreRecounted}, with every key of
     * the same tag: each lookup finds several candidate slots in a bucket and must check each
     * against the key, while the writer frees and refills those slots (a slot that keeps its tag
     * across a removal and a put is told apart only by the header's change counter).
     */
    @ParameterizedTest(name = "{0}-word keys")
    @ValueSource(ints = {SessionKeys.IP4_WORDS, SessionKeys.IP6_WORDS})
    void keysSharingOneTagAreToldApartWhileTheirSlotsAreReused(int keyWords) {
        crowded(keyWords, true);
    }

    private static void crowded(int keyWords, boolean sameTag) {
        long seed = seed();
        String hint = "seed " + seed + " (rerun with -Dhoststack.test.seed=" + seed + ")";
        Outcome out = assertTimeoutPreemptively(HARD_LIMIT, () -> runCrowded(keyWords, seed, sameTag), hint);
        assertThat(out.failure.get()).as("first anomaly seen").isNull();
        assertThat(out.writerOps).as("writer operations; %s", hint).isGreaterThan(50_000);
        assertThat(out.lookups.get()).as("reader lookups; %s", hint).isGreaterThan(100_000);
        assertThat(out.stableHits.get()).as("stable keys found; %s", hint).isGreaterThan(10_000);
        assertThat(out.churnHits.get()).as("churn keys found while present; %s", hint).isPositive();
        assertThat(out.churnMisses.get()).as("churn keys missed while absent; %s", hint).isPositive();
    }

    private static Outcome runCrowded(int keyWords, long seed, boolean sameTag) throws InterruptedException {
        final int capacity = 160;
        final int stableCount = 10;
        final int churnCount = 30;
        final SessionHashTable table = new SessionHashTable(keyWords, capacity, capacity);
        final int buckets = table.buckets();
        SplittableRandom setup = new SplittableRandom(seed);
        Set<String> taken = new HashSet<>();
        final long[][] crowd = new long[stableCount + churnCount][];
        for (int n = 0; n < crowd.length; ) {
            long[] k = distinctKeys(1, keyWords, setup, taken)[0];
            if (homeBucket(k, keyWords, buckets) <= 1 && (!sameTag || SessionHashTable.tag(hash(k, keyWords)) == 42)) {
                crowd[n++] = k;
            }
        }
        final long[][] stable = Arrays.copyOfRange(crowd, 0, stableCount);
        final long[][] churn = Arrays.copyOfRange(crowd, stableCount, crowd.length);
        final long[] stableValue = new long[stableCount];
        final long[] churnValue = new long[churnCount];
        final boolean[] present = new boolean[churnCount];
        // half the churn keys first, so that the stable keys land past their home buckets
        for (int i = 0; i < churnCount / 2; i++) {
            churnValue[i] = valueOf(churn[i], keyWords);
            present[i] = table.putIfAbsent(churn[i], churnValue[i]) == SessionHashTable.INSERTED;
        }
        for (int i = churnCount / 2; i < churnCount; i++) {
            churnValue[i] = valueOf(churn[i], keyWords);
        }
        for (int i = 0; i < stableCount; i++) {
            stableValue[i] = valueOf(stable[i], keyWords);
            table.putIfAbsent(stable[i], stableValue[i]);
        }
        String hint = "seed " + seed + " (rerun with -Dhoststack.test.seed=" + seed + ")";
        Outcome out = new Outcome();
        String marks = table.checkPassingMarks();
        if (marks != null) {
            out.fail("after setup: " + marks + "; " + hint);
            return out;
        }
        AtomicBoolean stop = new AtomicBoolean();
        CountDownLatch readersStarted = new CountDownLatch(READERS);
        Thread[] readers = new Thread[READERS];
        for (int t = 0; t < READERS; t++) {
            final SplittableRandom r = new SplittableRandom(seed ^ (0x5DEE_CE66DL * (t + 1)));
            final int id = t;
            readers[t] = new Thread(() -> {
                readersStarted.countDown();
                long lookups = 0;
                long stableHits = 0;
                long hits = 0;
                long misses = 0;
                while (!stop.get()) {
                    for (int n = 0; n < 256; n++) {
                        boolean isStable = r.nextInt(3) == 0;
                        int i = r.nextInt(isStable ? stableCount : churnCount);
                        long[] key = isStable ? stable[i] : churn[i];
                        long want = isStable ? stableValue[i] : churnValue[i];
                        long got = keyWords == SessionKeys.IP4_WORDS && (n & 1) == 0 ? table.get(key[0], key[1]) : table.get(key);
                        lookups++;
                        if (isStable) {
                            if (got != want) {
                                out.fail("reader " + id + ": stable displaced key #" + i + " " + hex(key) + " read " + got
                                        + (got == INVALID ? " (not found)" : "") + ", expected " + want + "; " + hint);
                                return;
                            }
                            stableHits++;
                        } else if (got == INVALID) {
                            misses++;
                        } else if (got == want) {
                            hits++;
                        } else {
                            out.fail("reader " + id + ": churn key #" + i + " read " + got + ", expected INVALID or " + want
                                    + " (torn entry or another key's value); " + hint);
                            return;
                        }
                    }
                }
                out.lookups.addAndGet(lookups);
                out.stableHits.addAndGet(stableHits);
                out.churnHits.addAndGet(hits);
                out.churnMisses.addAndGet(misses);
            }, "crowded-table-reader-" + t);
            readers[t].setDaemon(true);
        }
        Thread writer = new Thread(() -> {
            SplittableRandom r = new SplittableRandom(~seed);
            long ops = 0;
            long deadline = System.nanoTime() + TINY_RUN_NANOS;
            // on a loaded machine go on (up to MAX_RUN_NANOS) until the writer has done the work
            // the assertions need: the readers of these few buckets share every line it writes
            final long last = System.nanoTime() + MAX_RUN_NANOS;
            try {
                readersStarted.await();
                while (out.failure.get() == null
                        && (System.nanoTime() < deadline || ops < MIN_CROWDED_WRITER_OPS && System.nanoTime() < last)) {
                    for (int n = 0; n < 1024; n++) {
                        int i = r.nextInt(churnCount);
                        if (present[i]) {
                            if (table.remove(churn[i]) != churnValue[i]) {
                                out.fail("writer: remove of churn key #" + i + " did not return its value; " + hint);
                                return;
                            }
                            present[i] = false;
                        } else {
                            if (table.putIfAbsent(churn[i], churnValue[i]) != SessionHashTable.INSERTED) {
                                out.fail("writer: put of absent churn key #" + i + " was refused; " + hint);
                                return;
                            }
                            present[i] = true;
                        }
                        ops++;
                    }
                }
                String after = table.checkPassingMarks();
                if (after != null) {
                    out.fail("writer: after " + ops + " operations: " + after + "; " + hint);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (RuntimeException | Error e) {
                out.fail("writer threw " + e + "; " + hint);
            } finally {
                out.writerOps = ops;
                stop.set(true);
            }
        }, "crowded-table-writer");
        runToEnd(readers, writer, stop, hint);
        return out;
    }

    private static Outcome runTiny(int keyWords, long seed, int maxEntries) throws InterruptedException {
        final int hot = 12;
        SplittableRandom setup = new SplittableRandom(seed);
        Set<String> taken = new HashSet<>();
        final long[][] stable = distinctKeys(1, keyWords, setup, taken);
        final long[][] keys = distinctKeys(hot, keyWords, setup, taken);
        final long stableValue = valueOf(stable[0], keyWords);
        final long[] values = new long[hot];
        for (int i = 0; i < hot; i++) {
            values[i] = valueOf(keys[i], keyWords);
        }
        final SessionHashTable table = new SessionHashTable(keyWords, maxEntries, maxEntries);
        table.putIfAbsent(stable[0], stableValue);

        Outcome out = new Outcome();
        AtomicBoolean stop = new AtomicBoolean();
        CountDownLatch readersStarted = new CountDownLatch(READERS);
        String hint = "seed " + seed + " (rerun with -Dhoststack.test.seed=" + seed + ")";
        Thread[] readers = new Thread[READERS];
        for (int t = 0; t < READERS; t++) {
            final SplittableRandom r = new SplittableRandom(seed ^ (0x5DEE_CE66DL * (t + 1)));
            final int id = t;
            readers[t] = new Thread(() -> {
                readersStarted.countDown();
                long lookups = 0;
                long stableHits = 0;
                long hits = 0;
                long misses = 0;
                while (!stop.get()) {
                    for (int n = 0; n < 256; n++) {
                        int i = r.nextInt(hot + 1);
                        long[] key = i == hot ? stable[0] : keys[i];
                        long want = i == hot ? stableValue : values[i];
                        long got = keyWords == SessionKeys.IP4_WORDS && (n & 1) == 0 ? table.get(key[0], key[1]) : table.get(key);
                        lookups++;
                        if (i == hot) {
                            if (got != want) {
                                out.fail("reader " + id + ": the stable key read " + got + ", expected " + want + "; " + hint);
                                return;
                            }
                            stableHits++;
                        } else if (got == INVALID) {
                            misses++;
                        } else if (got == want) {
                            hits++;
                        } else {
                            out.fail("reader " + id + ": hot key #" + i + " read " + got + ", expected INVALID or " + want
                                    + " (torn entry or another key's value); " + hint);
                            return;
                        }
                    }
                }
                out.lookups.addAndGet(lookups);
                out.stableHits.addAndGet(stableHits);
                out.churnHits.addAndGet(hits);
                out.churnMisses.addAndGet(misses);
            }, "tiny-table-reader-" + t);
            readers[t].setDaemon(true);
        }
        Thread writer = new Thread(() -> {
            SplittableRandom r = new SplittableRandom(~seed);
            boolean[] present = new boolean[hot];
            long ops = 0;
            int maxSlots = 0;
            long deadline = System.nanoTime() + TINY_RUN_NANOS;
            try {
                readersStarted.await();
                while (out.failure.get() == null && System.nanoTime() < deadline) {
                    for (int n = 0; n < 1024; n++) {
                        int i = r.nextInt(hot);
                        if (present[i]) {
                            if (table.remove(keys[i]) != values[i]) {
                                out.fail("writer: remove of hot key #" + i + " did not return its value; " + hint);
                                return;
                            }
                            present[i] = false;
                        } else {
                            int res = table.putIfAbsent(keys[i], values[i]);
                            if (res == SessionHashTable.INSERTED) {
                                present[i] = true;
                            } else if (res != SessionHashTable.FULL || table.size() != maxEntries) {
                                out.fail("writer: put of absent hot key #" + i + " returned " + res + "; " + hint);
                                return;
                            }
                        }
                        ops++;
                    }
                    maxSlots = Math.max(maxSlots, table.slots());
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (RuntimeException | Error e) {
                out.fail("writer threw " + e + "; " + hint);
            } finally {
                out.writerOps = ops;
                out.maxSlots = maxSlots;
                stop.set(true);
            }
        }, "tiny-table-writer");
        runToEnd(readers, writer, stop, hint);
        return out;
    }

    /**
     * Starts the readers, then the writer (a daemon thread, so that a hung one cannot keep the JVM
     * alive); waits for the writer to finish, then stops the readers, waits up to 2 s for each, and
     * fails if one is still running.
     */
    static void runToEnd(Thread[] readers, Thread writer, AtomicBoolean stop, String hint) throws InterruptedException {
        writer.setDaemon(true);
        try {
            for (Thread t : readers) {
                t.start();
            }
            writer.start();
            writer.join();
        } finally {
            stop.set(true);
            for (Thread t : readers) {
                t.join(TimeUnit.SECONDS.toMillis(2));
            }
            writer.join(TimeUnit.SECONDS.toMillis(2));
        }
        for (Thread t : readers) {
            assertThat(t.isAlive()).as("reader %s still running 2 s after stop; %s", t.getName(), hint).isFalse();
        }
    }
}
