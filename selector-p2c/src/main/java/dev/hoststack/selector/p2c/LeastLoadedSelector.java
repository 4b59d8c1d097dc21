package dev.hoststack.selector.p2c;

import dev.hoststack.api.spi.FlowView;
import dev.hoststack.api.spi.ReuseportGroupView;
import dev.hoststack.api.spi.ReuseportSelector;

/**
 * The exact least loaded worker slot (Envoy's {@code exact_balance} and Seastar's least
 * connections do the same, Envoy under a lock): every slot's load is read and the least wins, in
 * the order of {@link Loads} (not congested, then fewest pending, then fewest established).
 *
 * <p>Ties, common when the workers keep up (every pending count 0), are broken by scanning from a
 * per-thread rotating start, so equal workers take turns instead of the first slot taking every
 * tie. Costs O(workers) reads per SYN: {@code p2c} costs two.
 *
 * <p>The readings are live and several data threads select at once, so two threads may both see
 * the same worker as the least loaded and both choose it: least is exact per reading, not per
 * group.
 *
 * <p>{@link #reselect}: the least loaded slot but the rejected one.
 */
final class LeastLoadedSelector implements ReuseportSelector {

    /** Ints per thread: 128 bytes. */
    private static final int STRIDE = 32;

    private final int threads;
    /** Per thread t, at {@code t * STRIDE}: where the next scan starts. Written only by thread t. */
    private final int[] start;

    LeastLoadedSelector(int threads) {
        this.threads = Math.max(1, threads);
        this.start = new int[this.threads * STRIDE];
    }

    @Override
    public int select(ReuseportGroupView group, FlowView flow, int thread) {
        return least(group, thread, -1);
    }

    @Override
    public int reselect(ReuseportGroupView group, FlowView flow, int thread, int rejectedSlot, int attempt) {
        return group.workerCount() <= 1 ? 0 : least(group, thread, rejectedSlot);
    }

    private int least(ReuseportGroupView group, int thread, int excluded) {
        final int n = group.workerCount();
        if (n <= 1) {
            return 0;
        }
        final int i = thread >= 0 && thread < threads ? thread * STRIDE : 0;
        int s = start[i];
        if (s >= n || s < 0) {
            s = 0;
        }
        start[i] = s + 1 == n ? 0 : s + 1;
        int best = -1;
        boolean bestCongested = true;
        int bestPending = Integer.MAX_VALUE;
        int bestEstablished = Integer.MAX_VALUE;
        for (int k = 0, slot = s; k < n; k++, slot = slot + 1 == n ? 0 : slot + 1) {
            if (slot == excluded) {
                continue;
            }
            // each figure read once: the readings are live
            final boolean c = group.slotCongested(slot);
            if (c && !bestCongested) {
                continue;
            }
            final int p = group.slotPending(slot);
            if (c == bestCongested && p > bestPending) {
                continue;
            }
            final int e = group.slotEstablished(slot);
            if (best < 0 || bestCongested && !c || p < bestPending || e < bestEstablished) {
                best = slot;
                bestCongested = c;
                bestPending = p;
                bestEstablished = e;
            }
        }
        return best < 0 ? 0 : best;
    }
}
