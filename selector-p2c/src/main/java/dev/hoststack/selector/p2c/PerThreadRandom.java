package dev.hoststack.selector.p2c;

/**
 * One seeded SplitMix64 generator per data thread (Steele, Lea and Flood, "Fast splittable
 * pseudorandom number generators", OOPSLA 2014: the same generator as
 * {@link java.util.SplittableRandom}), each in its own 128-byte region of one array, written only
 * by its thread with plain stores: no atomics, no shared cache lines, no allocation.
 *
 * <p>Hand-written rather than a {@code SplittableRandom} per thread because the SYN path must not
 * chase a pointer per thread to a generator object, and because the state of all threads in one
 * padded array is what the other per-thread selector state looks like; the algorithm is
 * SplittableRandom's, so its quality is known.
 *
 * <p>A thread index outside {@code 0..threads-1} uses thread 0's state (a benign race: a worse
 * random number, never a wrong answer).
 */
final class PerThreadRandom {

    /** Longs per thread: 128 bytes. */
    private static final int STRIDE = 16;
    private static final long GOLDEN_GAMMA = 0x9e3779b97f4a7c15L;

    private final long[] state;
    private final int threads;

    /**
     * @param threads the data threads
     * @param seed    the seed; thread {@code t} starts from a mix of {@code seed} and {@code t}
     */
    PerThreadRandom(int threads, long seed) {
        this.threads = Math.max(1, threads);
        this.state = new long[this.threads * STRIDE];
        for (int t = 0; t < this.threads; t++) {
            state[t * STRIDE] = mix64(seed + (t + 1) * GOLDEN_GAMMA);
        }
    }

    /** The next 64 random bits of thread {@code thread}'s generator. */
    long next(int thread) {
        final int i = thread >= 0 && thread < threads ? thread * STRIDE : 0;
        final long s = state[i] + GOLDEN_GAMMA;
        state[i] = s;
        return mix64(s);
    }

    /** An int in {@code 0..bound-1} from 32 random bits, without division (Lemire's multiply-shift). */
    static int below(int bits, int bound) {
        return (int) (((bits & 0xFFFF_FFFFL) * bound) >>> 32);
    }

    /** SplitMix64's finaliser (David Stafford's Mix13). */
    static long mix64(long z) {
        z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
        z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
        return z ^ (z >>> 31);
    }
}
