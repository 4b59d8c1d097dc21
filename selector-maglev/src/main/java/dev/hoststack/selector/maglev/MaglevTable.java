package dev.hoststack.selector.maglev;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;

/**
 * Maglev's lookup table (Eisenbud et al., NSDI 2016, §3.4, Pseudocode 1), as a pure function of
 * the backends' names and the table size: what {@code maglev} looks flows up in, and what a
 * kernel reuseport program could look them up in too (an array of slots indexed by a hash).
 *
 * <p>For backend {@code i} with name {@code n_i}: {@code offset = h1(n_i) mod M},
 * {@code skip = h2(n_i) mod (M - 1) + 1}, its preference list
 * {@code permutation[j] = (offset + j * skip) mod M} (a permutation of 0..M-1 since M is prime);
 * backends take turns, each claiming its next preferred empty entry, until all M are full. Each
 * backend gets {@code M / N} entries, give or take one; when one leaves, its entries go to the
 * others and only a small fraction of the others' entries change owner.
 *
 * <p>Names here are 64-bit numbers; {@link #name(String, int)} makes one from an application's
 * name and a worker index, so that a worker keeps its name (and its entries) through every change
 * that does not remove it, and across restarts. {@code h1} and {@code h2} are two SplitMix64
 * finalisations of the name with different constants.
 *
 * <p>Threading: stateless; any thread.
 */
public final class MaglevTable {

    /** The paper's table size: the smallest table, used for up to {@value #BACKENDS_PER_SIZE_STEP} backends per 65,537. */
    public static final int DEFAULT_SIZE = 65_537;

    /** At most one backend per this many entries keeps the imbalance near 1 % (the paper's M >= 100 N). */
    public static final int BACKENDS_PER_SIZE_STEP = 100;

    /** The table sizes used, smallest first: 65,537 and the first primes after 2^18, 2^20 and 2^22. */
    private static final int[] SIZES = {
        DEFAULT_SIZE,
        BigInteger.valueOf(1 << 18).nextProbablePrime().intValueExact(),
        BigInteger.valueOf(1 << 20).nextProbablePrime().intValueExact(),
        BigInteger.valueOf(1 << 22).nextProbablePrime().intValueExact(),
    };

    private MaglevTable() {
    }

    /**
     * The table size for {@code backends}: the smallest of 65,537, 262,147, 1,048,583 and
     * 4,194,319 (all prime) with at least 100 entries per backend, or the largest.
     */
    public static int sizeFor(int backends) {
        for (int m : SIZES) {
            if ((long) backends * BACKENDS_PER_SIZE_STEP <= m) {
                return m;
            }
        }
        return SIZES[SIZES.length - 1];
    }

    /**
     * A worker's name: FNV-1a (64-bit) of the application name's UTF-8 bytes, then of the worker
     * index's four bytes, big-endian. Stable across processes and restarts.
     */
    public static long name(String appName, int worker) {
        long h = 0xcbf29ce484222325L;
        for (byte b : appName.getBytes(StandardCharsets.UTF_8)) {
            h = (h ^ (b & 0xFF)) * 0x100000001b3L;
        }
        for (int shift = 24; shift >= 0; shift -= 8) {
            h = (h ^ (worker >>> shift & 0xFF)) * 0x100000001b3L;
        }
        return h;
    }

    /**
     * Builds the table: entry {@code e} holds the index (into {@code names}) of the backend that
     * owns it.
     *
     * @param names the backends' names, distinct, at least one
     * @param size  the table size M, a prime at least the number of backends
     * @return M entries
     * @throws IllegalArgumentException for no backends, more backends than entries, a size that
     *         is not prime, or two equal names
     */
    public static int[] build(long[] names, int size) {
        final int n = names.length;
        if (n == 0) {
            throw new IllegalArgumentException("no backends");
        }
        if (size < n || size < 2 || !BigInteger.valueOf(size).isProbablePrime(64)) {
            throw new IllegalArgumentException("table size " + size + " must be a prime of at least the " + n + " backends");
        }
        final long[] sorted = names.clone();
        java.util.Arrays.sort(sorted);
        for (int i = 1; i < n; i++) {
            if (sorted[i] == sorted[i - 1]) {
                throw new IllegalArgumentException("two backends share the name " + Long.toHexString(sorted[i]));
            }
        }
        final int[] next = new int[n];
        final int[] skip = new int[n];
        for (int i = 0; i < n; i++) {
            next[i] = (int) Long.remainderUnsigned(h1(names[i]), size);
            skip[i] = (int) Long.remainderUnsigned(h2(names[i]), size - 1) + 1;
        }
        final int[] entry = new int[size];
        java.util.Arrays.fill(entry, -1);
        int filled = 0;
        while (true) {
            for (int i = 0; i < n; i++) {
                // backend i's next preferred entry that is still empty (its permutation, walked
                // by adding skip mod M instead of computing offset + j * skip each time)
                int c = next[i];
                while (entry[c] >= 0) {
                    c += skip[i];
                    if (c >= size) {
                        c -= size;
                    }
                }
                entry[c] = i;
                c += skip[i];
                next[i] = c >= size ? c - size : c;
                if (++filled == size) {
                    return entry;
                }
            }
        }
    }

    static long h1(long name) {
        return mix(name ^ 0x6a09e667f3bcc908L);
    }

    static long h2(long name) {
        return mix(name ^ 0xbb67ae8584caa73bL);
    }

    private static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
        z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
        return z ^ (z >>> 31);
    }
}
