package dev.hoststack.session.table;

import static com.google.common.base.Preconditions.checkArgument;

import dev.hoststack.api.SessionHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * A hash table from fixed-width primitive keys (2 words for IPv4, 6 for IPv6) to {@code long}
 * values, held in one {@code long[]}: VPP's bihash idea in Java, without an object per entry.
 *
 * <h2>Layout</h2>
 * The array is cut into buckets of {@value #SLOTS_PER_BUCKET} slots. A bucket is one header word
 * (a sequence number and an <em>overflowed</em> bit) followed by its slots; a slot is the key words
 * followed by the value. A key hashes to a home bucket (by multiply-shift, so the bucket count need
 * not be a power of two) and is stored in any free slot of it; only when the home bucket is full
 * does it go to the next bucket with a free slot, and every bucket passed on the way is marked
 * overflowed (as VPP's bihash notes a bucket that spilled). A lookup scans its home bucket and goes
 * on only past buckets marked overflowed, so a miss usually costs one bucket. The key's
 * <em>marker word</em> (the one holding proto and ports, see {@link SessionKeys}) is never 0 for a
 * real key; 0 marks a free slot. A removal frees its slot at once: there are no tombstones, so a
 * table with connections coming and going does not fill up with them. Overflow marks are cleared
 * only by a rehash, which happens when the table grows or when more than half the buckets (and
 * twice as many as right after the last rehash) are marked.
 *
 * <h2>Threading</h2>
 * <ul>
 *   <li>Readers ({@link #get(long[])}, {@link #get(long, long)}) take no lock and do not
 *       allocate. They read a bucket optimistically between two reads of its sequence number
 *       (a seqlock, as {@link java.util.concurrent.locks.StampedLock#tryOptimisticRead} does) and
 *       retry the bucket if a writer was inside it. A reader therefore never sees a torn entry;
 *       it may see an entry removed after the read began, which callers validate.</li>
 *   <li>Writers ({@link #putIfAbsent}, {@link #remove}) may come from any thread and are
 *       serialised by one lock per table. A writer makes a bucket's sequence number odd, changes
 *       the bucket, and makes it even again. A key placed past its home bucket is written only
 *       after the buckets between are marked, so a reader that could find it finds the way.</li>
 *   <li>A rehash copies the live entries into a new array and publishes it with a volatile write;
 *       readers still on the old array see a consistent older state.</li>
 * </ul>
 *
 * <h2>Bounds</h2>
 * The table never holds more than {@code maxEntries} entries: {@link #putIfAbsent} answers
 * {@link #FULL} instead. It grows by doubling from its initial size up to the size that holds
 * {@code maxEntries} at a load of at most {@value #MAX_LOAD_PERCENT}%.
 */
public final class SessionHashTable {

    /** Slots per bucket. */
    public static final int SLOTS_PER_BUCKET = 4;
    /** The highest load (live entries over slots), in percent, before the table grows. */
    public static final int MAX_LOAD_PERCENT = 80;

    /** {@link #putIfAbsent} result: the entry was added. */
    public static final int INSERTED = 0;
    /** {@link #putIfAbsent} result: the key was present; nothing changed. */
    public static final int EXISTS = 1;
    /** {@link #putIfAbsent} result: the table holds {@code maxEntries} entries; nothing changed. */
    public static final int FULL = 2;

    private static final long FREE = 0L;
    /** Set in a bucket's header once a key had to be placed past the bucket. */
    private static final long OVERFLOWED = 1L << 62;
    private static final VarHandle WORDS = MethodHandles.arrayElementVarHandle(long[].class);

    private static final long C1 = 0x9E37_79B9_7F4A_7C15L;
    private static final long C2 = 0xC2B2_AE3D_27D4_EB4FL;

    private final int keyWords;
    private final int marker;
    private final int slotWords;
    private final int bucketWords;
    private final int maxEntries;
    private final int maxBuckets;
    private final Object writeLock = new Object();

    private volatile Storage storage;
    private volatile int size;
    /** Buckets marked overflowed in the current storage, guarded by writeLock. */
    private int overflowed;
    /** How many were marked right after the last rehash (the floor a rebuild can reach). */
    private int overflowedAfterRehash;

    /** One published array and its geometry; changed after publication only by writers under the lock. */
    private static final class Storage {
        final long[] words;
        final int buckets;
        final int threshold;

        Storage(int buckets, int bucketWords) {
            this.buckets = buckets;
            this.words = new long[Math.multiplyExact(buckets, bucketWords)];
            this.threshold = (int) ((long) buckets * SLOTS_PER_BUCKET * MAX_LOAD_PERCENT / 100);
        }
    }

    /**
     * @param keyWords        {@link SessionKeys#IP4_WORDS} or {@link SessionKeys#IP6_WORDS}
     * @param initialCapacity entries to size for at first (at least 1)
     * @param maxEntries      the bound on entries, at least {@code initialCapacity}
     */
    public SessionHashTable(int keyWords, int initialCapacity, int maxEntries) {
        checkArgument(keyWords == SessionKeys.IP4_WORDS || keyWords == SessionKeys.IP6_WORDS,
                "keyWords must be %s or %s, not %s", SessionKeys.IP4_WORDS, SessionKeys.IP6_WORDS, keyWords);
        checkArgument(initialCapacity >= 1, "initialCapacity %s < 1", initialCapacity);
        checkArgument(maxEntries >= initialCapacity, "maxEntries %s < initialCapacity %s", maxEntries, initialCapacity);
        this.keyWords = keyWords;
        this.marker = keyWords == SessionKeys.IP4_WORDS ? SessionKeys.IP4_MARKER : SessionKeys.IP6_MARKER;
        this.slotWords = keyWords + 1;
        this.bucketWords = 1 + SLOTS_PER_BUCKET * slotWords;
        this.maxEntries = maxEntries;
        this.maxBuckets = bucketsFor(maxEntries);
        checkArgument((long) maxBuckets * bucketWords < Integer.MAX_VALUE - 16,
                "maxEntries %s needs more than one Java array", maxEntries);
        this.storage = new Storage(bucketsFor(initialCapacity), bucketWords);
    }

    private static int bucketsFor(int entries) {
        long slots = ((long) entries * 100 + MAX_LOAD_PERCENT - 1) / MAX_LOAD_PERCENT;
        return (int) Math.max(1, (slots + SLOTS_PER_BUCKET - 1) / SLOTS_PER_BUCKET);
    }

    /** Key words per entry. */
    public int keyWords() {
        return keyWords;
    }

    /** Live entries. */
    public int size() {
        return size;
    }

    /** The bound on live entries. */
    public int maxEntries() {
        return maxEntries;
    }

    /** Bytes of the current array (the table's memory apart from a few object headers). */
    public long footprintBytes() {
        return (long) storage.words.length * Long.BYTES;
    }

    /** Slots of the current array. */
    public int slots() {
        return storage.buckets * SLOTS_PER_BUCKET;
    }

    // ---------------------------------------------------------------- hashing

    /** The hash of a 2-word key: multiply-xor, its high half folded in. */
    static long hash2(long k0, long k1) {
        long h = k0 * C1 ^ k1 * C2;
        return h ^ h >>> 32;
    }

    private long hash(long[] key) {
        return hashAt(key, 0);
    }

    /** The hash of the key stored at {@code w[p..p+keyWords)}. */
    private long hashAt(long[] w, int p) {
        if (keyWords == SessionKeys.IP4_WORDS) {
            return hash2(w[p], w[p + 1]);
        }
        long h = 0;
        for (int i = 0; i < keyWords; i++) {
            h = Long.rotateLeft(h ^ w[p + i] * C1, 29) * C2;
        }
        return h ^ h >>> 32;
    }

    private static int bucketOf(long hash, int buckets) {
        return (int) (((hash >>> 32) * buckets) >>> 32);
    }

    // ---------------------------------------------------------------- reads

    /**
     * The value stored under an IPv4 key, or {@link SessionHandle#INVALID}. Lock-free and
     * allocation-free; only for tables of {@link SessionKeys#IP4_WORDS}-word keys.
     */
    public long get(long k0, long k1) {
        if (k1 == FREE) {
            return SessionHandle.INVALID;
        }
        final Storage s = storage;
        final long[] w = s.words;
        final int buckets = s.buckets;
        int b = bucketOf(hash2(k0, k1), buckets);
        for (int probed = 0; probed < buckets; ) {
            final int base = b * bucketWords;
            final long v1 = (long) WORDS.getAcquire(w, base);
            if ((v1 & 1) != 0) {
                Thread.onSpinWait();
                continue;
            }
            long found = SessionHandle.INVALID;
            for (int p = base + 1, i = 0; i < SLOTS_PER_BUCKET; i++, p += 3) {
                if (w[p + 1] == k1 && w[p] == k0) {
                    found = w[p + 2];
                    break;
                }
            }
            VarHandle.acquireFence();
            if ((long) WORDS.getOpaque(w, base) != v1) {
                continue;
            }
            if (found != SessionHandle.INVALID || (v1 & OVERFLOWED) == 0) {
                return found;
            }
            b = b + 1 == buckets ? 0 : b + 1;
            probed++;
        }
        return SessionHandle.INVALID;
    }

    /**
     * The value stored under {@code key} (its first {@link #keyWords()} words), or
     * {@link SessionHandle#INVALID}. Lock-free and allocation-free.
     */
    public long get(long[] key) {
        if (keyWords == SessionKeys.IP4_WORDS) {
            return get(key[0], key[1]);
        }
        final long km = key[marker];
        if (km == FREE) {
            return SessionHandle.INVALID;
        }
        final Storage s = storage;
        final long[] w = s.words;
        final int buckets = s.buckets;
        int b = bucketOf(hash(key), buckets);
        for (int probed = 0; probed < buckets; ) {
            final int base = b * bucketWords;
            final long v1 = (long) WORDS.getAcquire(w, base);
            if ((v1 & 1) != 0) {
                Thread.onSpinWait();
                continue;
            }
            long found = SessionHandle.INVALID;
            for (int p = base + 1, i = 0; i < SLOTS_PER_BUCKET; i++, p += slotWords) {
                if (w[p + marker] == km && keyEquals(w, p, key)) {
                    found = w[p + keyWords];
                    break;
                }
            }
            VarHandle.acquireFence();
            if ((long) WORDS.getOpaque(w, base) != v1) {
                continue;
            }
            if (found != SessionHandle.INVALID || (v1 & OVERFLOWED) == 0) {
                return found;
            }
            b = b + 1 == buckets ? 0 : b + 1;
            probed++;
        }
        return SessionHandle.INVALID;
    }

    private boolean keyEquals(long[] w, int p, long[] key) {
        for (int i = 0; i < keyWords; i++) {
            if (w[p + i] != key[i]) {
                return false;
            }
        }
        return true;
    }

    // ---------------------------------------------------------------- writes

    /**
     * Adds {@code key -> value} unless the key is present or the table is full. The value may be
     * anything but {@link SessionHandle#INVALID}, which lookups return for "absent". Any thread;
     * serialised with other writers. Allocation-free except when the table is rehashed.
     *
     * @return {@link #INSERTED}, {@link #EXISTS} or {@link #FULL}
     */
    public int putIfAbsent(long[] key, long value) {
        checkKey(key);
        checkArgument(value != SessionHandle.INVALID, "INVALID (-1) is not a value: it means 'absent'");
        synchronized (writeLock) {
            if (find(storage, key) >= 0) {
                return EXISTS;
            }
            if (size >= maxEntries) {
                return FULL;
            }
            Storage s = storage;
            if (size + 1 > s.threshold || overflowed > Math.max(s.buckets / 2, 2 * overflowedAfterRehash)) {
                s = rehash(s);
            }
            final long[] w = s.words;
            final int home = bucketOf(hash(key), s.buckets);
            int b = home;
            int free = -1;
            for (int probed = 0; probed < s.buckets && free < 0; probed++) {
                free = firstFree(w, b * bucketWords);
                if (free < 0) {
                    b = b + 1 == s.buckets ? 0 : b + 1;
                }
            }
            if (free < 0) {
                throw new IllegalStateException("no free slot below the load threshold: a bug");
            }
            markOverflowed(w, home, b, s.buckets);
            final int base = b * bucketWords;
            beginWrite(w, base);
            System.arraycopy(key, 0, w, free, keyWords);
            w[free + keyWords] = value;
            endWrite(w, base);
            size = size + 1;
            return INSERTED;
        }
    }

    /** Where {@code key} is in {@code s} (the slot's first word), or -1. Writers only. */
    private int find(Storage s, long[] key) {
        final long[] w = s.words;
        int b = bucketOf(hash(key), s.buckets);
        for (int probed = 0; probed < s.buckets; probed++) {
            final int base = b * bucketWords;
            for (int p = base + 1, i = 0; i < SLOTS_PER_BUCKET; i++, p += slotWords) {
                if (w[p + marker] == key[marker] && keyEquals(w, p, key)) {
                    return p;
                }
            }
            if ((w[base] & OVERFLOWED) == 0) {
                return -1;
            }
            b = b + 1 == s.buckets ? 0 : b + 1;
        }
        return -1;
    }

    /** The first free slot of a bucket, or -1. */
    private int firstFree(long[] w, int base) {
        for (int p = base + 1, i = 0; i < SLOTS_PER_BUCKET; i++, p += slotWords) {
            if (w[p + marker] == FREE) {
                return p;
            }
        }
        return -1;
    }

    /**
     * Marks every bucket from {@code from} up to, not including, {@code to} (wrapping) as
     * overflowed, each under its sequence number so that readers see the change.
     */
    private void markOverflowed(long[] w, int from, int to, int buckets) {
        for (int b = from; b != to; b = b + 1 == buckets ? 0 : b + 1) {
            final int base = b * bucketWords;
            if ((w[base] & OVERFLOWED) == 0) {
                beginWrite(w, base);
                WORDS.setOpaque(w, base, w[base] | OVERFLOWED);
                endWrite(w, base);
                overflowed++;
            }
        }
    }

    /**
     * Removes {@code key}. Any thread; serialised with other writers. Allocation-free.
     *
     * @return the value it had, or {@link SessionHandle#INVALID} if absent
     */
    public long remove(long[] key) {
        return removeIf(key, false, 0);
    }

    /**
     * Removes {@code key} only if it maps to {@code expected}.
     *
     * @return whether it was removed
     */
    public boolean remove(long[] key, long expected) {
        return removeIf(key, true, expected) != SessionHandle.INVALID;
    }

    private long removeIf(long[] key, boolean checkValue, long expected) {
        checkKey(key);
        synchronized (writeLock) {
            final Storage s = storage;
            final long[] w = s.words;
            final int p = find(s, key);
            if (p < 0) {
                return SessionHandle.INVALID;
            }
            final long old = w[p + keyWords];
            if (checkValue && old != expected) {
                return SessionHandle.INVALID;
            }
            final int base = (p - 1) / bucketWords * bucketWords;
            beginWrite(w, base);
            for (int k = 0; k < keyWords; k++) {
                w[p + k] = FREE;
            }
            w[p + keyWords] = SessionHandle.INVALID;
            endWrite(w, base);
            size = size - 1;
            return old;
        }
    }

    private void checkKey(long[] key) {
        checkArgument(key.length >= keyWords, "key of %s words, table needs %s", key.length, keyWords);
        long m = key[marker];
        if (m == FREE || m == -1L || (m >>> 32) == 0) {
            throw new IllegalArgumentException("key has no protocol in its marker word: " + Long.toHexString(m));
        }
    }

    private static void beginWrite(long[] w, int base) {
        long v = w[base];
        WORDS.setOpaque(w, base, v + 1);
        VarHandle.releaseFence();
    }

    private static void endWrite(long[] w, int base) {
        WORDS.setRelease(w, base, w[base] + 1);
    }

    /**
     * Copies the live entries into a new array (twice as many buckets when the table is at its
     * load threshold, the same number when only overflow marks piled up), with fresh overflow
     * marks, and publishes it.
     */
    private Storage rehash(Storage old) {
        int buckets = old.buckets;
        if (size + 1 > old.threshold && buckets < maxBuckets) {
            buckets = (int) Math.min((long) buckets * 2, maxBuckets);
        }
        Storage next = new Storage(buckets, bucketWords);
        final long[] from = old.words;
        final long[] to = next.words;
        int marks = 0;
        for (int bucket = 0; bucket < old.buckets; bucket++) {
            for (int p = bucket * bucketWords + 1, i = 0; i < SLOTS_PER_BUCKET; i++, p += slotWords) {
                if (from[p + marker] == FREE) {
                    continue;
                }
                int b = bucketOf(hashAt(from, p), next.buckets);
                int q;
                while ((q = firstFree(to, b * bucketWords)) < 0) {
                    if ((to[b * bucketWords] & OVERFLOWED) == 0) {
                        to[b * bucketWords] |= OVERFLOWED; // not yet published: no reader to tell
                        marks++;
                    }
                    b = b + 1 == next.buckets ? 0 : b + 1;
                }
                System.arraycopy(from, p, to, q, slotWords);
            }
        }
        overflowed = marks;
        overflowedAfterRehash = marks;
        storage = next;
        return next;
    }

    // ---------------------------------------------------------------- control plane

    /** Receives one entry: a copy of its key and its value. */
    @FunctionalInterface
    public interface EntryVisitor {
        /** One entry. */
        void visit(long[] key, long value);
    }

    /**
     * Visits every live entry (control plane: allocates a key copy per entry). Takes the writer
     * lock, so the visit sees one consistent state; the visitor must not write to this table.
     */
    public void forEach(EntryVisitor visitor) {
        synchronized (writeLock) {
            final Storage s = storage;
            final long[] w = s.words;
            for (int bucket = 0; bucket < s.buckets; bucket++) {
                for (int p = bucket * bucketWords + 1, i = 0; i < SLOTS_PER_BUCKET; i++, p += slotWords) {
                    long m = w[p + marker];
                    if (m != FREE) {
                        long[] key = new long[keyWords];
                        System.arraycopy(w, p, key, 0, keyWords);
                        visitor.visit(key, w[p + keyWords]);
                    }
                }
            }
        }
    }
}
