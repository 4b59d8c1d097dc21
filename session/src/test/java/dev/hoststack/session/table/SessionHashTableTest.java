package dev.hoststack.session.table;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.fail;

import dev.hoststack.api.SessionHandle;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Single-threaded behaviour of {@link SessionHashTable}: results of every operation, tombstones,
 * growth, the bound, key validation, footprint, and a seeded differential test against
 * {@link HashMap}. Seeded tests take {@code -Dhoststack.test.seed=N} and name their seed when
 * they fail.
 */
class SessionHashTableTest {

    private static final long INVALID = SessionHandle.INVALID;
    private static final int TCP = 6;
    private static final int UDP = 17;

    // ---------------------------------------------------------------- helpers

    /** A key's words with content equality, for HashMap and HashSet. */
    private record Words(long[] w) {
        @Override
        public boolean equals(Object o) {
            return o instanceof Words other && Arrays.equals(w, other.w);
        }

        @Override
        public int hashCode() {
            return Arrays.hashCode(w);
        }

        @Override
        public String toString() {
            StringBuilder sb = new StringBuilder("[");
            for (int i = 0; i < w.length; i++) {
                sb.append(i == 0 ? "" : ", ").append("0x").append(Long.toHexString(w[i]));
            }
            return sb.append(']').toString();
        }
    }

    /** The n-th of a family of distinct IPv4 keys (n < 2^32). */
    static long[] key4(long n) {
        long[] k = new long[SessionKeys.IP4_WORDS];
        SessionKeys.ip4(k, TCP, 0x0A00_0000 ^ (int) n, 80 + (int) (n % 7), (int) (n >>> 32) ^ 0xC0A8_0000, 1024 + (int) (n % 50_000));
        return k;
    }

    /** The n-th of a family of distinct IPv6 keys. */
    static long[] key6(long n) {
        long[] k = new long[SessionKeys.IP6_WORDS];
        SessionKeys.ip6(k, TCP, 0x2001_0DB8_0000_0000L, n, 443, 0xFD00_0000_0000_0000L | n >>> 20, n * 0x9E37_79B9L, 1024 + (int) (n % 60_000));
        return k;
    }

    static long[] key(int keyWords, long n) {
        return keyWords == SessionKeys.IP4_WORDS ? key4(n) : key6(n);
    }

    /** A value that is a handle-like function of n: never INVALID. */
    static long value(long n) {
        return SessionHandle.make((int) (n % 3), (int) n);
    }

    static long randomKeyWord(SplittableRandom r) {
        // mostly random, sometimes zero: listener-like keys have zero words
        return r.nextInt(8) == 0 ? 0 : r.nextLong();
    }

    static long[] randomKey(int keyWords, SplittableRandom r) {
        long[] k = new long[keyWords];
        int proto = r.nextBoolean() ? TCP : UDP;
        int lport = 1 + r.nextInt(0xFFFF);
        int rport = r.nextInt(4) == 0 ? 0 : 1 + r.nextInt(0xFFFF);
        if (keyWords == SessionKeys.IP4_WORDS) {
            SessionKeys.ip4(k, proto, (int) randomKeyWord(r), lport, (int) randomKeyWord(r), rport);
        } else {
            SessionKeys.ip6(k, proto, randomKeyWord(r), randomKeyWord(r), lport, randomKeyWord(r), randomKeyWord(r), rport);
        }
        return k;
    }

    static long seed() {
        String p = System.getProperty("hoststack.test.seed");
        return p == null || p.isBlank() ? new SplittableRandom().nextLong() : Long.parseLong(p.trim());
    }

    static String seedHint(long seed) {
        return "seed " + seed + " (rerun with -Dhoststack.test.seed=" + seed + ")";
    }

    static String hex(long[] k) {
        return new Words(k).toString();
    }

    /** Every entry forEach visits, in visiting order, as (key, value) pairs; fails on a duplicate visit. */
    static List<Map.Entry<Words, Long>> entries(SessionHashTable t) {
        List<Map.Entry<Words, Long>> out = new ArrayList<>();
        Set<Words> seen = new HashSet<>();
        t.forEach((k, v) -> {
            assertThat(k).as("forEach key copy length").hasSize(t.keyWords());
            assertThat(seen.add(new Words(k))).as("forEach visited %s twice", hex(k)).isTrue();
            out.add(Map.entry(new Words(k), v));
        });
        return out;
    }

    static Map<Words, Long> contents(SessionHashTable t) {
        Map<Words, Long> m = new HashMap<>();
        for (Map.Entry<Words, Long> e : entries(t)) {
            m.put(e.getKey(), e.getValue());
        }
        return m;
    }

    static long get(SessionHashTable t, long[] k) {
        long v = t.get(k);
        if (t.keyWords() == SessionKeys.IP4_WORDS) {
            long v2 = t.get(k[0], k[1]);
            if (v2 != v) {
                fail("get(long[]) = %s but get(long, long) = %s for key %s", v, v2, hex(k));
            }
        }
        return v;
    }

    /** The home bucket of an IPv4 key in a table of {@code buckets} buckets, as the table computes it. */
    static int homeBucket4(long[] k, int buckets) {
        long h = SessionHashTable.hash2(k[0], k[1]);
        return (int) (((h >>> 32) * buckets) >>> 32);
    }

    // ---------------------------------------------------------------- basic operations

