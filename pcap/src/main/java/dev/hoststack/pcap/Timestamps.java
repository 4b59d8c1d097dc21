package dev.hoststack.pcap;

/**
 * Converts pcapng timestamps, counted in units of an interface's {@code if_tsresol}, to
 * nanoseconds, exactly (rounding down) and without allocating.
 */
final class Timestamps {

    static final long NANOS_PER_SECOND = 1_000_000_000L;
    /** {@code if_tsresol} when the option is absent: microseconds. */
    static final int DEFAULT_TSRESOL = 6;

    private static final long[] POW10 = new long[19];
    /** 10^19 as an unsigned 64-bit value. */
    private static final long TEN_POW_19_UNSIGNED = -8446744073709551616L;

    static {
        POW10[0] = 1;
        for (int i = 1; i < POW10.length; i++) {
            POW10[i] = POW10[i - 1] * 10;
        }
    }

    private Timestamps() {
    }

    /**
     * Nanoseconds for {@code ticks} (an unsigned 64-bit count) of units given by the
     * {@code if_tsresol} byte: bit 7 clear means 10^-k seconds, set means 2^-k, k the low 7 bits.
     *
     * @throws ArithmeticException if the result does not fit in a signed long
     */
    static long toNanos(long ticks, int tsresol) {
        int k = tsresol & 0x7F;
        if ((tsresol & 0x80) == 0) {
            if (k <= 9) {
                return Math.multiplyExact(nonNegative(ticks), POW10[9 - k]);
            }
            int e = k - 9;
            if (e <= 18) {
                return Long.divideUnsigned(ticks, POW10[e]);
            }
            if (e == 19) {
                return Long.compareUnsigned(ticks, TEN_POW_19_UNSIGNED) >= 0 ? 1 : 0;
            }
            return 0;
        }
        if (k == 0) {
            return Math.multiplyExact(nonNegative(ticks), NANOS_PER_SECOND);
        }
        if (k < 64) {
            long seconds = ticks >>> k;
            long fraction = ticks & ((1L << k) - 1);
            // fraction * 1e9 / 2^k with a 128-bit product; fraction < 2^63, so the signed high half is right
            long lo = fraction * NANOS_PER_SECOND;
            long hi = Math.multiplyHigh(fraction, NANOS_PER_SECOND);
            long fractionNanos = (hi << (64 - k)) | (lo >>> k);
            return Math.addExact(Math.multiplyExact(seconds, NANOS_PER_SECOND), fractionNanos);
        }
        // less than a second in all: the unsigned high half of ticks * 1e9, shifted
        long hi = Math.multiplyHigh(ticks, NANOS_PER_SECOND) + (ticks < 0 ? NANOS_PER_SECOND : 0);
        return hi >>> (k - 64);
    }

    private static long nonNegative(long ticks) {
        if (ticks < 0) {
            throw new ArithmeticException("unsigned timestamp above 2^63");
        }
        return ticks;
    }
}
