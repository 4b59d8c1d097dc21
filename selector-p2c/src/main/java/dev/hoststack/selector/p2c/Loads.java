package dev.hoststack.selector.p2c;

import dev.hoststack.api.spi.ReuseportGroupView;

/**
 * The order the load-aware selectors rank workers by: a congested worker after any other, then
 * fewer pending connections, then fewer established ones. Allocation-free.
 */
final class Loads {

    private Loads() {
    }

    /**
     * Whether slot {@code a} is strictly less loaded than slot {@code b}.
     *
     * <p>Each figure is read once per call: the view's readings are live and may change between
     * two reads, and a comparison must not see two values of one figure.
     */
    static boolean lessLoaded(ReuseportGroupView g, int a, int b) {
        final boolean ca = g.slotCongested(a);
        final boolean cb = g.slotCongested(b);
        if (ca != cb) {
            return cb;
        }
        final int pa = g.slotPending(a);
        final int pb = g.slotPending(b);
        if (pa != pb) {
            return pa < pb;
        }
        return g.slotEstablished(a) < g.slotEstablished(b);
    }
}