    @ParameterizedTest(name = "{0}-word keys")
    @ValueSource(ints = {SessionKeys.IP4_WORDS, SessionKeys.IP6_WORDS})
    void putGetRemove(int keyWords) {
        SessionHashTable t = new SessionHashTable(keyWords, 16, 1000);
        assertThat(t.keyWords()).isEqualTo(keyWords);
        assertThat(t.maxEntries()).isEqualTo(1000);
        long[] a = key(keyWords, 1);
        long[] b = key(keyWords, 2);
        assertThat(get(t, a)).as("lookup in an empty table").isEqualTo(INVALID);

        assertThat(t.putIfAbsent(a, 111)).as("first put of a").isEqualTo(SessionHashTable.INSERTED);
        assertThat(t.putIfAbsent(b, 222)).as("first put of b").isEqualTo(SessionHashTable.INSERTED);
        assertThat(t.size()).isEqualTo(2);
        assertThat(get(t, a)).as("a's value").isEqualTo(111);
        assertThat(get(t, b)).as("b's value").isEqualTo(222);
        assertThat(get(t, key(keyWords, 3))).as("a key never put").isEqualTo(INVALID);

        assertThat(t.putIfAbsent(a.clone(), 999)).as("put of a key already present (equal content, other array)")
                .isEqualTo(SessionHashTable.EXISTS);
        assertThat(get(t, a)).as("a's value after the refused put is unchanged").isEqualTo(111);
        assertThat(t.size()).as("size after the refused put").isEqualTo(2);

        assertThat(t.remove(a)).as("remove(a) returns a's old value").isEqualTo(111);
        assertThat(t.size()).isEqualTo(1);
        assertThat(get(t, a)).as("a after its removal").isEqualTo(INVALID);
        assertThat(get(t, b)).as("b is unaffected by a's removal").isEqualTo(222);
        assertThat(t.remove(a)).as("remove of an absent key").isEqualTo(INVALID);
        assertThat(t.size()).isEqualTo(1);

        assertThat(t.putIfAbsent(a, 333)).as("a can be put again after removal").isEqualTo(SessionHashTable.INSERTED);
        assertThat(get(t, a)).isEqualTo(333);
        assertThat(contents(t)).as("forEach after the operations")
                .isEqualTo(Map.of(new Words(a), 333L, new Words(b), 222L));
    }

    @ParameterizedTest(name = "{0}-word keys")
    @ValueSource(ints = {SessionKeys.IP4_WORDS, SessionKeys.IP6_WORDS})
    void keysDifferingInOneWordAreDistinct(int keyWords) {
        SessionHashTable t = new SessionHashTable(keyWords, 64, 1000);
        long[] base = key(keyWords, 77);
        // every word but IPv6's padding word (which must be 0: ip6PaddingWordIsNotStoredAndMustBeZero)
        int words = keyWords == SessionKeys.IP6_WORDS ? keyWords - 1 : keyWords;
        assertThat(t.putIfAbsent(base, 1000)).isEqualTo(SessionHashTable.INSERTED);
        for (int word = 0; word < words; word++) {
            long[] k = base.clone();
            k[word] ^= 1L << 40 | 1; // the marker word keeps a protocol in its high half
            assertThat(get(t, k)).as("key differing from the stored one in word %d only", word).isEqualTo(INVALID);
            assertThat(t.putIfAbsent(k, word)).as("put of key differing in word %d", word).isEqualTo(SessionHashTable.INSERTED);
        }
        assertThat(get(t, base)).isEqualTo(1000);
        for (int word = 0; word < words; word++) {
            long[] k = base.clone();
            k[word] ^= 1L << 40 | 1;
            assertThat(get(t, k)).as("value of the key differing in word %d", word).isEqualTo(word);
        }
        assertThat(t.size()).isEqualTo(words + 1);
    }

    @Test
    void ip4KeyArrayLongerThanTheKeyUsesOnlyTheKeyWords() {
        SessionHashTable t = new SessionHashTable(SessionKeys.IP4_WORDS, 4, 10);
        long[] scratch = new long[SessionKeys.IP6_WORDS];
        Arrays.fill(scratch, 0x5555L);
        SessionKeys.ip4(scratch, TCP, 0x0A00_0001, 80, 0x0A00_0002, 40000);
        assertThat(t.putIfAbsent(scratch, 42)).isEqualTo(SessionHashTable.INSERTED);
        assertThat(t.get(new long[] {scratch[0], scratch[1]})).as("2-word lookup of a key put from a 6-word scratch array").isEqualTo(42);
        assertThat(t.get(scratch[0], scratch[1])).isEqualTo(42);
    }

    @ParameterizedTest(name = "{0}-word keys")
    @ValueSource(ints = {SessionKeys.IP4_WORDS, SessionKeys.IP6_WORDS})
    void removeWithExpectedValueRemovesOnlyOnMatch(int keyWords) {
        SessionHashTable t = new SessionHashTable(keyWords, 8, 100);
        long[] a = key(keyWords, 10);
        assertThat(t.putIfAbsent(a, 0x1_0000_0005L)).isEqualTo(SessionHashTable.INSERTED);

        assertThat(t.remove(a, 0x1_0000_0006L)).as("remove(a, wrong value)").isFalse();
        assertThat(t.remove(a, 5)).as("remove(a, value with the same low 32 bits)").isFalse();
        assertThat(get(t, a)).as("a is still present after refused removals").isEqualTo(0x1_0000_0005L);
        assertThat(t.size()).isEqualTo(1);

        assertThat(t.remove(key(keyWords, 11), 0x1_0000_0005L)).as("remove(absent key, some value)").isFalse();

        assertThat(t.remove(a, 0x1_0000_0005L)).as("remove(a, its value)").isTrue();
        assertThat(get(t, a)).isEqualTo(INVALID);
        assertThat(t.size()).isZero();
        assertThat(t.remove(a, 0x1_0000_0005L)).as("second remove(a, its value)").isFalse();
    }

    @ParameterizedTest(name = "{0}-word keys")
    @ValueSource(ints = {SessionKeys.IP4_WORDS, SessionKeys.IP6_WORDS})
    void valueZeroAndExtremesAreStoredExactly(int keyWords) {
        SessionHashTable t = new SessionHashTable(keyWords, 8, 100);
        long[] values = {0, 1, Long.MAX_VALUE, Long.MIN_VALUE, -2, SessionHandle.groupValue(7)};
        for (int i = 0; i < values.length; i++) {
            assertThat(t.putIfAbsent(key(keyWords, i), values[i])).isEqualTo(SessionHashTable.INSERTED);
        }
        for (int i = 0; i < values.length; i++) {
            assertThat(get(t, key(keyWords, i))).as("value #%d", i).isEqualTo(values[i]);
        }
        for (int i = 0; i < values.length; i++) {
            assertThat(t.remove(key(keyWords, i))).as("remove returns value #%d", i).isEqualTo(values[i]);
        }
    }

