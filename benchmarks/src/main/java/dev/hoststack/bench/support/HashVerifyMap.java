package dev.hoststack.bench.support;

import dev.hoststack.api.SessionHandle;
import org.eclipse.collections.impl.map.mutable.primitive.LongLongHashMap;
import org.eclipse.collections.impl.map.mutable.primitive.ObjectLongHashMap;

/**
 * The Eclipse Collections baseline: what a developer who wants a primitive map writes when the key
 * does not fit in one {@code long}.
 *
 * <p>An IPv4 5-tuple is 96 bits (two addresses and two ports; the protocol is fixed), an IPv6 one
 * 288 bits, so neither packs into the {@code long} key of {@link LongLongHashMap}. This map keys a
 * {@code LongLongHashMap} by a 64-bit hash of the key words; the mapped value is the entry's index
 * into one primitive {@code long[]} holding each entry's key words and value side by side, which a
 * hit reads to verify the key. Two keys with the same 64-bit hash (about 3 in 10<sup>8</sup> for a
 * million keys, never in these sets, but handled) go to an {@link ObjectLongHashMap} over
 * {@link FiveTuple4}/{@link FiveTuple6} records, marked by {@link #OVERFLOW} in the primitive map.
 *
 * <p>Not thread-safe for writes; reads allocate nothing (unless a key is in the overflow map).
 */
public final class HashVerifyMap {

    private static final long OVERFLOW = -2L;

    private final int words;
    private final int stride;
    private final LongLongHashMap index;
    private final ObjectLongHashMap<Object> overflow = new ObjectLongHashMap<>();
    private long[] entries;
    private int size;

    /** A map for keys of {@code words} words (2 or 6), sized for {@code expected} entries. */
    public HashVerifyMap(int words, int expected) {
        this.words = words;
        this.stride = words + 1;
        this.index = new LongLongHashMap(expected);
        this.entries = new long[Math.multiplyExact(Math.max(expected, 16), stride)];
    }

    /** 64-bit hash of the key words at {@code w[p..p+words)}: a different mix from the session table's. */
    private long hash(long[] w, int p) {
        long h = 0x243F_6A88_85A3_08D3L;
        for (int i = 0; i < words; i++) {
            h = (h ^ w[p + i]) * 0x9FB2_1C65_1E98_DF25L;
            h ^= h >>> 28;
        }
        return h;
    }

    private boolean keyAt(int e, long[] w, int p) {
        int q = e * stride;
        for (int i = 0; i < words; i++) {
            if (entries[q + i] != w[p + i]) {
                return false;
            }
        }
        return true;
    }

    private Object record(long[] w, int p) {
        return words == 2 ? FiveTuple4.ofKey(w[p], w[p + 1]) : FiveTuple6.ofKey(w, p);
    }

    /** Adds a key (at {@code w[p..]}) that is not present. */
    public void put(long[] w, int p, long value) {
        long h = hash(w, p);
        long e = index.getIfAbsent(h, SessionHandle.INVALID);
        if (e == OVERFLOW || e >= 0) {
            overflow.put(record(w, p), value);
            if (e >= 0) {
                int q = (int) e * stride;
                long[] other = new long[words];
                System.arraycopy(entries, q, other, 0, words);
                overflow.put(record(other, 0), entries[q + words]);
                index.put(h, OVERFLOW);
            }
            return;
        }
        if ((size + 1) * stride > entries.length) {
            entries = java.util.Arrays.copyOf(entries, entries.length * 2);
        }
        System.arraycopy(w, p, entries, size * stride, words);
        entries[size * stride + words] = value;
        index.put(h, size);
        size++;
    }

    /** The value of the key at {@code w[p..p+words)}, or {@link SessionHandle#INVALID}. */
    public long get(long[] w, int p) {
        long e = index.getIfAbsent(hash(w, p), SessionHandle.INVALID);
        if (e >= 0) {
            return keyAt((int) e, w, p) ? entries[(int) e * stride + words] : SessionHandle.INVALID;
        }
        if (e == OVERFLOW) {
            return overflow.getIfAbsent(record(w, p), SessionHandle.INVALID);
        }
        return SessionHandle.INVALID;
    }

    /** Entries in the overflow map (0 unless two keys shared a 64-bit hash). */
    public int overflowSize() {
        return overflow.size();
    }
}
