package dev.hoststack.session.table;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.fail;

import dev.hoststack.api.SessionHandle;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Single-threaded behaviour of the frame lookup {@link SessionHashTable#getAll}: for every key of a
 * frame it answers what {@link SessionHashTable#get(long[])} answers (hits, misses, keys past their
 * home bucket, shared tags, removed keys, IPv6 keys with a padding word that is not 0), for frames
 * of every size around the chunk size, and writes nothing outside its range; bad ranges are
 * refused with messages that name them. Seeded ({@code -Dhoststack.test.seed=N}); failures name
 * their seed.
 */
class SessionHashTableFrameTest {

    private static final long INVALID = SessionHandle.INVALID;
    private static final int CHUNK = SessionHashTable.FRAME_CHUNK;
    /** What the words around a frame's values range hold, to see that the call left them alone. */
    private static final long GUARD = 0x0DDC_0FFE_EBAD_F00DL;

    /** The frame sizes every table is probed with: empty, one, odd, around the chunk, several chunks. */
    private static int[] frameSizes() {
        return new int[] {0, 1, 2, 3, 7, CHUNK - 1, CHUNK, CHUNK + 1, 2 * CHUNK + 3, 5 * CHUNK + 7, 256, 1000};
    }

    /**
     * Tables of several sizes and loads (a small one at 50%, a large one at its 80% maximum, where
     * about 13% of keys live past their home bucket), with a third of the keys removed again, probed
     * with frames mixing present, removed and never-inserted keys: each answer must be get's.
     */
    @ParameterizedTest(name = "{0}-word keys")
    @ValueSource(ints = {SessionKeys.IP4_WORDS, SessionKeys.IP6_WORDS})
    void framesAnswerWhatGetAnswersForEveryKey(int keyWords) {
        long seed = SessionHashTableTest.seed();
        String hint = SessionHashTableTest.seedHint(seed);
        SplittableRandom r = new SplittableRandom(seed);
        // 1,000 entries: a small table (50% load); 81,920: a large one exactly at 80% after doubling
        for (int entries : new int[] {1, 1_000, 81_920}) {
            long[][] keys = SessionHashTableConcurrencyTest.distinctKeys(entries * 2, keyWords, r, new HashSet<>());
            // frameMinWords 0: the two passes even for tables this small (FRAME_MIN_WORDS is 16 MiB)
            SessionHashTable t = new SessionHashTable(keyWords, 1, entries, 0);
            for (int i = 0; i < entries; i++) {
                assertThat(t.putIfAbsent(keys[i], value(i))).as("put #%d, %s", i, hint).isEqualTo(SessionHashTable.INSERTED);
            }
            for (int i = 1; i < entries; i += 3) {
                assertThat(t.remove(keys[i])).as("remove #%d, %s", i, hint).isEqualTo(value(i));
            }
            int hits = 0;
            int misses = 0;
            for (int round = 0; round < 40; round++) {
                for (int size : frameSizes()) {
                    long[][] frame = new long[size][];
                    for (int j = 0; j < size; j++) {
                        // mostly keys that were put (two in three still present), the rest never put
                        frame[j] = keys[r.nextInt(4) == 0 ? entries + r.nextInt(entries) : r.nextInt(entries)];
                        if (keyWords == SessionKeys.IP6_WORDS && r.nextInt(50) == 0) {
                            frame[j] = frame[j].clone();
                            frame[j][5] = 1L + r.nextInt(1000); // padding word not 0: get says absent
                        }
                    }
                    long[] got = lookUp(t, frame, r, hint);
                    for (int j = 0; j < size; j++) {
                        long want = t.get(frame[j]);
                        if (got[j] != want) {
                            fail("table of %d entries, frame of %d keys: key %d %s answered %s, get answers %s; %s",
                                    entries, size, j, SessionHashTableConcurrencyTest.hex(frame[j]), got[j], want, hint);
                        }
                        if (want == INVALID) {
                            misses++;
                        } else {
                            hits++;
                        }
                    }
                }
            }
            assertThat(hits).as("hits among the frames' answers (table of %d), %s", entries, hint).isPositive();
            assertThat(misses).as("misses among the frames' answers (table of %d), %s", entries, hint).isPositive();
        }
    }

    /**
     * Keys crowded into two home buckets of a table that cannot grow, so that most of them live
     * past their home bucket, and (second half) all of one tag, so that a bucket has several
     * candidate slots: the frame lookup's first pass reads the wrong slot or none, and its second
     * must still answer as get does.
     */
    @ParameterizedTest(name = "{0}-word keys")
    @ValueSource(ints = {SessionKeys.IP4_WORDS, SessionKeys.IP6_WORDS})
    void displacedKeysAndSharedTagsAnswerAsGetDoes(int keyWords) {
        long seed = SessionHashTableTest.seed();
        String hint = SessionHashTableTest.seedHint(seed);
        SplittableRandom r = new SplittableRandom(seed);
        for (boolean sameTag : new boolean[] {false, true}) {
            SessionHashTable t = new SessionHashTable(keyWords, 160, 160, 0);
            int buckets = t.buckets();
            Set<String> taken = new HashSet<>();
            List<long[]> crowd = new ArrayList<>();
            while (crowd.size() < 60) {
                long[] k = SessionHashTableConcurrencyTest.distinctKeys(1, keyWords, r, taken)[0];
                long h = SessionHashTableConcurrencyTest.hash(k, keyWords);
                if (SessionHashTable.bucketOf(h, buckets) <= 1 && (!sameTag || SessionHashTable.tag(h) == 42)) {
                    crowd.add(k);
                }
            }
            for (int i = 0; i < 40; i++) {
                assertThat(t.putIfAbsent(crowd.get(i), value(i))).as("put #%d, %s", i, hint).isEqualTo(SessionHashTable.INSERTED);
            }
            for (int i = 0; i < 40; i += 4) {
                t.remove(crowd.get(i));
            }
            long[][] frame = crowd.toArray(new long[0][]);
            long[] got = lookUp(t, frame, r, hint);
            int hits = 0;
            for (int j = 0; j < frame.length; j++) {
                long want = t.get(frame[j]);
                assertThat(got[j]).as("crowded key %d (same tag: %s), get answers %s; %s", j, sameTag, want, hint).isEqualTo(want);
                hits += want == INVALID ? 0 : 1;
            }
            assertThat(hits).as("crowded keys found, %s", hint).isEqualTo(30);
        }
    }

    /**
     * A table under {@link SessionHashTable#FRAME_MIN_WORDS} (the default threshold, here a few
     * thousand entries with some removed) is looked up a key at a time: the answers are get's.
     */
    @ParameterizedTest(name = "{0}-word keys")
    @ValueSource(ints = {SessionKeys.IP4_WORDS, SessionKeys.IP6_WORDS})
    void aSmallTableAnswersWhatGetAnswersWithTheDefaultThreshold(int keyWords) {
        long seed = SessionHashTableTest.seed();
        String hint = SessionHashTableTest.seedHint(seed);
        SplittableRandom r = new SplittableRandom(seed);
        long[][] keys = SessionHashTableConcurrencyTest.distinctKeys(6_000, keyWords, r, new HashSet<>());
        SessionHashTable t = new SessionHashTable(keyWords, 1, 4_000);
        for (int i = 0; i < 4_000; i++) {
            t.putIfAbsent(keys[i], value(i));
        }
        for (int i = 0; i < 4_000; i += 5) {
            t.remove(keys[i]);
        }
        assertThat(t.footprintBytes()).as("a table under FRAME_MIN_WORDS").isLessThan(8L * SessionHashTable.FRAME_MIN_WORDS);
        int hits = 0;
        for (int size : frameSizes()) {
            long[][] frame = new long[size][];
            for (int j = 0; j < size; j++) {
                frame[j] = keys[r.nextInt(keys.length)];
            }
            long[] got = lookUp(t, frame, r, hint);
            for (int j = 0; j < size; j++) {
                long want = t.get(frame[j]);
                assertThat(got[j]).as("frame of %d, key %d; %s", size, j, hint).isEqualTo(want);
                hits += want == INVALID ? 0 : 1;
            }
        }
        assertThat(hits).as("hits, %s", hint).isPositive();
    }

    @ParameterizedTest(name = "{0}-word keys")
    @ValueSource(ints = {SessionKeys.IP4_WORDS, SessionKeys.IP6_WORDS})
    void anEmptyTableAnswersInvalidForEveryKey(int keyWords) {
        SessionHashTable t = new SessionHashTable(keyWords, 1024, 1024, 0);
        long[][] keys = SessionHashTableConcurrencyTest.distinctKeys(100, keyWords, new SplittableRandom(1), new HashSet<>());
        long[] got = lookUp(t, keys, new SplittableRandom(2), "fixed seed");
        for (int j = 0; j < keys.length; j++) {
            assertThat(got[j]).as("key %d in an empty table", j).isEqualTo(INVALID);
        }
    }

    @Test
    void ip4FrameOfKnownKeysAnswersTheirValues() {
        SessionHashTable t = new SessionHashTable(SessionKeys.IP4_WORDS, 16, 16, 0);
        long[] keys = new long[3 * SessionKeys.IP4_WORDS];
        long[] k = new long[SessionKeys.IP4_WORDS];
        SessionKeys.ip4(k, 6, 0x0A00_0001, 80, 0x0A00_0002, 40_000);
        t.putIfAbsent(k, 7);
        System.arraycopy(k, 0, keys, 0, 2);
        SessionKeys.ip4(k, 6, 0x0A00_0001, 80, 0x0A00_0002, 40_001); // not put
        System.arraycopy(k, 0, keys, 2, 2);
        SessionKeys.ip4(k, 17, 0x0A00_0001, 53, 0x0A00_0003, 40_000);
        t.putIfAbsent(k, 0);
        System.arraycopy(k, 0, keys, 4, 2);
        long[] values = new long[5];
        Arrays.fill(values, GUARD);
        t.getAll(keys, 0, values, 1, 3);
        assertThat(values).as("a guard word, the three answers (7, absent, 0), a guard word")
                .containsExactly(GUARD, 7, INVALID, 0, GUARD);
    }

    // ---------------------------------------------------------------- bad arguments

    @Test
    void aNegativeCountIsRefused() {
        SessionHashTable t = new SessionHashTable(SessionKeys.IP4_WORDS, 16, 16);
        assertThatThrownBy(() -> t.getAll(new long[4], 0, new long[2], 0, -1))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("count -1 < 0");
    }

    @Test
    void keysRangesOutsideTheArrayAreRefusedWithTheRange() {
        SessionHashTable t = new SessionHashTable(SessionKeys.IP4_WORDS, 16, 16);
        long[] values = new long[8];
        assertThatThrownBy(() -> t.getAll(new long[8], -1, values, 0, 1))
                .isInstanceOf(IndexOutOfBoundsException.class)
                .hasMessage("a frame of 1 key of 2 words from keys[-1] needs keys[-1..1), but keys has 8 words");
        assertThatThrownBy(() -> t.getAll(new long[8], 2, values, 0, 4))
                .isInstanceOf(IndexOutOfBoundsException.class)
                .hasMessage("a frame of 4 keys of 2 words from keys[2] needs keys[2..10), but keys has 8 words");
        // a count whose words overflow an int is still a range past the end, not a wrapped one
        assertThatThrownBy(() -> t.getAll(new long[8], 0, values, 0, Integer.MAX_VALUE))
                .isInstanceOf(IndexOutOfBoundsException.class)
                .hasMessageContaining("needs keys[0..4294967294)");
    }

    @Test
    void ip4WidthKeysForAnIp6TableAreRefused() {
        SessionHashTable t = new SessionHashTable(SessionKeys.IP6_WORDS, 16, 16);
        // three IPv4 keys' worth of words (6): one IPv6 key, not three
        assertThatThrownBy(() -> t.getAll(new long[3 * SessionKeys.IP4_WORDS], 0, new long[3], 0, 3))
                .isInstanceOf(IndexOutOfBoundsException.class)
                .hasMessage("a frame of 3 keys of 6 words from keys[0] needs keys[0..18), but keys has 6 words");
    }

    @Test
    void valuesRangesOutsideTheArrayAreRefusedWithTheRange() {
        SessionHashTable t = new SessionHashTable(SessionKeys.IP4_WORDS, 16, 16);
        long[] keys = new long[8];
        assertThatThrownBy(() -> t.getAll(keys, 0, new long[4], 1, 4))
                .isInstanceOf(IndexOutOfBoundsException.class)
                .hasMessage("a frame of 4 keys needs values[1..5), but values has 4 words");
        assertThatThrownBy(() -> t.getAll(keys, 0, new long[4], -2, 1))
                .isInstanceOf(IndexOutOfBoundsException.class)
                .hasMessage("a frame of 1 key needs values[-2..-1), but values has 4 words");
    }

    @Test
    void valuesOverlappingTheKeysInOneArrayAreRefused() {
        SessionHashTable t = new SessionHashTable(SessionKeys.IP4_WORDS, 16, 16);
        long[] both = new long[16];
        assertThatThrownBy(() -> t.getAll(both, 0, both, 5, 4))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("values[5..9) overlaps keys[0..8) in the same array: "
                        + "the lookup writes the values while it still reads the keys");
        // side by side in one array is fine: the keys are 0..8, the values 8..12
        both[8] = GUARD;
        t.getAll(both, 0, both, 8, 4);
        assertThat(Arrays.copyOfRange(both, 8, 12)).as("answers of four all-zero keys (no protocol: never present)")
                .containsOnly(INVALID);
    }

    @Test
    void anEmptyFrameAtTheArraysEndsIsFineAndWritesNothing() {
        SessionHashTable t = new SessionHashTable(SessionKeys.IP6_WORDS, 16, 16);
        long[] values = {GUARD};
        t.getAll(new long[6], 6, values, 1, 0);
        assertThat(values).containsExactly(GUARD);
    }

    // ---------------------------------------------------------------- helpers

    /** A value that is a function of the key's index: never INVALID. */
    static long value(int i) {
        return SessionHandle.make(i % 3, i);
    }

    /**
     * One getAll of {@code frame}, its keys packed at a random offset of a larger array and its
     * answers at a random offset of another, whose other words must keep their guard value.
     */
    static long[] lookUp(SessionHashTable t, long[][] frame, SplittableRandom r, String hint) {
        int w = t.keyWords();
        int keysOffset = r.nextInt(9);
        long[] keys = new long[keysOffset + frame.length * w + r.nextInt(9)];
        Arrays.fill(keys, GUARD);
        for (int j = 0; j < frame.length; j++) {
            System.arraycopy(frame[j], 0, keys, keysOffset + j * w, w);
        }
        long[] keysBefore = keys.clone();
        int valuesOffset = r.nextInt(9);
        long[] values = new long[valuesOffset + frame.length + r.nextInt(9)];
        Arrays.fill(values, GUARD);
        t.getAll(keys, keysOffset, values, valuesOffset, frame.length);
        assertThat(keys).as("the keys array after the call, %s", hint).isEqualTo(keysBefore);
        for (int i = 0; i < values.length; i++) {
            if ((i < valuesOffset || i >= valuesOffset + frame.length) && values[i] != GUARD) {
                fail("values[%d] outside the frame's range [%d..%d) was written: %s; %s",
                        i, valuesOffset, valuesOffset + frame.length, values[i], hint);
            }
        }
        return Arrays.copyOfRange(values, valuesOffset, valuesOffset + frame.length);
    }
}