    /**
     * INVALID (-1) as a value could not be told from "absent" by get or remove(key), and
     * remove(key, INVALID) could not say whether it removed: the table refuses it.
     */
    @ParameterizedTest(name = "{0}-word keys")
    @ValueSource(ints = {SessionKeys.IP4_WORDS, SessionKeys.IP6_WORDS})
    void invalidIsRefusedAsAValue(int keyWords) {
        SessionHashTable t = new SessionHashTable(keyWords, 8, 100);
        long[] a = key(keyWords, 5);
        assertThatThrownBy(() -> t.putIfAbsent(a, INVALID)).as("putIfAbsent(key, INVALID)")
                .isInstanceOf(IllegalArgumentException.class);
        assertThat(t.size()).as("size after the refused INVALID value").isZero();
        assertThat(t.remove(a, INVALID)).as("remove(key, INVALID) of an absent key").isFalse();
        assertThat(t.putIfAbsent(a, -2)).as("-2 is an ordinary value").isEqualTo(SessionHashTable.INSERTED);
        assertThat(t.remove(a, INVALID)).as("remove(key, INVALID) when the key holds -2").isFalse();
        assertThat(get(t, a)).isEqualTo(-2);
    }

    /**
     * Keys whose marker word is 0 (an empty slot's) or -1 (a tombstone's) can never be stored
     * (put rejects them), so lookups of them must miss: empty slots and tombstones must not be
     * mistaken for them.
     */
    @ParameterizedTest(name = "{0}-word keys")
    @ValueSource(ints = {SessionKeys.IP4_WORDS, SessionKeys.IP6_WORDS})
    void lookupsOfKeysWithAnEmptyOrTombstoneMarkerMiss(int keyWords) {
        SessionHashTable t = new SessionHashTable(keyWords, 8, 100);
        assertThat(t.putIfAbsent(key(keyWords, 1), 7)).isEqualTo(SessionHashTable.INSERTED);
        assertThat(t.putIfAbsent(key(keyWords, 2), 8)).isEqualTo(SessionHashTable.INSERTED);
        assertThat(t.remove(key(keyWords, 2))).isEqualTo(8); // leaves a tombstone: zero key words, marker -1
        int marker = keyWords == SessionKeys.IP4_WORDS ? SessionKeys.IP4_MARKER : SessionKeys.IP6_MARKER;
        long[] zero = new long[keyWords];
        long[] tomb = new long[keyWords];
        tomb[marker] = -1;
        assertThatThrownBy(() -> t.putIfAbsent(zero, 1)).isInstanceOf(IllegalArgumentException.class);
        assertThat(t.get(zero))
                .as("get(all-zero %d-word key), a key the table refuses to store: expected INVALID (-1), "
                        + "a value here would be read from an empty slot", keyWords)
                .isEqualTo(INVALID);
        assertThat(t.get(tomb)).as("get(key shaped like a tombstone)").isEqualTo(INVALID);
        if (keyWords == SessionKeys.IP4_WORDS) {
            assertThat(t.get(0L, 0L)).as("get(0, 0) on an IPv4 table holding no such key: expected INVALID").isEqualTo(INVALID);
            assertThat(t.get(0L, -1L)).as("get(0, -1)").isEqualTo(INVALID);
        }
        assertThat(get(t, key(keyWords, 1))).isEqualTo(7);
    }

    // ---------------------------------------------------------------- argument checks

