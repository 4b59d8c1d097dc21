package example.customstack;

import dev.hoststack.api.spi.FlowView;
import dev.hoststack.api.spi.ReuseportGroupView;
import dev.hoststack.api.spi.ReuseportSelector;
import dev.hoststack.api.spi.ReuseportSelectorProvider;
import dev.hoststack.api.spi.SelectorContext;

/**
 * {@code perthread}: every data thread turns over the group's worker slots on its own, starting at
 * its own offset, so data threads never share a counter (VPP keeps per-thread state the same way).
 * A selector of this program's own, bound through Guice (see {@link CustomStack#module}), not
 * listed in {@code META-INF/services}.
 *
 * <p>{@code select} runs on the data thread {@code thread} (its only writer of
 * {@code next[thread]}): no lock, no allocation, no exception, as the SPI requires. The counters
 * sit 16 longs apart (128 bytes) so that two data threads do not write one cache line.
 */
final class PerThreadRotation implements ReuseportSelector {

    private static final int STRIDE = 16;
    private final long[] next;

    PerThreadRotation(int threads) {
        next = new long[threads * STRIDE];
        for (int t = 0; t < threads; t++) {
            next[t * STRIDE] = t;   // thread t starts at slot t: the threads interleave
        }
    }

    @Override
    public int select(ReuseportGroupView group, FlowView flow, int thread) {
        int i = thread * STRIDE;
        long n = next[i]++;
        return (int) Long.remainderUnsigned(n, group.workerCount());
    }

    /** Its provider, bound by name in the stack's {@code MapBinder}. */
    static final class Provider implements ReuseportSelectorProvider {
        static final String NAME = "perthread";

        @Override
        public String name() {
            return NAME;
        }

        @Override
        public String description() {
            return "each data thread turns over the worker slots on its own";
        }

        @Override
        public ReuseportSelector create(SelectorContext context) {
            return new PerThreadRotation(context.threads());
        }
    }
}
