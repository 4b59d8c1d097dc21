package dev.hoststack.selector.weighted;

import dev.hoststack.api.spi.ExpressibleSelector;
import dev.hoststack.api.spi.FlowView;
import dev.hoststack.api.spi.ReuseportGroupView;
import dev.hoststack.api.spi.ReuseportSelector;
import dev.hoststack.api.spi.SelectionData;
import java.util.HashMap;
import java.util.Map;

/**
 * Smooth weighted round robin over a group's members by weight (nginx's upstream balancer, see
 * {@link SmoothWeightedRoundRobin}), then round robin over the chosen member's workers. With
 * weights 3, 1, 1 the members get exactly 3/5, 1/5, 1/5 of every 5 connections, spread
 * (a, b, a, c, a); with every weight 1 the order is exactly {@code roundrobin}'s, the seed's
 * app1-w0, app2-w0, app3-w0, app1-w0, app2-w1, app3-w1, ...
 *
 * <h2>How</h2>
 * At each membership or weight change the control thread computes one period of the member
 * sequence ({@link SmoothWeightedRoundRobin#sequence}: total weight over the weights' greatest
 * common divisor, at most {@value #MAX_SEQUENCE} entries); a selection is then two rotor steps
 * and three array reads, as {@code roundrobin}'s. A group whose period is longer (thousands of
 * members of large, coprime weights) runs nginx's algorithm itself per pick, O(members).
 *
 * <h2>Concurrency, and what it guarantees</h2>
 * Every data thread keeps its own position in the sequence and its own worker rotor per member,
 * in its own 128-byte-aligned region of one array: no atomics, no shared cache lines, no
 * allocation. Each thread on its own follows the exact order; over T threads the counts of a
 * member differ from its weight's share of the total by at most T times its weight between
 * membership changes.
 *
 * <h2>Joins, leaves and weight changes</h2>
 * Restart every thread at the start of the new sequence (as {@code roundrobin} restarts at the
 * first member); each member that stays keeps its worker rotation where it was.
 *
 * <h2>In the kernel</h2>
 * The member sequence is the policy as data ({@link SelectionData.Sequence}): a daemon that
 * dispatches in the kernel publishes it and the {@code SK_REUSEPORT} program walks it with one
 * shared rotor (so the order is exact over all CPUs, not per thread). A period longer than the
 * table this selector keeps has no data ({@code null}): such a group stays on the hand-off path.
 */
final class WeightedSelector implements ReuseportSelector, ExpressibleSelector {

    /** The longest member sequence kept as a table; longer periods are computed per pick. */
    static final int MAX_SEQUENCE = 1 << 20;

    /** Ints per cache-line pair: threads' regions start this far apart at least. */
    private static final int PAD_INTS = 32;

    private final int threads;
    private final int maxSequence;
    private volatile State state = new State(0, new long[0], new int[0], null, 1, 0, new int[PAD_INTS]);

    /**
     * One membership epoch. For thread t, {@code cells[t * stride]} is its position in the
     * sequence, {@code cells[t * stride + 1 + m]} member m's next worker position, and (without
     * a sequence table) {@code cells[t * stride + 1 + n + m]} member m's nginx {@code current}.
     */
    private static final class State {
        final long epoch;
        final long[] handles;
        final int[] weights;
        /** One period of member positions, or null: compute per pick. */
        final int[] sequence;
        final int stride;
        final int total;
        final int[] cells;

        State(long epoch, long[] handles, int[] weights, int[] sequence, int stride, int total, int[] cells) {
            this.epoch = epoch;
            this.handles = handles;
            this.weights = weights;
            this.sequence = sequence;
            this.stride = stride;
            this.total = total;
            this.cells = cells;
        }
    }

    WeightedSelector(int threads) {
        this(threads, MAX_SEQUENCE);
    }

    /** With another bound on the sequence table (tests of the per-pick path). */
    WeightedSelector(int threads, int maxSequence) {
        this.threads = Math.max(1, threads);
        this.maxSequence = maxSequence;
    }

    @Override
    public int select(ReuseportGroupView group, FlowView flow, int thread) {
        final State st = state;
        if (st.epoch != group.epoch()) {
            // a selection still running on the view before a change: answer safely, keep no state
            return 0;
        }
        final int[] c = st.cells;
        final int base = (thread >= 0 && thread < threads ? thread : 0) * st.stride;
        final int n = st.weights.length;
        final int m;
        final int[] seq = st.sequence;
        if (seq != null) {
            int p = c[base];
            if (p >= seq.length || p < 0) {
                p = 0;
            }
            c[base] = p + 1 == seq.length ? 0 : p + 1;
            m = seq[p];
        } else {
            m = pick(st, c, base + 1 + n, n);
        }
        final int wc = group.memberWorkerCount(m);
        final int rotor = base + 1 + m;
        int k = c[rotor];
        if (k >= wc || k < 0) {
            k = 0;
        }
        c[rotor] = k + 1 == wc ? 0 : k + 1;
        return group.memberFirstSlot(m) + k;
    }

    /** nginx's pick over one thread's {@code current} values at {@code c[from .. from + n - 1]}. */
    private static int pick(State st, int[] c, int from, int n) {
        final int[] w = st.weights;
        int best = 0;
        int bestCurrent = Integer.MIN_VALUE;
        for (int m = 0; m < n; m++) {
            final int cur = c[from + m] + w[m];
            c[from + m] = cur;
            if (cur > bestCurrent) {
                best = m;
                bestCurrent = cur;
            }
        }
        c[from + best] = bestCurrent - st.total;
        return best;
    }

    /** The next choice is the next in the rotation. */
    @Override
    public int reselect(ReuseportGroupView group, FlowView flow, int thread, int rejectedSlot, int attempt) {
        return select(group, flow, thread);
    }

    @Override
    public void membershipChanged(ReuseportGroupView group) {
        final State old = state;
        final int n = group.memberCount();
        final long[] handles = new long[n];
        final int[] weights = new int[n];
        for (int m = 0; m < n; m++) {
            handles[m] = group.member(m).listenSessionHandle();
            weights[m] = group.memberWeight(m);
        }
        final long period = SmoothWeightedRoundRobin.period(weights);
        final int[] sequence = period <= maxSequence ? SmoothWeightedRoundRobin.sequence(weights) : null;
        int total = 0;
        for (int w : weights) {
            total += w;
        }
        final int used = 1 + n + (sequence == null ? n : 0);
        final int stride = (used + PAD_INTS - 1) / PAD_INTS * PAD_INTS;
        final int[] cells = new int[threads * stride];
        Map<Long, Integer> oldPosition = new HashMap<>();
        for (int m = 0; m < old.handles.length; m++) {
            oldPosition.put(old.handles[m], m);
        }
        for (int m = 0; m < n; m++) {
            Integer was = oldPosition.get(handles[m]);
            if (was == null) {
                continue;
            }
            for (int t = 0; t < threads; t++) {
                cells[t * stride + 1 + m] = old.cells[t * old.stride + 1 + was];
            }
        }
        state = new State(group.epoch(), handles, weights, sequence, stride, total, cells);
    }

    /**
     * The current period of the member sequence, or null when it is computed per pick (too long
     * to keep) or the view is not the one the selector was last told of.
     */
    @Override
    public SelectionData selectionData(ReuseportGroupView group) {
        final State st = state;
        if (st.sequence == null || st.epoch != group.epoch() || st.sequence.length == 0) {
            return null;
        }
        return new SelectionData.Sequence(st.sequence);
    }
}
