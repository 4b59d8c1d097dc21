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
 * Keys hash to buckets of {@value #SLOTS_PER_BUCKET} slots. The array holds first one
 * <em>header</em> word per bucket, then every bucket's slots; a slot is the key words in VPP's
 * layout (see {@link SessionKeys}) followed by the value (IPv4: 3 words; IPv6: 6, since the sixth
 * word of VPP's 48-byte IPv6 key is padding, always 0, and is not stored). The headers are
 * what every lookup reads and they are small (8 bytes per bucket: 2 MiB for a million IPv4
 * sessions), so they stay in the processor's caches while the slots (120 bytes per IPv4 bucket)
 * mostly do not. A header word holds, from the low bits up:
 * <ul>
 *   <li>five 8-bit lanes, one per slot: a 7-bit <em>tag</em> (7 bits of the key's hash, 1..127;
 *       0 marks a free slot) and one bit of the change counter;</li>
 *   <li>an 8-bit <em>passing filter</em>: for every key whose home is an earlier bucket and that
 *       lies past this one, the bit its hash picks;</li>
 *   <li>the other 16 bits of the 21-bit <em>change counter</em>, advanced by every change to the
 *       header.</li>
 * </ul>
 * A key hashes to a home bucket (multiply-shift, so the bucket count need not be a power of two)
 * and goes to any free slot of it; only when the home bucket is full does it go to the next bucket
 * with a free slot, and every bucket it passes counts it (a per-bucket count kept on the writers'
 * side, and its bit in the bucket's filter).
 *
 * <h2>A lookup</h2>
 * A lookup reads its home bucket's header, compares the key's tag with the five tags at once
 * (SWAR, as SwissTable and F14 match their control bytes), reads the one slot whose tag matches,
 * compares the key, and reads the header again. So:
 * <ul>
 *   <li>a miss reads only a header, nearly always one already in cache: it reads a slot only when
 *       another key has the same tag (about 3% of misses at the maximum load of
 *       {@value #MAX_LOAD_PERCENT}%), and goes past its home bucket only when a key with the same
 *       filter bit passed it (about 7%);</li>
 *   <li>a hit reads the header and one slot, whose place is known from the header. In a table
 *       far larger than the caches that would be two dependent accesses, the slot's miss starting
 *       only once the header is in. So the hit path also reads one word of each cache line the
 *       bucket's slots span (three for IPv4, five for IPv6), at addresses that depend only on the
 *       hash: the branch into the hit path is predicted (a stream of hits takes it), so the
 *       processor issues those reads before the header arrives, and the slot the header names is
 *       already on its way. A hit then costs about one memory access, not two (Java has no prefetch
 *       instruction; a read on a predicted path is the portable way to start one). A miss does not
 *       take that path, so it reads no slot line. An IPv4 table under {@value #SMALL_BUCKETS}
 *       buckets (under 2 MiB of array, in the caches) skips those reads: there they only lengthen
 *       the hit;</li>
 *   <li>the branches a lookup takes in the common cases go the same way from one lookup to the
 *       next (nothing depends on where in its bucket a key sits), so the processor overlaps
 *       independent lookups instead of throwing them away on a misprediction. Everything else (a
 *       key past its home bucket, a bucket changed while read, a tag shared by two keys) takes a
 *       slower general path.</li>
 * </ul>
 * At the maximum load about 13% of keys live past their home bucket; their headers are the next
 * ones in the array, usually in the same cache line. A small table (under {@value #SMALL_BUCKETS}
 * buckets) grows earlier, at {@value #SMALL_LOAD_PERCENT}%, where about 2% of keys live past their
 * home bucket: it sits in the caches, so its lookups cost instructions and branch mispredictions,
 * not memory, and its memory is small (IPv4: about 1 MiB at most). A removal frees its slot at once (it clears
 * the tag) and takes the key out of the counts and filters of the buckets it passed (a count that
 * reaches 0 clears the filter; otherwise the filter is recomputed from the keys still passing), so
 * a table with connections coming and going never fills with tombstones or stale marks. A writer
 * that keeps the entry reference {@link #putIfAbsentAt} answers (a transport, per connection)
 * removes with {@link #removeAt}: one slot read under the lock instead of a probe, and no hash for
 * an entry in its home bucket, while the table has not been rehashed since.
 * Measured figures: {@code docs/benchmarks.md}.
 *
 * <h2>Frames</h2>
 * {@link #getAll} looks up a frame of keys packed in one array, as VPP's graph nodes process a frame
 * of packets: VPP computes every packet's hash and prefetches its bucket first, then searches
 * ({@code clib_bihash_hash}, {@code clib_bihash_prefetch_bucket},
 * {@code clib_bihash_search_inline_with_hash}). A single {@link #get} relies on the processor's
 * out-of-order window to overlap the cache misses of consecutive lookups, and that window holds
 * the instructions of only two or three lookups while each waits on memory. A frame lookup's first
 * pass is a short loop that, for {@value #FRAME_CHUNK} keys, computes the hash and reads the home
 * bucket's header and one word of each cache line of its slots (the lines a hit reads), so many
 * more lines are on their way at once; its second pass is {@code get}'s lookup with the hash
 * known. Java has no prefetch instruction, so the first pass's reads are plain reads whose results
 * are folded into one word the second pass tests; a plain read, unlike a prefetch, holds the
 * processor's window until its line arrives, which bounds how far ahead it can get. The price: a
 * frame's misses read those slot lines too, which {@code get}'s miss (header only) does not. A
 * table of less than {@link #FRAME_MIN_WORDS} words (16 MiB), mostly in the caches, has nothing to
 * gain from the first pass: there a frame is looked up a key at a time. Each key's answer is
 * exactly what {@code get} answers under the same concurrent writers, and the call allocates
 * nothing: the caller's answer array holds the hashes between the passes.
 *
 * <h2>Memory</h2>
 * IPv4: 128 bytes of array per 5 slots plus 2 bytes of writer-side count, 26 bytes a slot, so
 * 32.5 bytes a session at the maximum load of {@value #MAX_LOAD_PERCENT}% and 65 bytes just after
 * the table doubled; IPv6: 248 + 2 bytes per 5 slots, 62.5 to 125 bytes a session. Tables under
 * {@value #SMALL_BUCKETS} buckets (up to 20,480 entries) grow at {@value #SMALL_LOAD_PERCENT}%: 52 to
 * 104 bytes a session (IPv4; IPv6 100 to 200), about 1 MiB at most (IPv4; IPv6 2 MiB), which keeps
 * the bucket counts of a table grown from the default size at 256 &times; 2<sup>k</sup>: a million
 * IPv4 sessions still fill 2<sup>18</sup> buckets to 80%. A rehash needs
 * the old and the new array at once (three times the old one) until the old one is collected.
 * Bytes per session therefore swing by 2&times; between two doublings; a stack that sets its bound
 * ({@code maxEntries}) close to its real peak caps the swing there, since the table never grows
 * past the size for its bound. (VPP's bihash grows one bucket at a time instead, which bounds the
 * overhead at every size; this table does not.)
 *
 * <h2>Threading</h2>
 * <ul>
 *   <li>Readers ({@link #get(long[])}, {@link #get(long, long)}, {@link #getAll}) take no lock and
 *       do not allocate; a frame lookup writes only the caller's answer array, so any number of
 *       threads may look up at once, each with its own arrays. They read a bucket optimistically
 *       between two reads of its header (a seqlock, as
 *       {@link java.util.concurrent.locks.StampedLock#tryOptimisticRead} does) and retry the
 *       bucket if the header changed meanwhile. A reader therefore never sees a torn entry; it may
 *       see an entry removed after the read began, which callers validate.</li>
 *   <li>Writers ({@link #putIfAbsent}, {@link #putIfAbsentAt}, {@link #remove}, {@link #removeAt}) may come from any thread and are
 *       serialised by one lock per table ({@code WriterLock}: one compare-and-set to take, a release
 *       store to give back, so a SYN's insert and a close's removal each cost one atomic
 *       instruction). A writer writes a slot's words only while the slot's
 *       tag is 0 (readers do not look at it) and then publishes the tag with a release store of
 *       the header; a removal clears the tag the same way. Every header store advances the change
 *       counter, so a reader that read a header, then a slot being rewritten, sees a different
 *       header and retries; only 2<sup>21</sup> changes to one bucket between a reader's two
 *       reads of its header (a reader descheduled for a long time while writers hammer that one
 *       bucket) could hide from it. A key placed past its home bucket is written only after the
 *       buckets between count it, and taken out of their counts only after it is gone, so a
 *       reader that could find it always finds the way.</li>
 *   <li>A rehash copies the live entries into a new array and publishes it with a volatile write;
 *       readers still on the old array see a consistent older state.</li>
 * </ul>
 *
 * <h2>Bounds</h2>
 * The table never holds more than {@code maxEntries} entries: {@link #putIfAbsent} answers
 * {@link #FULL} instead. It grows by doubling from its initial size up to the size that holds
 * {@code maxEntries} at a load of at most {@value #MAX_LOAD_PERCENT}% (it grows when its load
 * passes {@value #MAX_LOAD_PERCENT}%, or {@value #SMALL_LOAD_PERCENT}% while it is small, unless it
 * is at that size).
 */
public final class SessionHashTable {

    /** Slots per bucket. */
    public static final int SLOTS_PER_BUCKET = 5;
    /** The highest load (live entries over slots), in percent, before the table grows. */
    public static final int MAX_LOAD_PERCENT = 80;
    /** The load at which a small table (under {@value #SMALL_BUCKETS} buckets) grows, in percent. */
    public static final int SMALL_LOAD_PERCENT = 50;
    /** Tables of fewer buckets than this grow at {@value #SMALL_LOAD_PERCENT}% (IPv4: under 2 MiB of array). */
    public static final int SMALL_BUCKETS = 1 << 14;

    /** {@link #putIfAbsent} result: the entry was added. */
    public static final int INSERTED = 0;
    /** {@link #putIfAbsent} result: the key was present; nothing changed. */
    public static final int EXISTS = 1;
    /** {@link #putIfAbsent} result: the table holds {@code maxEntries} entries; nothing changed. */
    public static final int FULL = 2;

    private static final long FREE = 0L;

    /** Header: the five 7-bit tags, one per 8-bit lane (0 = a free slot). */
    static final long TAGS = 0x7F_7F7F_7F7FL;
    private static final long LANE_LOW = 0x01_0101_0101L;
    private static final long LANE_HIGH = 0x80_8080_8080L;
    /** Header: the passing filter, 8 bits. */
    private static final int FILTER_SHIFT = 40;
    static final long FILTER = 0xFFL << FILTER_SHIFT;
    /** Header: the change counter, 21 bits: the top 16 bits of the word and the top bit of each lane. */
    private static final long COUNTER = 0xFFFF_0000_0000_0000L | LANE_HIGH;
    /** Entry reference bit ({@link #putIfAbsentAt}): the entry lies past its home bucket. */
    private static final int DISPLACED = Integer.MIN_VALUE;
    /** Writer-side passing counts saturate here (then a removal recounts by scanning). */
    private static final int MAX_COUNT = Character.MAX_VALUE;

    /**
     * Keys a frame lookup ({@link #getAll}) takes through its two passes at a time: enough for the
     * first pass to keep the processor's memory accesses busy, few enough that the lines it brought
     * in are still in the first-level cache for the second.
     */
    public static final int FRAME_CHUNK = 32;
    /**
     * A frame lookup ({@link #getAll}) on an array of fewer words than this (16 MiB) looks its keys
     * up one at a time, as {@link #get} does: an array that size stays mostly in the caches, where
     * the first pass only adds work. Measured on a 2-core AMD EPYC with 1 MiB of L2 per core and 32
     * MiB of L3 (JDK 17, 2026-12-05), with the two passes: tables of 1K and 64K sessions (up to 4
     * MiB) were up to 40% slower than {@code get}; at 256K sessions (8 and 16 MiB) hits went from
     * 10% slower to 19% faster between two runs, while misses took 1.2 to 2.4 times {@code get}'s
     * time; at 1M sessions (32 and 62 MiB) hits took 0.7 to 0.9 of {@code get}'s time, misses
     * about 2.5 times.
     */
    public static final int FRAME_MIN_WORDS = 1 << 21;
    /** A frame lookup's sum of the words its first pass read is tested against this (see {@link #frame4}). */
    private static final long FRAME_SENTINEL = 0x6A09_E667_F3BC_C909L;

    private static final VarHandle WORDS = MethodHandles.arrayElementVarHandle(long[].class);
    private static final VarHandle SIZE;

    static {
        try {
            SIZE = MethodHandles.lookup().findVarHandle(SessionHashTable.class, "size", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private static final long C1 = 0x9E37_79B9_7F4A_7C15L;
    private static final long C2 = 0xC2B2_AE3D_27D4_EB4FL;
    private static final long C3 = 0x1656_67B1_9E37_79F9L;
    private static final long C4 = 0xD6E8_FEB8_6659_FD93L;
    private static final long C5 = 0xFF51_AFD7_ED55_8CCDL;
    private static final long C6 = 0xC4CE_B9FE_1A85_EC53L;

    /** IPv4 geometry: slot stride, a bucket's slot words, and all of a bucket's words (16: a shift). */
    private static final int S4 = SessionKeys.IP4_WORDS + 1;
    private static final int K4 = SLOTS_PER_BUCKET * S4;
    private static final int B4 = 1 + K4;
    /** IPv6 geometry: the key's sixth word (padding, always 0) is not stored. */
    private static final int STORED6 = SessionKeys.IP6_WORDS - 1;
    private static final int S6 = STORED6 + 1;
    private static final int K6 = SLOTS_PER_BUCKET * S6;
    private static final int B6 = 1 + K6;

    private final int keyWords;
    /** Key words a slot holds: all of an IPv4 key, an IPv6 key but its padding word. */
    private final int storedWords;
    private final int marker;
    private final int slotWords;
    private final int bucketWords;
    private final int maxEntries;
    private final int maxBuckets;
    /** {@link #FRAME_MIN_WORDS}, or less for tests of the frame passes on small tables. */
    private final int frameMinWords;
    private final WriterLock writeLock = new WriterLock();

    /** The writers' view of the published array: its geometry and bookkeeping. */
    private volatile Storage storage;
    /**
     * The published array, read by readers (who derive the bucket count from its length, one
     * dependent load fewer than going through {@link #storage}); written after {@link #storage}.
     */
    private volatile long[] words;
    /** Written by writers under the lock with a release store (no fence: the lock's release orders it). */
    private volatile int size;

    /** One array and its writer-side bookkeeping; changed after publication only by writers under the lock. */
    private static final class Storage {
        final long[] words;
        final int buckets;
        final int threshold;
        /** Per bucket, how many keys whose home is an earlier bucket lie past it (writers only). */
        final char[] passing;
        /** Which array this is: 0 for the first, one more for each rehash (entry references carry it). */
        final int generation;
        /** The farthest any key was placed from its home bucket in this array (writers only). */
        int maxDisplacement;

        Storage(int buckets, int bucketWords, int generation) {
            this.buckets = buckets;
            this.generation = generation & Integer.MAX_VALUE;
            this.words = new long[Math.multiplyExact(buckets, bucketWords)];
            this.passing = new char[buckets];
            this.threshold = (int) ((long) buckets * SLOTS_PER_BUCKET * loadPercent(buckets) / 100);
        }
    }

    /**
     * @param keyWords        {@link SessionKeys#IP4_WORDS} or {@link SessionKeys#IP6_WORDS}
     * @param initialCapacity entries to size for at first (at least 1)
     * @param maxEntries      the bound on entries, at least {@code initialCapacity}
     */
    public SessionHashTable(int keyWords, int initialCapacity, int maxEntries) {
        this(keyWords, initialCapacity, maxEntries, FRAME_MIN_WORDS);
    }

    /** As the public constructor, with the array size (in words) from which {@link #getAll} takes its two passes (tests). */
    SessionHashTable(int keyWords, int initialCapacity, int maxEntries, int frameMinWords) {
        checkArgument(keyWords == SessionKeys.IP4_WORDS || keyWords == SessionKeys.IP6_WORDS,
                "keyWords must be %s or %s, not %s", SessionKeys.IP4_WORDS, SessionKeys.IP6_WORDS, keyWords);
        checkArgument(initialCapacity >= 1, "initialCapacity %s < 1", initialCapacity);
        checkArgument(maxEntries >= initialCapacity, "maxEntries %s < initialCapacity %s", maxEntries, initialCapacity);
        this.keyWords = keyWords;
        this.marker = keyWords == SessionKeys.IP4_WORDS ? SessionKeys.IP4_MARKER : SessionKeys.IP6_MARKER;
        this.storedWords = keyWords == SessionKeys.IP4_WORDS ? keyWords : STORED6;
        this.slotWords = storedWords + 1;
        this.bucketWords = 1 + SLOTS_PER_BUCKET * slotWords;
        this.maxEntries = maxEntries;
        this.frameMinWords = frameMinWords;
        this.maxBuckets = bucketsFor(maxEntries);
        checkArgument((long) maxBuckets * bucketWords < Integer.MAX_VALUE - 16,
                "maxEntries %s needs more than one Java array", maxEntries);
        this.storage = new Storage(bucketsFor(initialCapacity), bucketWords, 0);
        this.words = storage.words;
    }

    /** The load at which an array of {@code buckets} buckets grows (if its bound lets it). */
    static int loadPercent(int buckets) {
        return buckets < SMALL_BUCKETS ? SMALL_LOAD_PERCENT : MAX_LOAD_PERCENT;
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

    /** Bytes of the current array and the writers' per-bucket counts (the table's memory apart from a few object headers). */
    public long footprintBytes() {
        final Storage s = storage;
        return (long) s.words.length * Long.BYTES + (long) s.passing.length * Character.BYTES;
    }

    /** Slots of the current array. */
    public int slots() {
        return storage.buckets * SLOTS_PER_BUCKET;
    }

    // ---------------------------------------------------------------- hashing

    /**
     * The hash of a 2-word key: two independent multiplies, xor-ed, the high half folded into the
     * low. The bucket comes from the high 32 bits (multiply-shift), the tag and the filter bit
     * from the low bits.
     */
    static long hash2(long k0, long k1) {
        long h = k0 * C1 ^ k1 * C2;
        return h ^ h >>> 32;
    }

    /**
     * The hash of a 6-word key: one multiply per word, summed, so the six multiplies run in
     * parallel instead of as a chain.
     */
    static long hash6(long k0, long k1, long k2, long k3, long k4, long k5) {
        long h = (k0 * C1 + k1 * C2) + (k2 * C3 + k3 * C4) + (k4 * C5 + k5 * C6);
        return h ^ h >>> 32;
    }

    /**
     * The hash of the key at {@code w[p..]}: a key array (at 0) or a stored slot. An IPv6 key's
     * padding word is 0 in both (a key array's is checked), so it is not read.
     */
    private long hashAt(long[] w, int p) {
        if (keyWords == SessionKeys.IP4_WORDS) {
            return hash2(w[p], w[p + 1]);
        }
        return hash6(w[p], w[p + 1], w[p + 2], w[p + 3], w[p + 4], 0);
    }

    static int bucketOf(long hash, int buckets) {
        return (int) (((hash >>> 32) * buckets) >>> 32);
    }

    /** A key's tag: 7 bits of its hash, 1..127 (0 marks a free slot). */
    static int tag(long hash) {
        final int t = (int) hash & 0x7F;
        return t | (t - 1) >>> 31;
    }

    /** A key's bit in the passing filter. */
    static long filterBit(long hash) {
        return 1L << (FILTER_SHIFT + ((int) (hash >>> 8) & 7));
    }

    /**
     * The lanes of {@code hdr} whose tag is {@code tag}, as the top bit of each such lane (SWAR, as
     * SwissTable matches a group of control bytes). The lowest bit set is exact; one above it may
     * be a false positive, so every candidate is checked against the key.
     */
    static long matches(long hdr, int tag) {
        final long x = hdr & TAGS ^ tag * LANE_LOW;
        return (x - LANE_LOW) & ~x & LANE_HIGH;
    }

    /** Whether slot {@code slot}'s tag in {@code hdr} is exactly {@code tag} (a match above the lowest may be false). */
    private static boolean tagIs(long hdr, int slot, int tag) {
        return (hdr >>> (8 * slot) & 0x7F) == tag;
    }

    /** The slot index of the lowest lane set in a match mask. */
    private static int slotOf(long matchMask) {
        return Long.numberOfTrailingZeros(matchMask) >>> 3;
    }

    /** The first word of slot {@code slot} of bucket {@code bucket} in an array of {@code buckets} buckets. */
    private int slotAt(int buckets, int bucket, int slot) {
        return buckets + bucket * (bucketWords - 1) + slot * slotWords;
    }

    // ---------------------------------------------------------------- reads

    /**
     * The value stored under an IPv4 key, or {@link SessionHandle#INVALID}. Lock-free and
     * allocation-free; only for tables of {@link SessionKeys#IP4_WORDS}-word keys.
     *
     * <p>The common cases (a hit in the home bucket, a miss that need not look past it) are
     * straight-line code whose branches go the same way from one lookup to the next; anything else
     * (a key past its home bucket, a bucket changed while read, a tag shared by two keys) goes to
     * {@link #get4Slow}.
     */
    public long get(long k0, long k1) {
        final long[] w = words;
        final long h = hash2(k0, k1);
        final int buckets = w.length >>> 4; // B4 = 16
        final int bucket = bucketOf(h, buckets);
        final long hdr = (long) WORDS.getAcquire(w, bucket);
        final long m = matches(hdr, tag(h));
        if (m != 0) {
            // This branch is predicted (a stream of hits takes it), so the processor runs it before
            // the header arrives: the three reads below depend only on the hash and start the
            // bucket's slot lines on their way at once; the slot the header then names is already
            // coming instead of being a second miss after the header's (see "A lookup"). A table
            // under SMALL_BUCKETS buckets (under 2 MiB) sits in the caches, where those reads only
            // add instructions to the hit, so it skips them (lines is then 0, never a header: a
            // header whose tags matched is not 0).
            final int s0 = buckets + bucket * K4;
            final long lines = buckets < SMALL_BUCKETS ? 0 : w[s0] ^ w[s0 + 7] ^ w[s0 + K4 - 1];
            final int p = s0 + S4 * slotOf(m);
            if (w[p] == k0 && w[p + 1] == k1 && lines != hdr) {
                final long found = w[p + 2];
                VarHandle.acquireFence();
                if ((long) WORDS.getOpaque(w, bucket) == hdr) {
                    return found;
                }
            }
        } else {
            // no tag matched: absent unless a key with this filter bit passed the bucket. The hit
            // and the miss each end in their own test of the header, so a hit computes no filter bit
            VarHandle.acquireFence();
            if ((long) WORDS.getOpaque(w, bucket) == hdr && (hdr & filterBit(h)) == 0) {
                return SessionHandle.INVALID;
            }
        }
        return get4Slow(w, k0, k1, h);
    }

    /** The general IPv4 lookup: every candidate of the home bucket and of the buckets its key may have passed. */
    private static long get4Slow(long[] w, long k0, long k1, long h) {
        final int buckets = w.length / B4;
        final int tag = tag(h);
        final long fbit = filterBit(h);
        int b = bucketOf(h, buckets);
        for (int probed = 0; probed < buckets; ) {
            final long hdr = (long) WORDS.getAcquire(w, b);
            long found = SessionHandle.INVALID;
            for (long m = matches(hdr, tag); m != 0; m &= m - 1) {
                final int p = buckets + b * K4 + S4 * slotOf(m);
                if (w[p] == k0 && w[p + 1] == k1 && tagIs(hdr, slotOf(m), tag)) {
                    found = w[p + 2];
                    break;
                }
            }
            VarHandle.acquireFence();
            if ((long) WORDS.getOpaque(w, b) != hdr) {
                Thread.onSpinWait();
                continue;
            }
            if (found != SessionHandle.INVALID || (hdr & fbit) == 0) {
                return found;
            }
            b = b + 1 == buckets ? 0 : b + 1;
            probed++;
        }
        return SessionHandle.INVALID;
    }

    /**
     * The value stored under {@code key} (its first {@link #keyWords()} words), or
     * {@link SessionHandle#INVALID}. Lock-free and allocation-free. An IPv6 key whose padding word
     * ({@code key[5]}) is not 0 is never present.
     */
    public long get(long[] key) {
        if (keyWords == SessionKeys.IP4_WORDS) {
            return get(key[0], key[1]);
        }
        return get6(key[0], key[1], key[2], key[3], key[4], key[5]);
    }

    private long get6(long k0, long k1, long k2, long k3, long k4, long k5) {
        final long[] w = words;
        final long h = hash6(k0, k1, k2, k3, k4, k5);
        final int buckets = w.length / B6;
        final int bucket = bucketOf(h, buckets);
        final long hdr = (long) WORDS.getAcquire(w, bucket);
        final long m = matches(hdr, tag(h));
        long found = SessionHandle.INVALID;
        boolean settled = m == 0;
        if (!settled) {
            // as in get(k0, k1): reads that depend only on the hash, one per cache line of the slots
            final int s0 = buckets + bucket * K6;
            final long lines = w[s0] ^ w[s0 + 7] ^ w[s0 + 14] ^ w[s0 + 21] ^ w[s0 + K6 - 1];
            final int p = s0 + S6 * slotOf(m);
            // k5, the padding word, is 0 in every stored key: a key whose k5 is not 0 is absent
            if (lines != hdr && ((w[p] ^ k0) | (w[p + 1] ^ k1) | (w[p + 2] ^ k2) | (w[p + 3] ^ k3) | (w[p + 4] ^ k4) | k5) == 0) {
                found = w[p + 5];
                settled = true;
            }
        }
        VarHandle.acquireFence();
        if ((long) WORDS.getOpaque(w, bucket) == hdr && settled
                && (found != SessionHandle.INVALID || (hdr & filterBit(h)) == 0)) {
            return found;
        }
        return get6Slow(w, k0, k1, k2, k3, k4, k5, h);
    }

    /** The general IPv6 lookup, as {@link #get4Slow}. */
    private static long get6Slow(long[] w, long k0, long k1, long k2, long k3, long k4, long k5, long h) {
        final int buckets = w.length / B6;
        final int tag = tag(h);
        final long fbit = filterBit(h);
        int b = bucketOf(h, buckets);
        for (int probed = 0; probed < buckets; ) {
            final long hdr = (long) WORDS.getAcquire(w, b);
            long found = SessionHandle.INVALID;
            for (long m = matches(hdr, tag); m != 0; m &= m - 1) {
                final int p = buckets + b * K6 + S6 * slotOf(m);
                if (tagIs(hdr, slotOf(m), tag) && w[p + 4] == k4 && w[p] == k0 && w[p + 1] == k1 && w[p + 2] == k2
                        && w[p + 3] == k3 && k5 == 0) {
                    found = w[p + 5];
                    break;
                }
            }
            VarHandle.acquireFence();
            if ((long) WORDS.getOpaque(w, b) != hdr) {
                Thread.onSpinWait();
                continue;
            }
            if (found != SessionHandle.INVALID || (hdr & fbit) == 0) {
                return found;
            }
            b = b + 1 == buckets ? 0 : b + 1;
            probed++;
        }
        return SessionHandle.INVALID;
    }

    // ---------------------------------------------------------------- frames

    /**
     * Looks up a frame of keys at once, VPP's way: {@code count} keys packed one after another at
     * {@code keys[keysOffset..]} ({@link #keyWords()} words each, as {@link #get(long[])} takes
     * them), their answers into {@code values[valuesOffset..valuesOffset + count)}: for each key,
     * exactly what {@link #get(long[])} answers, its value or {@link SessionHandle#INVALID}.
     * Lock-free and allocation-free, as {@code get}.
     *
     * <p>The keys are taken {@value #FRAME_CHUNK} at a time in two passes. The first computes every
     * key's hash and reads its home bucket's header and one word of each cache line of the bucket's
     * slots, so the memory accesses of all those keys are under way at once; the second is
     * {@code get}'s seqlock-validated lookup of each key, with its hash already computed, on lines
     * that have arrived meanwhile. For a table far larger than the caches this makes a hit cheaper
     * than {@code get}'s and a miss dearer (it reads the slot lines {@code get}'s miss does not):
     * meant for frames of packets of established sessions; see "Frames" in the class comment. A
     * table under {@link #FRAME_MIN_WORDS} words is looked up a key at a time, as {@code get}.
     *
     * <p>Threading: any number of threads may call this at once, each with its own arrays. The call
     * uses {@code values[valuesOffset..valuesOffset + count)} as its scratch (it holds each key's
     * hash between the two passes) and writes nothing else, the table included: no other thread
     * may read or write that range during the call, and it must not overlap the keys' range.
     *
     * @param keys         the keys, {@link #keyWords()} words each (an IPv6 key whose padding
     *                     word is not 0 is absent, as in {@code get})
     * @param keysOffset   the first word of the first key
     * @param values       receives each key's value or {@link SessionHandle#INVALID}
     * @param valuesOffset where the first key's answer goes
     * @param count        keys in the frame, 0 or more; any count, taken
     *                     {@value #FRAME_CHUNK} at a time
     * @throws IndexOutOfBoundsException if the keys' or the values' range is not inside its array
     * @throws IllegalArgumentException  if {@code count} is negative, or {@code keys} and
     *                                   {@code values} are one array and the ranges overlap
     */
    public void getAll(long[] keys, int keysOffset, long[] values, int valuesOffset, int count) {
        checkFrame(keys, keysOffset, values, valuesOffset, count);
        for (int done = 0; done < count; done += FRAME_CHUNK) {
            final int n = Math.min(FRAME_CHUNK, count - done);
            // the array is read once per chunk: a rehash meanwhile leaves this chunk on the old
            // one, whose state is the table's at the moment of the rehash, during this call
            final long[] w = words;
            final int ko = keysOffset + done * keyWords;
            final int vo = valuesOffset + done;
            if (w.length < frameMinWords) {
                // a table this small lives in the caches: the first pass would only add work
                for (int i = 0; i < n; i++) {
                    final int o = ko + i * keyWords;
                    values[vo + i] = keyWords == SessionKeys.IP4_WORDS ? get(keys[o], keys[o + 1])
                            : get6(keys[o], keys[o + 1], keys[o + 2], keys[o + 3], keys[o + 4], keys[o + 5]);
                }
            } else if (keyWords == SessionKeys.IP4_WORDS) {
                frame4(w, keys, ko, values, vo, n);
            } else {
                frame6(w, keys, ko, values, vo, n);
            }
        }
    }

    /** "a frame of N keys" for an error message (built only when one is thrown). */
    private static String frameOf(int count) {
        return "a frame of " + count + (count == 1 ? " key" : " keys");
    }

    private void checkFrame(long[] keys, int keysOffset, long[] values, int valuesOffset, int count) {
        if (count < 0) {
            throw new IllegalArgumentException("count " + count + " < 0");
        }
        final long keysEnd = keysOffset + (long) count * keyWords;
        if (keysOffset < 0 || keysEnd > keys.length) {
            throw new IndexOutOfBoundsException(frameOf(count) + " of " + keyWords + " words from keys["
                    + keysOffset + "] needs keys[" + keysOffset + ".." + keysEnd + "), but keys has " + keys.length + " words");
        }
        final long valuesEnd = valuesOffset + (long) count;
        if (valuesOffset < 0 || valuesEnd > values.length) {
            throw new IndexOutOfBoundsException(frameOf(count) + " needs values[" + valuesOffset + ".."
                    + valuesEnd + "), but values has " + values.length + " words");
        }
        if (keys == values && count > 0 && valuesOffset < keysEnd && keysOffset < valuesEnd) {
            throw new IllegalArgumentException("values[" + valuesOffset + ".." + valuesEnd + ") overlaps keys[" + keysOffset
                    + ".." + keysEnd + ") in the same array: the lookup writes the values while it still reads the keys");
        }
    }

    /**
     * One chunk of an IPv4 frame: pass 1 starts every key's accesses, pass 2 looks each key up
     * as {@link #get(long, long)} does. {@code values[vo + i]} holds key i's hash in between.
     */
    private static void frame4(long[] w, long[] keys, int ko, long[] values, int vo, int n) {
        final int buckets = w.length >>> 4; // B4 = 16
        // Pass 1. The words read are folded into one sum that pass 2 tests, so the reads are not
        // dead code (Java has no prefetch: a read whose result is used is how to start one).
        long touched = 0;
        for (int i = 0; i < n; i++) {
            final int o = ko + 2 * i;
            final long h = hash2(keys[o], keys[o + 1]);
            values[vo + i] = h;
            final int bucket = bucketOf(h, buckets);
            // the header, and one word of each line of the bucket's slots (the lines get's hit path
            // reads): addresses from the hash alone, so every key's reads are issued at once
            final int s0 = buckets + bucket * K4;
            touched ^= w[bucket] ^ w[s0] ^ w[s0 + 7] ^ w[s0 + K4 - 1];
        }
        // only a sum equal to this constant (one chance in 2^64, and then only slower) sends the
        // chunk to the general lookup; the test makes the reads live
        final boolean fast = touched != FRAME_SENTINEL;
        // Pass 2: get(k0, k1) with the hash known and the lines (mostly) in cache.
        for (int i = 0; i < n; i++) {
            final int o = ko + 2 * i;
            final long k0 = keys[o];
            final long k1 = keys[o + 1];
            final long h = values[vo + i];
            final int bucket = bucketOf(h, buckets);
            final long hdr = (long) WORDS.getAcquire(w, bucket);
            final long m = matches(hdr, tag(h));
            long found = SessionHandle.INVALID;
            boolean settled = m == 0;
            if (!settled) {
                final int p = buckets + bucket * K4 + S4 * slotOf(m);
                if (w[p] == k0 && w[p + 1] == k1) {
                    found = w[p + 2];
                    settled = true;
                }
            }
            VarHandle.acquireFence();
            if ((long) WORDS.getOpaque(w, bucket) == hdr && settled && fast
                    && (found != SessionHandle.INVALID || (hdr & filterBit(h)) == 0)) {
                values[vo + i] = found;
            } else {
                values[vo + i] = get4Slow(w, k0, k1, h);
            }
        }
    }

    /** One chunk of an IPv6 frame, as {@link #frame4}. */
    private static void frame6(long[] w, long[] keys, int ko, long[] values, int vo, int n) {
        final int buckets = w.length / B6;
        long touched = 0;
        for (int i = 0; i < n; i++) {
            final int o = ko + 6 * i;
            final long h = hash6(keys[o], keys[o + 1], keys[o + 2], keys[o + 3], keys[o + 4], keys[o + 5]);
            values[vo + i] = h;
            final int bucket = bucketOf(h, buckets);
            final int s0 = buckets + bucket * K6;
            touched ^= w[bucket] ^ w[s0] ^ w[s0 + 7] ^ w[s0 + 14] ^ w[s0 + 21] ^ w[s0 + K6 - 1];
        }
        final boolean fast = touched != FRAME_SENTINEL;
        for (int i = 0; i < n; i++) {
            final int o = ko + 6 * i;
            final long k0 = keys[o];
            final long k1 = keys[o + 1];
            final long k2 = keys[o + 2];
            final long k3 = keys[o + 3];
            final long k4 = keys[o + 4];
            final long k5 = keys[o + 5];
            final long h = values[vo + i];
            final int bucket = bucketOf(h, buckets);
            final long hdr = (long) WORDS.getAcquire(w, bucket);
            final long m = matches(hdr, tag(h));
            long found = SessionHandle.INVALID;
            boolean settled = m == 0;
            if (!settled) {
                final int p = buckets + bucket * K6 + S6 * slotOf(m);
                // k5, the padding word, is 0 in every stored key: a key whose k5 is not 0 is absent
                if (((w[p] ^ k0) | (w[p + 1] ^ k1) | (w[p + 2] ^ k2) | (w[p + 3] ^ k3) | (w[p + 4] ^ k4) | k5) == 0) {
                    found = w[p + 5];
                    settled = true;
                }
            }
            VarHandle.acquireFence();
            if ((long) WORDS.getOpaque(w, bucket) == hdr && settled && fast
                    && (found != SessionHandle.INVALID || (hdr & filterBit(h)) == 0)) {
                values[vo + i] = found;
            } else {
                values[vo + i] = get6Slow(w, k0, k1, k2, k3, k4, k5, h);
            }
        }
    }

    /** Whether the slot at {@code w[p..]} holds {@code key}: the family's words compared straight, no loop. */
    private boolean keyEquals(long[] w, int p, long[] key) {
        if (keyWords == SessionKeys.IP4_WORDS) {
            return w[p] == key[0] && w[p + 1] == key[1];
        }
        return ((w[p] ^ key[0]) | (w[p + 1] ^ key[1]) | (w[p + 2] ^ key[2]) | (w[p + 3] ^ key[3]) | (w[p + 4] ^ key[4])) == 0;
    }

    /**
     * Copies a key's stored words from {@code src[from..]} to the slot at {@code w[p..]}: two or
     * five plain stores (a {@code System.arraycopy} of a length held in a field is a call into a
     * copy stub, dearer than the copy).
     */
    private void copyKey(long[] src, int from, long[] w, int p) {
        if (keyWords == SessionKeys.IP4_WORDS) {
            w[p] = src[from];
            w[p + 1] = src[from + 1];
            return;
        }
        w[p] = src[from];
        w[p + 1] = src[from + 1];
        w[p + 2] = src[from + 2];
        w[p + 3] = src[from + 3];
        w[p + 4] = src[from + 4];
    }

    // ---------------------------------------------------------------- writes

    /**
     * Adds {@code key -> value} unless the key is present or the table is full. The value may be
     * anything but {@link SessionHandle#INVALID}, which lookups return for "absent"; an IPv6 key's
     * padding word ({@code key[5]}, as {@link SessionKeys#ip6} leaves it) must be 0. Any thread;
     * serialised with other writers. Allocation-free except when the table is rehashed.
     *
     * @return {@link #INSERTED}, {@link #EXISTS} or {@link #FULL}
     */
    public int putIfAbsent(long[] key, long value) {
        final long r = putIfAbsentAt(key, value);
        return r >= 0 ? INSERTED : (int) -r;
    }

    /**
     * As {@link #putIfAbsent}, answering where the entry went: a reference for
     * {@link #removeAt} (which then finds the entry without a probe while the table has not been
     * rehashed), or the negated {@link #EXISTS} or {@link #FULL}.
     *
     * @return an entry reference ({@code >= 0}), {@code -EXISTS} or {@code -FULL}
     */
    public long putIfAbsentAt(long[] key, long value) {
        checkKey(key);
        checkArgument(value != SessionHandle.INVALID, "INVALID (-1) is not a value: it means 'absent'");
        final long h = hashAt(key, 0);
        writeLock.lock();
        try {
            // The common insert, kept small so that C2 inlines this method into a caller (a SYN's
            // step): the home bucket has a free slot, no key with the same tag and no key passing it
            // with the same filter bit (so the key is absent: find would stop there), and the table
            // needs no rehash. Anything else goes to putLocked, the general insert, under the same lock.
            final Storage s = storage;
            final long[] w = s.words;
            final int home = bucketOf(h, s.buckets);
            final long hdr = w[home];
            final long free = matches(hdr, 0);
            final int n = size;
            if (free != 0 && matches(hdr, tag(h)) == 0 && (hdr & filterBit(h)) == 0
                    && n < maxEntries && n < s.threshold) {
                final int slot = slotOf(free);
                final int p = slotAt(s.buckets, home, slot);
                // as place: the slot's old words may still be read by a reader holding an older
                // header, which will see the header change; the stores must not pass the last one
                VarHandle.releaseFence();
                copyKey(key, 0, w, p);
                w[p + storedWords] = value;
                publish(w, home, hdr | (long) tag(h) << (8 * slot), true);
                SIZE.setRelease(this, n + 1);
                return entryRef(s, home << 3 | slot);
            }
            return putLocked(key, value, h);
        } finally {
            writeLock.unlock();
        }
    }

    /** {@link #putIfAbsentAt}'s general insert, under the lock: any displacement, a full table, a rehash. */
    private long putLocked(long[] key, long value, long h) {
        if (find(storage, key, h) >= 0) {
            return -EXISTS;
        }
        if (size >= maxEntries) {
            return -FULL;
        }
        Storage s = storage;
        if (size + 1 > s.threshold && s.buckets < maxBuckets) {
            s = rehash(s);
        }
        final int at = place(s, key, 0, value, h, true);
        SIZE.setRelease(this, size + 1);
        return entryRef(s, at);
    }

    /**
     * The entry reference {@link #putIfAbsentAt} answers for a key placed at {@code at} of
     * {@code s} ({@code bucket << 3 | slot}, with {@link #DISPLACED} if past its home bucket): the
     * array's generation in the high word, {@code at} in the low one; {@link #liveSlot} reads it.
     */
    private static long entryRef(Storage s, int at) {
        return (long) s.generation << 32 | at & 0xFFFF_FFFFL;
    }

    /**
     * Puts a key (at {@code src[from..]}) that is absent into the first bucket from its home with a
     * free slot, counting it in the buckets it passes. {@code live}: the array is published, so
     * every header change is a release store and the passing marks go first.
     */
    private int place(Storage s, long[] src, int from, long value, long h, boolean live) {
        final long[] w = s.words;
        final int buckets = s.buckets;
        final int home = bucketOf(h, buckets);
        int b = home;
        int slot = -1;
        int displacement = 0;
        for (; displacement < buckets; displacement++) {
            final long free = matches(w[b], 0);
            if (free != 0) {
                slot = slotOf(free);
                break;
            }
            b = b + 1 == buckets ? 0 : b + 1;
        }
        if (slot < 0) {
            throw new IllegalStateException("no free slot below the load threshold: a bug");
        }
        // the way first, then the key: a reader that can see the key can find it
        final long fbit = filterBit(h);
        for (int c = home, i = 0; i < displacement; i++, c = c + 1 == buckets ? 0 : c + 1) {
            if (s.passing[c] < MAX_COUNT) {
                s.passing[c]++;
            }
            final long hdr = w[c];
            if ((hdr & fbit) == 0) {
                publish(w, c, hdr | fbit, live);
            }
        }
        if (displacement > s.maxDisplacement) {
            s.maxDisplacement = displacement;
        }
        final int p = slotAt(buckets, b, slot);
        if (live) {
            // the slot's old words may still be read by a reader holding an older header, which
            // will see the header change: the stores below must not pass the last header store
            VarHandle.releaseFence();
        }
        copyKey(src, from, w, p);
        w[p + storedWords] = value;
        publish(w, b, w[b] | (long) tag(h) << (8 * slot), live);
        return (displacement == 0 ? 0 : DISPLACED) | b << 3 | slot;
    }

    /**
     * Stores a bucket's new header with its change counter advanced (so that a reader that read the
     * old header and then words written since sees a different header and retries).
     */
    private static void publish(long[] w, int base, long hdr, boolean live) {
        final long next = hdr & ~COUNTER | counterBits(counterOf(hdr) + 1);
        if (live) {
            WORDS.setRelease(w, base, next);
        } else {
            w[base] = next;
        }
    }

    /** The 21-bit change counter of a header. */
    static int counterOf(long hdr) {
        return (int) (hdr >>> 7 & 1 | hdr >>> 14 & 2 | hdr >>> 21 & 4 | hdr >>> 28 & 8 | hdr >>> 35 & 16 | hdr >>> 48 << 5);
    }

    /** A 21-bit counter value laid out in a header's counter bits. */
    private static long counterBits(int counter) {
        final long c = counter & 0x1F_FFFF;
        return (c & 1) << 7 | (c & 2) << 14 | (c & 4) << 21 | (c & 8) << 28 | (c & 16) << 35 | (c >>> 5) << 48;
    }

    /**
     * Where {@code key} (of hash {@code h}) is in {@code s}: its bucket and slot as
     * {@code bucket << 3 | slot}, or -1. Writers only, under the lock.
     */
    private int find(Storage s, long[] key, long h) {
        final long[] w = s.words;
        final long fbit = filterBit(h);
        final int tag = tag(h);
        int b = bucketOf(h, s.buckets);
        for (int probed = 0; probed < s.buckets; probed++) {
            final long hdr = w[b];
            for (long m = matches(hdr, tag); m != 0; m &= m - 1) {
                final int p = slotAt(s.buckets, b, slotOf(m));
                if (tagIs(hdr, slotOf(m), tag) && keyEquals(w, p, key)) {
                    return b << 3 | slotOf(m);
                }
            }
            if ((hdr & fbit) == 0) {
                return -1;
            }
            b = b + 1 == s.buckets ? 0 : b + 1;
        }
        return -1;
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

    /**
     * Removes {@code key} only if it maps to {@code expected}, looking first where {@code ref} (an
     * answer of {@link #putIfAbsentAt} for this key) says it was put: while the table has not been
     * rehashed since, and the entry is still there, that is one slot read instead of a probe (and
     * no hash for an entry in its home bucket). Otherwise, or for any other {@code ref}, as
     * {@link #remove(long[], long)}. Any thread; serialised with other writers. Allocation-free.
     *
     * @return whether it was removed
     */
    public boolean removeAt(long ref, long[] key, long expected) {
        checkKey(key);
        writeLock.lock();
        try {
            final Storage s = storage;
            final int at = liveSlot(s, ref);
            if (at >= 0) {
                final int bucket = at >>> 3;
                final int slot = at & 7;
                final long[] w = s.words;
                final int p = slotAt(s.buckets, bucket, slot);
                if (w[p + storedWords] == expected && keyEquals(w, p, key)) {
                    // an entry in its home bucket passed no bucket: no hash needed to find them
                    removeFound(s, bucket, slot, ((int) ref & DISPLACED) == 0 ? bucket : bucketOf(hashAt(key, 0), s.buckets));
                    return true;
                }
            }
            return removeLocked(s, key, hashAt(key, 0), true, expected) != SessionHandle.INVALID;
        } finally {
            writeLock.unlock();
        }
    }

    /**
     * The live slot an entry reference of {@link #putIfAbsentAt} names in {@code s}, as
     * {@code bucket << 3 | slot} (what {@link #find} answers), or -1: the table was rehashed
     * since, the reference is not one this array could have made, or the slot is free.
     */
    private static int liveSlot(Storage s, long ref) {
        if (ref < 0 || (int) (ref >>> 32) != s.generation) {
            return -1;
        }
        final int bucket = (int) ref >>> 3 & 0x0FFF_FFFF;
        final int slot = (int) ref & 7;
        if (bucket >= s.buckets || slot >= SLOTS_PER_BUCKET || (s.words[bucket] >>> (8 * slot) & 0x7F) == 0) {
            return -1;
        }
        return bucket << 3 | slot;
    }

    private long removeIf(long[] key, boolean checkValue, long expected) {
        checkKey(key);
        final long h = hashAt(key, 0);
        writeLock.lock();
        try {
            return removeLocked(storage, key, h, checkValue, expected);
        } finally {
            writeLock.unlock();
        }
    }

    /** A removal by probe, under the lock: the value removed, or {@link SessionHandle#INVALID}. */
    private long removeLocked(Storage s, long[] key, long h, boolean checkValue, long expected) {
        final int at = find(s, key, h);
        if (at < 0) {
            return SessionHandle.INVALID;
        }
        // the bucket and slot as find found them (recovering them from the slot's word
        // offset would take two integer divisions, dearer than the rest of a removal)
        final int bucket = at >>> 3;
        final int slot = at & 7;
        final long old = s.words[slotAt(s.buckets, bucket, slot) + storedWords];
        if (checkValue && old != expected) {
            return SessionHandle.INVALID;
        }
        removeFound(s, bucket, slot, bucketOf(h, s.buckets));
        return old;
    }

    /** Frees a found entry's slot, then takes it out of the buckets it passed on its way from {@code home}. Under the lock. */
    private void removeFound(Storage s, int bucket, int slot, int home) {
        final long[] w = s.words;
        // the slot is free once its tag is gone; its words stay until a put reuses it
        publish(w, bucket, w[bucket] & ~(0x7FL << (8 * slot)), true);
        // the key is gone: now the buckets it passed may forget it
        for (int c = home; c != bucket; c = c + 1 == s.buckets ? 0 : c + 1) {
            removePassing(s, c);
        }
        SIZE.setRelease(this, size - 1);
    }

    /**
     * One key passing bucket {@code c} is gone: lowers its count and recomputes its filter from the
     * keys still passing it (a saturated count is recounted).
     */
    private void removePassing(Storage s, int c) {
        final long[] w = s.words;
        final long hdr = w[c];
        final int count = s.passing[c];
        final long filter;
        if (count == MAX_COUNT) {
            final long counted = recount(s, c, Integer.MAX_VALUE);
            s.passing[c] = (char) Math.min(counted >>> 32, MAX_COUNT);
            filter = counted << 32 >>> 32 << FILTER_SHIFT;
        } else {
            s.passing[c] = (char) (count - 1);
            filter = count == 1 ? 0 : (recount(s, c, count - 1) << 32 >>> 32) << FILTER_SHIFT;
        }
        if ((hdr & FILTER) != filter) {
            publish(w, c, hdr & ~FILTER | filter, true);
        }
    }

    /**
     * How many keys pass bucket {@code c} (those in later buckets, within the largest displacement,
     * whose home is at or before {@code c}; high 32 bits) and their filter (low 8 bits). Stops once
     * {@code expect} are found.
     */
    private long recount(Storage s, int c, int expect) {
        final long[] w = s.words;
        final int buckets = s.buckets;
        long found = 0;
        long filter = 0;
        int d = c;
        for (int step = 1; step <= s.maxDisplacement && found < expect; step++) {
            d = d + 1 == buckets ? 0 : d + 1;
            final long hdr = w[d];
            for (int i = 0; i < SLOTS_PER_BUCKET; i++) {
                if ((hdr >>> (8 * i) & 0x7F) == 0) {
                    continue;
                }
                final long h = hashAt(w, slotAt(buckets, d, i));
                final int home = bucketOf(h, buckets);
                final int displacement = d - home < 0 ? d - home + buckets : d - home;
                if (displacement >= step) { // its home is c or before: it passed c
                    found++;
                    filter |= filterBit(h);
                }
            }
        }
        return found << 32 | filter >>> FILTER_SHIFT;
    }

    private void checkKey(long[] key) {
        checkArgument(key.length >= keyWords, "key of %s words, table needs %s", key.length, keyWords);
        long m = key[marker];
        if (m == FREE || m == -1L || (m >>> 32) == 0) {
            throw new IllegalArgumentException("key has no protocol in its marker word: " + Long.toHexString(m));
        }
        if (keyWords == SessionKeys.IP6_WORDS && key[5] != 0) {
            throw new IllegalArgumentException("IPv6 key word 5 is padding (as in VPP's session_kv6_t) and must be 0, not "
                    + Long.toHexString(key[5]) + " (build keys with SessionKeys.ip6)");
        }
    }

    /**
     * Copies the live entries into a new array of twice as many buckets (at most the size for
     * {@code maxEntries}), with fresh passing counts and filters, and publishes it.
     */
    private Storage rehash(Storage old) {
        final int buckets = (int) Math.min((long) old.buckets * 2, maxBuckets);
        final Storage next = new Storage(buckets, bucketWords, old.generation + 1);
        final long[] from = old.words;
        for (int bucket = 0; bucket < old.buckets; bucket++) {
            final long hdr = from[bucket];
            for (int i = 0; i < SLOTS_PER_BUCKET; i++) {
                if ((hdr >>> (8 * i) & 0x7F) != 0) {
                    final int p = slotAt(old.buckets, bucket, i);
                    // not yet published: no reader to tell
                    place(next, from, p, from[p + storedWords], hashAt(from, p), false);
                }
            }
        }
        storage = next;
        words = next.words;
        return next;
    }

    // ---------------------------------------------------------------- checks for tests

    /**
     * Recomputes every bucket's passing count and filter from the keys and returns a description
     * of the first bucket whose bookkeeping disagrees, or null (tests; takes the writer lock).
     */
    String checkPassingMarks() {
        writeLock.lock();
        try {
            final Storage s = storage;
            final long[] w = s.words;
            final int buckets = s.buckets;
            final int[] counts = new int[buckets];
            final long[] filters = new long[buckets];
            for (int d = 0; d < buckets; d++) {
                final long hdr = w[d];
                for (int i = 0; i < SLOTS_PER_BUCKET; i++) {
                    if ((hdr >>> (8 * i) & 0x7F) == 0) {
                        continue;
                    }
                    final int p = slotAt(buckets, d, i);
                    final long h = hashAt(w, p);
                    if ((hdr >>> (8 * i) & 0x7F) != tag(h)) {
                        return "bucket " + d + " slot " + i + " has tag " + (hdr >>> (8 * i) & 0x7F) + ", its key's is " + tag(h);
                    }
                    final int home = bucketOf(h, buckets);
                    for (int c = home; c != d; c = c + 1 == buckets ? 0 : c + 1) {
                        counts[c]++;
                        filters[c] |= filterBit(h);
                    }
                }
            }
            for (int c = 0; c < buckets; c++) {
                final long hdr = w[c];
                final int want = Math.min(counts[c], MAX_COUNT);
                if (s.passing[c] != want) {
                    return "bucket " + c + " counts " + (int) s.passing[c] + " passing keys, expected " + want;
                }
                final long filter = hdr & FILTER;
                if (filter != filters[c]) {
                    return "bucket " + c + " has passing filter 0x" + Long.toHexString(filter >>> FILTER_SHIFT)
                            + ", expected 0x" + Long.toHexString(filters[c] >>> FILTER_SHIFT);
                }
            }
            return null;
        } finally {
            writeLock.unlock();
        }
    }

    /**
     * The value of the live entry an entry reference names in the current array, or
     * {@link SessionHandle#INVALID} where {@link #liveSlot} finds none (tests).
     */
    long valueAt(long ref) {
        final Storage s = storage;
        final int at = liveSlot(s, ref);
        return at < 0 ? SessionHandle.INVALID : s.words[slotAt(s.buckets, at >>> 3, at & 7) + storedWords];
    }

    /** The passing count of a bucket (tests). */
    int passingCount(int bucket) {
        return storage.passing[bucket];
    }

    /** Buckets of the current array (tests). */
    int buckets() {
        return storage.buckets;
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
        writeLock.lock();
        try {
            final Storage s = storage;
            final long[] w = s.words;
            for (int bucket = 0; bucket < s.buckets; bucket++) {
                final long hdr = w[bucket];
                for (int i = 0; i < SLOTS_PER_BUCKET; i++) {
                    if ((hdr >>> (8 * i) & 0x7F) != 0) {
                        final int p = slotAt(s.buckets, bucket, i);
                        long[] key = new long[keyWords];
                        System.arraycopy(w, p, key, 0, storedWords);
                        visitor.visit(key, w[p + storedWords]);
                    }
                }
            }
        } finally {
            writeLock.unlock();
        }
    }
}
