package dev.hoststack.selector.p2c;

import dev.hoststack.api.spi.FlowView;
import dev.hoststack.api.spi.ReuseportGroupView;
import dev.hoststack.api.spi.ReuseportSelector;

/**
 * Power of two choices (Mitzenmacher, "The power of two choices in randomized load balancing",
 * IEEE TPDS 2001; HAProxy's {@code multi-queue} does the same over queues): two distinct worker
 * slots drawn uniformly at random, the less loaded of the two wins. Against a uniform random
 * choice the most loaded worker's excess falls from Θ(log n / log log n) to Θ(log log n), and a
 * worker that stops taking connections soon has more pending than almost any other, so it stops
 * being chosen.
 *
 * <p>Load, in order: a congested worker loses to one that is not; then fewer pending connections
 * (dispatched, not yet taken); then fewer established ones; a full tie goes to the first draw,
 * which is itself random. With one slot it answers 0.
 *
 * <p>Random numbers: a SplitMix64 generator per data thread, seeded from the stack's hash secret
 * and the group's index, so a run with the same secret, group and sequence of SYNs per thread
 * makes the same draws. Each thread draws 64 bits per SYN: 32 for the first slot, 32 for the
 * second.
 *
 * <p>{@link #reselect}: the rejected (congested) slot is excluded from a fresh pair of draws.
 *
 * <p>Stateless across membership changes but for the generators: nothing to rebuild.
 */
final class PowerOfTwoChoicesSelector implements ReuseportSelector {

    private final PerThreadRandom random;

    PowerOfTwoChoicesSelector(int threads, long seed) {
        this.random = new PerThreadRandom(threads, seed);
    }

    @Override
    public int select(ReuseportGroupView group, FlowView flow, int thread) {
        final int n = group.workerCount();
        if (n <= 1) {
            return 0;
        }
        final long r = random.next(thread);
        final int a = PerThreadRandom.below((int) r, n);
        int b = PerThreadRandom.below((int) (r >>> 32), n - 1);
        if (b >= a) {
            b++;
        }
        return Loads.lessLoaded(group, b, a) ? b : a;
    }

    /** Two fresh draws among the other slots; with two slots, the other one. */
    @Override
    public int reselect(ReuseportGroupView group, FlowView flow, int thread, int rejectedSlot, int attempt) {
        final int n = group.workerCount();
        if (n <= 1) {
            return 0;
        }
        if (rejectedSlot < 0 || rejectedSlot >= n) {
            return select(group, flow, thread);
        }
        if (n == 2) {
            return 1 - rejectedSlot;
        }
        // draw from the n - 1 slots other than the rejected one, then distinct from the first
        final long r = random.next(thread);
        int a = PerThreadRandom.below((int) r, n - 1);
        if (a >= rejectedSlot) {
            a++;
        }
        int b = PerThreadRandom.below((int) (r >>> 32), n - 2);
        final int lo = Math.min(a, rejectedSlot);
        final int hi = Math.max(a, rejectedSlot);
        if (b >= lo) {
            b++;
        }
        if (b >= hi) {
            b++;
        }
        return Loads.lessLoaded(group, b, a) ? b : a;
    }
}
