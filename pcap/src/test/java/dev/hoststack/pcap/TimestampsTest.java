package dev.hoststack.pcap;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigInteger;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** pcapng tick-to-nanosecond conversion against an exact BigInteger reference. */
class TimestampsTest {

    static long reference(long ticks, int tsresol) {
        BigInteger t = new BigInteger(Long.toUnsignedString(ticks));
        int k = tsresol & 0x7F;
        BigInteger unitsPerSecond = (tsresol & 0x80) == 0 ? BigInteger.TEN.pow(k) : BigInteger.TWO.pow(k);
        BigInteger nanos = t.multiply(BigInteger.valueOf(1_000_000_000L)).divide(unitsPerSecond);
        return nanos.bitLength() < 64 ? nanos.longValue() : Long.MIN_VALUE;
    }

    @Test
    void matchesExactArithmeticForAllResolutions() {
        Random random = new Random(42);
        long[] special = {0, 1, 999, 1_000_000_000L, Long.MAX_VALUE, -1, Long.MIN_VALUE, 1L << 32, (1L << 32) - 1};
        for (int tsresol = 0; tsresol < 256; tsresol++) {
            for (int i = 0; i < 200 + special.length; i++) {
                long ticks = i < special.length ? special[i] : random.nextLong() >>> random.nextInt(64);
                long want = reference(ticks, tsresol);
                int r = tsresol;
                if (want == Long.MIN_VALUE) {
                    assertThatThrownBy(() -> Timestamps.toNanos(ticks, r))
                            .as("ticks %s at if_tsresol %d overflow", Long.toUnsignedString(ticks), r)
                            .isInstanceOf(ArithmeticException.class);
                } else {
                    assertThat(Timestamps.toNanos(ticks, r))
                            .as("ticks %s at if_tsresol %d", Long.toUnsignedString(ticks), r).isEqualTo(want);
                }
            }
        }
    }
}