    @ParameterizedTest(name = "{0}-word keys")
    @ValueSource(ints = {SessionKeys.IP4_WORDS, SessionKeys.IP6_WORDS})
    void keysWithoutAProtocolInTheMarkerWordAreRejected(int keyWords) {
        SessionHashTable t = new SessionHashTable(keyWords, 8, 100);
        long[] good = key(keyWords, 3);
        assertThat(t.putIfAbsent(good, 3)).isEqualTo(SessionHashTable.INSERTED);
        int marker = keyWords == SessionKeys.IP4_WORDS ? SessionKeys.IP4_MARKER : SessionKeys.IP6_MARKER;
        // 0 marks an empty slot, -1 a tombstone; proto 0 with ports set is still no protocol
        for (long m : new long[] {0L, -1L, SessionKeys.portsWord(0, 1234, 80)}) {
            long[] bad = good.clone();
            bad[marker] = m;
            String what = "marker word 0x" + Long.toHexString(m);
            assertThatThrownBy(() -> t.putIfAbsent(bad, 1)).as("putIfAbsent with %s", what)
                    .isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> t.remove(bad)).as("remove with %s", what)
                    .isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> t.remove(bad, 3)).as("remove(key, expected) with %s", what)
                    .isInstanceOf(IllegalArgumentException.class);
        }
        assertThat(t.size()).as("size after rejected keys").isEqualTo(1);
        assertThat(contents(t)).as("contents after rejected keys").containsExactly(Map.entry(new Words(good), 3L));
    }

    @Test
    void keyArrayShorterThanTheLayoutIsRejected() {
        SessionHashTable t = new SessionHashTable(SessionKeys.IP6_WORDS, 8, 100);
        long[] shortKey = key4(1);
        assertThatThrownBy(() -> t.putIfAbsent(shortKey, 1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> t.remove(shortKey)).isInstanceOf(IllegalArgumentException.class);
        assertThat(t.size()).isZero();
    }

    @Test
    void constructorArgumentsAreChecked() {
        assertThatThrownBy(() -> new SessionHashTable(3, 1, 1)).as("keyWords 3")
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("keyWords");
        assertThatThrownBy(() -> new SessionHashTable(SessionKeys.IP4_WORDS, 0, 1)).as("initialCapacity 0")
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("initialCapacity");
        assertThatThrownBy(() -> new SessionHashTable(SessionKeys.IP4_WORDS, 10, 9)).as("maxEntries < initialCapacity")
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("maxEntries");
        assertThatThrownBy(() -> new SessionHashTable(SessionKeys.IP6_WORDS, 1, Integer.MAX_VALUE)).as("bound needing more than one array")
                .isInstanceOf(IllegalArgumentException.class);
        SessionHashTable t = new SessionHashTable(SessionKeys.IP4_WORDS, 1, 1);
        assertThat(t.size()).isZero();
        assertThat(t.slots()).as("slots of the smallest table").isEqualTo(SessionHashTable.SLOTS_PER_BUCKET);
    }

    // ---------------------------------------------------------------- tombstones

    /**
     * Fifteen IPv4 keys with one home bucket fill it and spill into the next two buckets. Removing
     * the five in the home bucket frees their slots at once: lookups, removals and duplicate checks
     * of the keys past it must still find them (the passing marks), and new keys must reuse the
     * freed slots (no rehash). The buckets' passing counts and filters stay exact throughout.
     */
    @Test
    void freedSlotsAreReusedAndDisplacedKeysStayReachable() {
        // 32 entries at 80% load: 40 slots, 8 buckets, threshold 32; 20 entries never rehash
        SessionHashTable t = new SessionHashTable(SessionKeys.IP4_WORDS, 32, 32);
        int buckets = t.slots() / SessionHashTable.SLOTS_PER_BUCKET;
        assertThat(buckets).as("bucket count of a table sized for 32 entries").isEqualTo(8);
        int per = SessionHashTable.SLOTS_PER_BUCKET;
        int home = 3;
        List<long[]> colliding = new ArrayList<>();
        for (long n = 0; colliding.size() < 4 * per; n++) {
            long[] k = key4(n);
            if (homeBucket4(k, buckets) == home) {
                colliding.add(k);
            }
        }
        List<long[]> first = colliding.subList(0, 3 * per);
        List<long[]> later = colliding.subList(3 * per, 4 * per);
        for (int i = 0; i < first.size(); i++) {
            assertThat(t.putIfAbsent(first.get(i), 100 + i)).isEqualTo(SessionHashTable.INSERTED);
        }
        assertThat(t.checkPassingMarks()).as("passing marks after filling three buckets from one home").isNull();
        // The 15 keys fill buckets 3, 4 and 5 in insertion order: forEach walks slots in array order.
        assertThat(entries(t)).extracting(Map.Entry::getKey).as("slot order of 15 keys with home bucket %d", home)
                .containsExactlyElementsOf(first.stream().map(Words::new).toList());

        for (int i = 0; i < per; i++) {
            assertThat(t.remove(first.get(i))).as("remove key #%d from the home bucket", i).isEqualTo(100 + i);
        }
        assertThat(t.checkPassingMarks()).as("passing marks after emptying the home bucket").isNull();
        for (int i = per; i < first.size(); i++) {
            assertThat(get(t, first.get(i))).as("key #%d, stored in bucket %d past the emptied home bucket", i, home + i / per)
                    .isEqualTo(100 + i);
            assertThat(t.putIfAbsent(first.get(i), -5)).as("put of key #%d stored past its home bucket must see it", i)
                    .isEqualTo(SessionHashTable.EXISTS);
        }
        assertThat(t.size()).as("no duplicate was added into a freed slot").isEqualTo(2 * per);

        int slotsBefore = t.slots();
        for (int i = 0; i < later.size(); i++) {
            assertThat(t.putIfAbsent(later.get(i), 500 + i)).isEqualTo(SessionHashTable.INSERTED);
        }
        assertThat(t.slots()).as("reusing freed slots needs no rehash").isEqualTo(slotsBefore);
        List<Words> expectedOrder = new ArrayList<>();
        later.forEach(k -> expectedOrder.add(new Words(k)));
        first.subList(per, first.size()).forEach(k -> expectedOrder.add(new Words(k)));
        assertThat(entries(t)).extracting(Map.Entry::getKey)
                .as("the 5 new keys took the 5 freed slots of their home bucket, in order; the rest did not move")
                .containsExactlyElementsOf(expectedOrder);
        for (int i = 0; i < later.size(); i++) {
            assertThat(get(t, later.get(i))).isEqualTo(500 + i);
        }

        // a slot freed two buckets past the home bucket is reused by the key that left it
        int farther = 2 * per + 2;
        assertThat(t.remove(first.get(farther))).as("remove of key #%d, two buckets past the home bucket", farther)
                .isEqualTo(100 + farther);
        assertThat(get(t, first.get(farther + 1))).as("key #%d, behind the freed slot", farther + 1).isEqualTo(101 + farther);
        assertThat(t.checkPassingMarks()).as("passing marks after removing a key two buckets past home").isNull();
        assertThat(t.putIfAbsent(first.get(farther), 209)).isEqualTo(SessionHashTable.INSERTED);
        assertThat(entries(t)).extracting(Map.Entry::getKey).as("#%d back in its own slot", farther)
                .containsExactlyElementsOf(expectedOrder);
        for (int i = per; i < first.size(); i++) {
            assertThat(get(t, first.get(i))).as("key #%d after slot reuse", i).isEqualTo(i == farther ? 209 : 100 + i);
        }
        assertThat(t.size()).isEqualTo(3 * per);
        assertThat(t.slots()).isEqualTo(slotsBefore);
        assertThat(t.checkPassingMarks()).isNull();

        // everything displaced goes: the buckets passed forget it, and a miss stops at home again
        for (int i = per; i < first.size(); i++) {
            t.remove(first.get(i));
        }
        assertThat(t.checkPassingMarks()).as("passing marks after every displaced key left").isNull();
        assertThat(t.passingCount(home)).as("keys passing the home bucket once only its own keys are left").isZero();
    }

    /** A one-bucket IPv6 table: every key collides; tombstones in front of live keys. */
    @Test
    void ip6TombstonesInOneBucket() {
        SessionHashTable t = new SessionHashTable(SessionKeys.IP6_WORDS, 3, 3);
        assertThat(t.slots()).as("one bucket").isEqualTo(SessionHashTable.SLOTS_PER_BUCKET);
        long[] a = key6(1);
        long[] b = key6(2);
        long[] c = key6(3);
        long[] d = key6(4);
        assertThat(t.putIfAbsent(a, 1)).isEqualTo(SessionHashTable.INSERTED);
        assertThat(t.putIfAbsent(b, 2)).isEqualTo(SessionHashTable.INSERTED);
        assertThat(t.putIfAbsent(c, 3)).isEqualTo(SessionHashTable.INSERTED);
        assertThat(t.remove(a)).isEqualTo(1);
        assertThat(get(t, b)).as("b, stored after a's tombstone").isEqualTo(2);
        assertThat(get(t, c)).as("c, stored after a's tombstone").isEqualTo(3);
        assertThat(t.putIfAbsent(c, 33)).as("duplicate c with a tombstone in front").isEqualTo(SessionHashTable.EXISTS);
        assertThat(t.putIfAbsent(d, 4)).isEqualTo(SessionHashTable.INSERTED);
        assertThat(entries(t)).extracting(Map.Entry::getKey).as("d reused a's slot (the first)")
                .containsExactly(new Words(d), new Words(b), new Words(c));
        assertThat(t.slots()).isEqualTo(SessionHashTable.SLOTS_PER_BUCKET);
    }

    /** Many remove/insert cycles in a full one-bucket table: tombstones never exhaust it. */
    @ParameterizedTest(name = "{0}-word keys")
    @ValueSource(ints = {SessionKeys.IP4_WORDS, SessionKeys.IP6_WORDS})
    void churnInATinyFullTableNeverRunsOutOfSlots(int keyWords) {
        SessionHashTable t = new SessionHashTable(keyWords, 3, 3);
        long next = 0;
        long[][] live = new long[3][];
        long[] liveValue = new long[3];
        for (int i = 0; i < 3; i++) {
            live[i] = key(keyWords, next);
            liveValue[i] = value(next);
            assertThat(t.putIfAbsent(live[i], liveValue[i])).isEqualTo(SessionHashTable.INSERTED);
            next++;
        }
        for (int cycle = 0; cycle < 20_000; cycle++) {
            int victim = cycle % 3;
            int full = t.putIfAbsent(key(keyWords, next), 1);
            if (full != SessionHashTable.FULL) {
                fail("cycle %d: put into a full table returned %d, expected FULL (2)", cycle, full);
            }
            long got = t.remove(live[victim]);
            if (got != liveValue[victim]) {
                fail("cycle %d: remove of live key %s returned %s, expected %s", cycle, hex(live[victim]), got, liveValue[victim]);
            }
            live[victim] = key(keyWords, next);
            liveValue[victim] = value(next);
            int r = t.putIfAbsent(live[victim], liveValue[victim]);
            if (r != SessionHashTable.INSERTED) {
                fail("cycle %d: put after a removal returned %d, expected INSERTED (0)", cycle, r);
            }
            next++;
            for (int i = 0; i < 3; i++) {
                if (get(t, live[i]) != liveValue[i]) {
                    fail("cycle %d: live key %s has %s, expected %s", cycle, hex(live[i]), get(t, live[i]), liveValue[i]);
                }
            }
        }
        assertThat(t.size()).isEqualTo(3);
        assertThat(t.slots()).as("the table stays one bucket").isEqualTo(SessionHashTable.SLOTS_PER_BUCKET);
    }

    // ---------------------------------------------------------------- growth and bound

    /**
     * A table grown from the default 1024 entries doubles at 50% load while it has fewer than
     * {@link SessionHashTable#SMALL_BUCKETS} buckets and at 80% from there on, so its bucket counts
     * stay 256 &times; 2<sup>k</sup>: 1024 entries end in 512 buckets (40% load), 65,536 in 16,384
     * (80%), and a million in 2<sup>18</sup> (80%: the memory figure at 1M is unchanged).
     */
    @Test
    void smallTablesGrowAtHalfLoadLargeOnesAtEightyPercent() {
        assertThat(SessionHashTable.SMALL_BUCKETS).as("the small-table bound is a power of two").isEqualTo(1 << 14);
        SessionHashTable t = new SessionHashTable(SessionKeys.IP4_WORDS, 1024, 1 << 22);
        int per = SessionHashTable.SLOTS_PER_BUCKET;
        assertThat(t.slots()).as("slots of a table sized for 1024 entries").isEqualTo(256 * per);
        int i = 0;
        for (; i < 640; i++) {
            t.putIfAbsent(key(SessionKeys.IP4_WORDS, i), value(i));
        }
        assertThat(t.slots()).as("256 buckets hold 640 entries (50%) without growing").isEqualTo(256 * per);
        t.putIfAbsent(key(SessionKeys.IP4_WORDS, i), value(i++));
        assertThat(t.slots()).as("the 641st entry passes 50% of 256 buckets: doubled").isEqualTo(512 * per);
        for (; i < 1024; i++) {
            t.putIfAbsent(key(SessionKeys.IP4_WORDS, i), value(i));
        }
        assertThat(t.slots()).as("1024 entries: 512 buckets, 40% load").isEqualTo(512 * per);
        for (; i < 20_480; i++) {
            t.putIfAbsent(key(SessionKeys.IP4_WORDS, i), value(i));
        }
        assertThat(t.slots()).as("20,480 entries: 8192 buckets at 50%").isEqualTo(8192 * per);
        t.putIfAbsent(key(SessionKeys.IP4_WORDS, i), value(i++));
        assertThat(t.slots()).as("past 50% of 8192 buckets: 16,384 buckets, no longer small").isEqualTo(16_384 * per);
        for (; i < 65_536; i++) {
            t.putIfAbsent(key(SessionKeys.IP4_WORDS, i), value(i));
        }
        assertThat(t.slots()).as("65,536 entries fill 16,384 buckets to 80% without growing").isEqualTo(16_384 * per);
        t.putIfAbsent(key(SessionKeys.IP4_WORDS, i), value(i++));
        assertThat(t.slots()).as("past 80% of 16,384 buckets: doubled").isEqualTo(32_768 * per);
        assertThat(t.size()).isEqualTo(i);
        for (int j = 0; j < i; j += 61) {
            assertThat(get(t, key(SessionKeys.IP4_WORDS, j))).as("key #%d after the doublings", j).isEqualTo(value(j));
        }
        assertThat(t.checkPassingMarks()).as("passing marks after growth").isNull();
    }

    @ParameterizedTest(name = "{0}-word keys")
    @ValueSource(ints = {SessionKeys.IP4_WORDS, SessionKeys.IP6_WORDS})
    void growthFromCapacityOneKeepsEveryEntry(int keyWords) {
        int n = 100_000;
        SessionHashTable t = new SessionHashTable(keyWords, 1, 1 << 20);
        int initialSlots = t.slots();
        for (int i = 0; i < n; i++) {
            int r = t.putIfAbsent(key(keyWords, i), value(i));
            if (r != SessionHashTable.INSERTED) {
                fail("put #%d of %d distinct keys returned %d, expected INSERTED (0)", i, n, r);
            }
            if ((i & (i + 1)) == 0) { // after 1, 3, 7, 15, ... entries: everything so far still there
                for (int j = 0; j <= i; j++) {
                    if (get(t, key(keyWords, j)) != value(j)) {
                        fail("after %d puts (slots now %d), key #%d has %s, expected %s", i + 1, t.slots(), j,
                                get(t, key(keyWords, j)), value(j));
                    }
                }
            }
        }
        assertThat(t.size()).isEqualTo(n);
        assertThat(t.slots()).as("slots after growth from %d", initialSlots)
                .isGreaterThan(initialSlots).isGreaterThanOrEqualTo(n * 100 / SessionHashTable.MAX_LOAD_PERCENT);
        for (int i = 0; i < n; i++) {
            if (get(t, key(keyWords, i)) != value(i)) {
                fail("after growth, key #%d has %s, expected %s", i, get(t, key(keyWords, i)), value(i));
            }
        }
        Map<Words, Long> all = contents(t);
        assertThat(all).as("forEach after growth").hasSize(n);
        for (int i = 0; i < n; i += 997) {
            assertThat(all).containsEntry(new Words(key(keyWords, i)), value(i));
        }
    }

    @ParameterizedTest(name = "{0}-word keys")
    @ValueSource(ints = {SessionKeys.IP4_WORDS, SessionKeys.IP6_WORDS})
    void fullExactlyAtMaxEntriesAndNothingChanges(int keyWords) {
        int max = 1000;
        SessionHashTable t = new SessionHashTable(keyWords, 1, max);
        for (int i = 0; i < max; i++) {
            assertThat(t.putIfAbsent(key(keyWords, i), value(i))).as("put #%d of %d (below the bound)", i, max)
                    .isEqualTo(SessionHashTable.INSERTED);
        }
        Map<Words, Long> atBound = contents(t);
        int slotsAtBound = t.slots();
        long footprintAtBound = t.footprintBytes();
        long[] extra = key(keyWords, max);
        assertThat(t.putIfAbsent(extra, 1)).as("put #%d beyond maxEntries %d", max, max).isEqualTo(SessionHashTable.FULL);
        assertThat(t.putIfAbsent(key(keyWords, 3), 1)).as("put of a present key at the bound").isEqualTo(SessionHashTable.EXISTS);
        assertThat(t.size()).as("size after FULL").isEqualTo(max);
        assertThat(get(t, extra)).as("the refused key").isEqualTo(INVALID);
        assertThat(t.slots()).as("FULL does not grow the table").isEqualTo(slotsAtBound);
        assertThat(t.footprintBytes()).isEqualTo(footprintAtBound);
        assertThat(contents(t)).as("contents after FULL").isEqualTo(atBound);

        // free room, refill to the bound with new keys, many times (tombstones pile up, rehash in place)
        SplittableRandom r = new SplittableRandom(12345);
        long next = max + 1;
        List<Long> present = new ArrayList<>();
        for (long i = 0; i < max; i++) {
            present.add(i);
        }
        for (int round = 0; round < 30; round++) {
            int free = 1 + r.nextInt(max / 2);
            for (int i = 0; i < free; i++) {
                long victim = present.remove(r.nextInt(present.size()));
                assertThat(t.remove(key(keyWords, victim))).isEqualTo(value(victim));
            }
            for (int i = 0; i < free; i++) {
                assertThat(t.putIfAbsent(key(keyWords, next), value(next)))
                        .as("round %d: put %d of %d into room made by removals", round, i, free)
                        .isEqualTo(SessionHashTable.INSERTED);
                present.add(next++);
            }
            assertThat(t.putIfAbsent(key(keyWords, next), 1)).as("round %d: the bound again", round)
                    .isEqualTo(SessionHashTable.FULL);
            assertThat(t.size()).isEqualTo(max);
        }
        assertThat(t.slots()).as("the table never grows past the size for maxEntries").isEqualTo(slotsAtBound);
        for (long n : present) {
            assertThat(get(t, key(keyWords, n))).as("key #%d after refills", n).isEqualTo(value(n));
        }
        assertThat(contents(t)).hasSize(max);
    }

    @Test
    void footprintOfOneMillionIp4EntriesIsAtMost32AndAHalfBytesEach() {
        int n = 1_000_000;
        SessionHashTable t = new SessionHashTable(SessionKeys.IP4_WORDS, n, n);
        long before = t.footprintBytes();
        long[] k = new long[SessionKeys.IP4_WORDS];
        for (int i = 0; i < n; i++) {
            SessionKeys.ip4(k, TCP, 0x0A00_0000 + i, 80, 0xC0A8_0000 + i * 7, 1024 + i % 60_000);
            int r = t.putIfAbsent(k, i);
            if (r != SessionHashTable.INSERTED) {
                fail("put #%d returned %d", i, r);
            }
        }
        assertThat(t.size()).isEqualTo(n);
        assertThat(t.footprintBytes()).as("sized for %d entries up front: no growth while filling", n).isEqualTo(before);
        double perEntry = (double) t.footprintBytes() / n;
        assertThat(perEntry).as("bytes per IPv4 entry (128-byte buckets of 5 slots at 80%% load: 32 bytes, plus the "
                + "writers' 2-byte count per bucket and the alignment pad); footprint %d bytes", t.footprintBytes())
                .isLessThanOrEqualTo(32.501);
        SessionKeys.ip4(k, TCP, 0x0A00_0000 + 123_456, 80, 0xC0A8_0000 + 123_456 * 7, 1024 + 123_456 % 60_000);
        assertThat(t.get(k)).isEqualTo(123_456);
    }

    /**
     * The sixth word of an IPv6 key is padding (VPP's {@code session_kv6_t} pads to 48 bytes), so
     * the table does not store it: a put or remove of a key whose padding is not 0 is refused with
     * a message saying so, a lookup of one misses, and every entry visited has 0 there.
     */
    @Test
    void ip6PaddingWordIsNotStoredAndMustBeZero() {
        SessionHashTable t = new SessionHashTable(SessionKeys.IP6_WORDS, 16, 64);
        long[] k = key6(7);
        assertThat(t.putIfAbsent(k, 77)).isEqualTo(SessionHashTable.INSERTED);
        long[] padded = k.clone();
        padded[5] = 1;
        assertThatThrownBy(() -> t.putIfAbsent(padded, 1)).as("put of a key with padding 1")
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("padding").hasMessageContaining("must be 0");
        assertThatThrownBy(() -> t.remove(padded)).as("remove of a key with padding 1")
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("padding");
        assertThat(t.get(padded)).as("lookup of the stored key's words with padding 1").isEqualTo(INVALID);
        assertThat(t.get(k)).as("the stored key").isEqualTo(77);
        assertThat(t.size()).isEqualTo(1);
        List<long[]> keys = new ArrayList<>();
        t.forEach((key, v) -> keys.add(key));
        assertThat(keys).hasSize(1);
        assertThat(keys.get(0)).as("the visited key, padding word included").containsExactly(k);
    }

    @Test
    void footprintOfOneMillionIp6EntriesIsAtMost62AndAHalfBytesEach() {
        int n = 1_000_000;
        SessionHashTable t = new SessionHashTable(SessionKeys.IP6_WORDS, n, n);
        long before = t.footprintBytes();
        for (int i = 0; i < n; i++) {
            int r = t.putIfAbsent(key6(i), i);
            if (r != SessionHashTable.INSERTED) {
                fail("put #%d returned %d", i, r);
            }
        }
        assertThat(t.footprintBytes()).as("sized for %d entries up front: no growth while filling", n).isEqualTo(before);
        double perEntry = (double) t.footprintBytes() / n;
        assertThat(perEntry).as("bytes per IPv6 entry (248-byte buckets of 5 slots of 6 words at 80%% load, plus the "
                + "writers' 2-byte count per bucket); footprint %d bytes", t.footprintBytes())
                .isLessThanOrEqualTo(62.501);
        assertThat(t.get(key6(654_321))).isEqualTo(654_321);
    }

    @ParameterizedTest(name = "{0}-word keys")
    @ValueSource(ints = {SessionKeys.IP4_WORDS, SessionKeys.IP6_WORDS})
    void forEachVisitsExactlyTheLiveEntries(int keyWords) {
        SessionHashTable t = new SessionHashTable(keyWords, 4, 10_000);
        assertThat(entries(t)).as("forEach of an empty table").isEmpty();
        Map<Words, Long> expected = new HashMap<>();
        for (int i = 0; i < 3000; i++) {
            t.putIfAbsent(key(keyWords, i), value(i));
            expected.put(new Words(key(keyWords, i)), value(i));
        }
        for (int i = 0; i < 3000; i += 3) {
            t.remove(key(keyWords, i));
            expected.remove(new Words(key(keyWords, i)));
        }
        assertThat(contents(t)).as("forEach after 3000 puts and 1000 removals").isEqualTo(expected);
        // the key passed to the visitor is a copy: changing it does not change the table
        t.forEach((k, v) -> Arrays.fill(k, 0));
        assertThat(contents(t)).as("forEach after a visitor scribbled on its key arrays").isEqualTo(expected);
    }

    // ---------------------------------------------------------------- differential

    @ParameterizedTest(name = "{0}-word keys")
    @ValueSource(ints = {SessionKeys.IP4_WORDS, SessionKeys.IP6_WORDS})
    void randomOperationsMatchHashMap(int keyWords) {
        long seed = seed();
        String hint = seedHint(seed);
        SplittableRandom r = new SplittableRandom(seed);
        int ops = 300_000;
        // phase by phase: bound, key space and initial capacity vary, so FULL, growth, in-place
        // rehash and tombstone reuse all happen
        int[][] phases = {{1, 500, 1_500}, {64, 5_000, 20_000}, {1, 20_000, 10_000}, {3, 3, 12}};
        int op = 0;
        for (int[] phase : phases) {
            int initial = phase[0];
            int max = phase[1];
            int keySpace = phase[2];
            SessionHashTable t = new SessionHashTable(keyWords, initial, max);
            Map<Words, Long> model = new HashMap<>();
            long[][] keys = distinctKeys(keyWords, keySpace, r);
            int phaseOps = ops / phases.length;
            for (int i = 0; i < phaseOps; i++, op++) {
                long[] k = keys[r.nextInt(keySpace)];
                Words w = new Words(k);
                Long old = model.get(w);
                final int at = op;
                Supplier<String> context = () -> where(at, max, keySpace, w, hint);
                int kind = r.nextInt(100);
                if (kind < 40) {
                    long v = r.nextLong() >>> 1;
                    int want = old != null ? SessionHashTable.EXISTS
                            : model.size() >= max ? SessionHashTable.FULL : SessionHashTable.INSERTED;
                    int got = t.putIfAbsent(k, v);
                    if (got != want) {
                        fail("putIfAbsent returned %d, expected %d (size %d): %s", got, want, model.size(), context.get());
                    }
                    if (want == SessionHashTable.INSERTED) {
                        model.put(w, v);
                    }
                } else if (kind < 60) {
                    long got = t.remove(k);
                    long want = old == null ? INVALID : old;
                    if (got != want) {
                        fail("remove returned %s, expected %s: %s", got, want, context.get());
                    }
                    model.remove(w);
                } else if (kind < 70) {
                    long expected = old != null && r.nextBoolean() ? old : r.nextLong() >>> 1;
                    boolean want = old != null && old == expected;
                    boolean got = t.remove(k, expected);
                    if (got != want) {
                        fail("remove(key, %s) returned %s, expected %s (stored %s): %s", expected, got, want, old, context.get());
                    }
                    if (want) {
                        model.remove(w);
                    }
                } else {
                    checkGet(t, k, old, context);
                }
                checkModel(t, model, i % 20_000 == 0 || i == phaseOps - 1, op, hint, context);
            }
            for (long[] k : keys) {
                Long want = model.get(new Words(k));
                assertThat(get(t, k)).as("final get of %s, %s", hex(k), hint).isEqualTo(want == null ? INVALID : want);
            }
        }
    }

    @ParameterizedTest(name = "{0}-word keys")
    @ValueSource(ints = {SessionKeys.IP4_WORDS, SessionKeys.IP6_WORDS})
    void entryReferencesRemoveExactlyWhatRemoveWould(int keyWords) {
        long seed = seed();
        String hint = seedHint(seed);
        SplittableRandom r = new SplittableRandom(seed);
        // small tables and dense key spaces: keys placed past their home bucket, growth (which
        // makes earlier references stale), slots freed and reused under other keys
        int[][] phases = {{1, 400, 1_000}, {16, 3_000, 4_000}, {3, 3, 12}, {1, 20_000, 25_000}};
        int op = 0;
        int viaReference = 0;
        // putIfAbsentAt's two paths: the inline one (home bucket) and the general one (displaced)
        int home = 0;
        int displaced = 0;
        for (int[] phase : phases) {
            int max = phase[1];
            int keySpace = phase[2];
            SessionHashTable t = new SessionHashTable(keyWords, phase[0], max);
            Map<Words, Long> model = new HashMap<>();
            Map<Words, Long> refs = new HashMap<>();
            long[][] keys = distinctKeys(keyWords, keySpace, r);
            for (int i = 0; i < 60_000; i++, op++) {
                long[] k = keys[r.nextInt(keySpace)];
                Words w = new Words(k);
                Long old = model.get(w);
                final int at = op;
                Supplier<String> context = () -> where(at, max, keySpace, w, hint);
                int kind = r.nextInt(100);
                if (kind < 45) {
                    long v = r.nextLong() >>> 1;
                    long want = old != null ? -SessionHashTable.EXISTS : model.size() >= max ? -SessionHashTable.FULL : 0;
                    long ref = t.putIfAbsentAt(k, v);
                    if (want < 0 ? ref != want : ref < 0) {
                        fail("putIfAbsentAt returned %s, expected %s (size %d): %s", ref, want < 0 ? want : ">= 0",
                                model.size(), context.get());
                    }
                    if (ref >= 0) {
                        if ((ref & 0x8000_0000L) == 0) {
                            home++;
                        } else {
                            displaced++;
                        }
                        if (t.valueAt(ref) != v) {
                            fail("reference %s of a new entry names value %s, not %s: %s", Long.toHexString(ref),
                                    t.valueAt(ref), v, context.get());
                        }
                        model.put(w, v);
                        refs.put(w, ref);
                    }
                } else if (kind < 85) {
                    // its own reference (perhaps stale), another key's, or garbage; the right
                    // value or a wrong one
                    Long own = refs.get(w);
                    int pick = r.nextInt(10);
                    long ref = pick < 7 && own != null ? own
                            : pick < 9 && !refs.isEmpty() ? refs.values().iterator().next() : r.nextLong();
                    long expected = old != null && r.nextInt(5) > 0 ? old : r.nextLong() >>> 1;
                    boolean want = old != null && old == expected;
                    if (want && own != null && ref == own && t.valueAt(ref) == old) {
                        viaReference++;
                    }
                    boolean got = t.removeAt(ref, k, expected);
                    if (got != want) {
                        fail("removeAt(%s, key, %s) returned %s, expected %s (stored %s): %s", Long.toHexString(ref), expected,
                                got, want, old, context.get());
                    }
                    if (want) {
                        model.remove(w);
                        refs.remove(w);
                    }
                } else {
                    checkGet(t, k, old, context);
                }
                checkModel(t, model, i % 10_000 == 0, op, hint, context);
            }
            assertThat(contents(t)).as("forEach vs model at the end of a phase, %s", hint).isEqualTo(model);
            assertThat(t.checkPassingMarks()).as("passing counts and filters at the end of a phase, %s", hint).isNull();
        }
        assertThat(viaReference).as("removals whose reference still named their entry, %s", hint).isGreaterThan(10_000);
        assertThat(home).as("entries put in their home bucket, %s", hint).isGreaterThan(10_000);
        assertThat(displaced).as("entries put past their home bucket, %s", hint).isGreaterThan(100);
    }

    /**
     * {@code get(k0, k1)} reads a bucket's slot lines early only in tables of at least
     * {@link SessionHashTable#SMALL_BUCKETS} buckets; below that it goes straight to the slot the
     * header names. Both sides of that bound, filled to 80% (so that many keys live past their home
     * bucket and take the general path), must answer every present key with its value and every
     * absent key with INVALID, as {@code get(long[])} does.
     */
    @ParameterizedTest(name = "{0} entries")
    @ValueSource(ints = {1_000, 70_000})
    void ip4LookupsAnswerTheSameBelowAndAboveTheSmallTableBound(int entries) {
        SessionHashTable t = new SessionHashTable(SessionKeys.IP4_WORDS, entries, entries);
        boolean small = entries < 10_000;
        assertThat(t.buckets() < SessionHashTable.SMALL_BUCKETS)
                .as("%d buckets for %d entries, against the bound of %d", t.buckets(), entries, SessionHashTable.SMALL_BUCKETS)
                .isEqualTo(small);
        for (int n = 0; n < entries; n++) {
            assertThat(t.putIfAbsent(key4(n), value(n))).as("put of key #%d", n).isEqualTo(SessionHashTable.INSERTED);
        }
        assertThat(t.size() * 100L / t.slots()).as("load in percent").isEqualTo(80);
        for (int n = 0; n < entries; n++) {
            long[] k = key4(n);
            long got = t.get(k[0], k[1]);
            if (got != value(n)) {
                fail("get(k0, k1) of present key #%d returned %s, expected %s (%d buckets)", n, got, value(n), t.buckets());
            }
            assertThat(t.get(k)).as("get(long[]) of present key #%d", n).isEqualTo(value(n));
        }
        for (int n = entries; n < 2 * entries; n++) {
            long[] k = key4(n);
            long got = t.get(k[0], k[1]);
            if (got != INVALID) {
                fail("get(k0, k1) of absent key #%d returned %s, expected INVALID (%d buckets)", n, got, t.buckets());
            }
        }
    }

    /** {@code count} distinct random keys of {@code keyWords} words. */
    private static long[][] distinctKeys(int keyWords, int count, SplittableRandom r) {
        long[][] keys = new long[count][];
        Set<Words> distinct = new HashSet<>();
        for (int i = 0; i < count; i++) {
            long[] k;
            do {
                k = randomKey(keyWords, r);
            } while (!distinct.add(new Words(k)));
            keys[i] = k;
        }
        return keys;
    }

    /** A get of {@code k} answers what the model holds for it ({@code old}; null: absent). */
    private static void checkGet(SessionHashTable t, long[] k, Long old, Supplier<String> context) {
        long got = get(t, k);
        long want = old == null ? INVALID : old;
        if (got != want) {
            fail("get returned %s, expected %s: %s", got, want, context.get());
        }
    }

    /**
     * After an operation: the table's size is the model's; with {@code full}, its whole contents
     * (by {@code forEach}) and its passing counts and filters are checked too.
     */
    private static void checkModel(SessionHashTable t, Map<Words, Long> model, boolean full, int op, String hint,
                                   Supplier<String> context) {
        if (t.size() != model.size()) {
            fail("size %d, expected %d after %s", t.size(), model.size(), context.get());
        }
        if (full) {
            assertThat(contents(t)).as("forEach vs model after op %d, %s", op, hint).isEqualTo(model);
            assertThat(t.checkPassingMarks()).as("passing counts and filters after op %d, %s", op, hint).isNull();
        }
    }

    private static String where(int op, int max, int keySpace, Words key, String hint) {
        return "op " + op + " (phase maxEntries " + max + ", " + keySpace + " keys), key " + key + ", " + hint;
    }
}
