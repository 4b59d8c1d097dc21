package dev.hoststack.selector.roundrobin;

import dev.hoststack.api.spi.ExpressibleSelector;
import dev.hoststack.api.spi.FlowView;
import dev.hoststack.api.spi.ReuseportGroupView;
import dev.hoststack.api.spi.ReuseportSelector;
import dev.hoststack.api.spi.SelectionData;
import java.util.HashMap;
import java.util.Map;

/**
 * Round robin over a group's applications in join order, then over the chosen application's
 * workers: with app1, app2, app3 of 1, 2, 3 workers the order is app1-w0, app2-w0, app3-w0,
 * app1-w0, app2-w1, app3-w1, app1-w0, app2-w0, app3-w2, ... (workers numbered from 0).
 *
 * <p>The answer is the slot of member {@code m}'s {@code k}-th worker, {@code memberFirstSlot(m) + k}:
 * two rotors per thread (the next member, and each member's next slot), no search.
 *
 * <h2>Concurrency, and what it guarantees</h2>
 * Every data thread keeps its own rotors (the next application, and each application's next
 * worker) in its own 128-byte-aligned region of one array: no atomics, no shared cache lines, no
 * allocation. Each thread on its own follows the exact order above. Over all threads together,
 * with T threads receiving SYNs, the counts of any two applications differ by at most T between
 * membership changes (each thread's counts differ by at most 1), and likewise the workers of one
 * application.
 *
 * <h2>Joins and leaves</h2>
 * A membership change (a join, a leave, or a change of a member's workers) restarts every
 * thread's rotation over applications at the first member in join order. Each application that
 * stays keeps its own worker rotation where it was; a new member starts at its first worker. A
 * member left with fewer workers than its position restarts at its first worker when it is next
 * chosen (so one that gets its workers back before its next turn continues where it was).
 *
 * <h2>As data</h2>
 * The policy is the sequence {@code 0, 1, ..., members-1} ({@link ExpressibleSelector}): a kernel
 * program running it keeps one application rotor and one worker rotor per application, shared by
 * every CPU (atomic fetch-add), so over all CPUs together the order is exact when connections come
 * one at a time, and the counts of any two applications differ by at most the connections in
 * flight at once.
 */
final class RoundRobinSelector implements ReuseportSelector, ExpressibleSelector {

    /** Ints per cache-line pair: threads' regions start this far apart at least. */
    private static final int PAD_INTS = 32;

    private final int threads;
    private volatile State state = new State(null, 0, new long[0], 1, new int[0], new int[] {0});

    /**
     * One membership epoch's rotors, with that epoch's layout (so {@link #select} reads no view
     * accessor). For thread t, {@code cells[t * stride]} is the next member's position and
     * {@code cells[t * stride + 1 + m]} the slot member m gives next (kept as a slot, not as a
     * position inside the member, so a choice reads no per-member position to add), or past the
     * member's last slot after it lost workers (then its rotation restarts); member m's slots are
     * {@code start[m] .. start[m + 1] - 1}.
     */
    private static final class State {
        final ReuseportGroupView view;
        final long epoch;
        final long[] handles;
        final int stride;
        final int[] cells;
        final int[] start;
        final int members;

        State(ReuseportGroupView view, long epoch, long[] handles, int stride, int[] cells, int[] start) {
            this.view = view;
            this.epoch = epoch;
            this.handles = handles;
            this.stride = stride;
            this.cells = cells;
            this.start = start;
            this.members = start.length - 1;
        }
    }

    RoundRobinSelector(int threads) {
        this.threads = threads;
    }

    @Override
    public int select(ReuseportGroupView group, FlowView flow, int thread) {
        final State st = state;
        if (st.view != group && st.epoch != group.epoch()) {
            // a selection still running on the view before a change: answer safely, keep no state
            return 0;
        }
        final int[] c = st.cells;
        final int base = thread * st.stride;
        // only this thread writes its cells, always with a member position below st.members
        final int m = c[base];
        final int nextMember = m + 1;
        c[base] = nextMember == st.members ? 0 : nextMember;
        final int rotor = base + 1 + m;
        final int[] start = st.start;
        final int end = start[m + 1];
        int slot = c[rotor];
        if (slot >= end) {
            // carried over from before the member lost workers: its rotation restarts
            slot = start[m];
        }
        final int nextSlot = slot + 1;
        c[rotor] = nextSlot == end ? start[m] : nextSlot;
        return slot;
    }

    /** The next choice is simply the next in the rotation. */
    @Override
    public int reselect(ReuseportGroupView group, FlowView flow, int thread, int rejectedSlot, int attempt) {
        return select(group, flow, thread);
    }

    @Override
    public void membershipChanged(ReuseportGroupView group) {
        final State old = state;
        final int n = group.memberCount();
        final long[] handles = new long[n];
        final int[] start = new int[n + 1];
        for (int m = 0; m < n; m++) {
            handles[m] = group.member(m).listenSessionHandle();
            start[m] = group.memberFirstSlot(m);
        }
        start[n] = group.workerCount();
        final int stride = (1 + n + PAD_INTS - 1) / PAD_INTS * PAD_INTS;
        final int[] cells = new int[threads * stride];
        Map<Long, Integer> oldPosition = new HashMap<>();
        for (int m = 0; m < old.handles.length; m++) {
            oldPosition.put(old.handles[m], m);
        }
        for (int m = 0; m < n; m++) {
            final Integer was = oldPosition.get(handles[m]);
            for (int t = 0; t < threads; t++) {
                // the member's position in its own rotation carries over as it is (0 for a new
                // member); a position past its workers now restarts at its first worker when it
                // is next chosen, so a member that loses workers and gets them back before its
                // next turn continues where it was
                final int k = was == null ? 0 : old.cells[t * old.stride + 1 + was] - old.start[was];
                cells[t * stride + 1 + m] = start[m] + k;
            }
        }
        state = new State(group, group.epoch(), handles, stride, cells, start);
    }

    /** Round robin over the members in join order, then over each member's workers. */
    @Override
    public SelectionData selectionData(ReuseportGroupView group) {
        return SelectionData.Sequence.roundRobin(group.memberCount());
    }
}
