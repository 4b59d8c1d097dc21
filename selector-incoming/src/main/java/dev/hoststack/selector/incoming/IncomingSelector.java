package dev.hoststack.selector.incoming;

import dev.hoststack.api.spi.FlowView;
import dev.hoststack.api.spi.ReuseportGroupView;
import dev.hoststack.api.spi.ReuseportSelector;
import java.util.HashMap;
import java.util.Map;

/**
 * The receiving data thread's own worker first: the kernel's {@code SO_INCOMING_CPU} idea (a
 * reuseport group prefers the socket whose {@code sk_incoming_cpu} is the CPU that received the
 * SYN, so a connection stays on the CPU whose cache holds it). Here a data thread stands for the
 * CPU: data thread {@code t}'s own worker in a member of {@code w} workers is the member's worker
 * at position {@code t mod w}. With as many workers per member as data threads, thread k's
 * connections go to worker k of each member.
 *
 * <p>Members take turns as in {@code roundrobin} (each thread its own rotation, join order). The
 * chosen member's own worker for the thread is answered unless it is congested; then, and on
 * every {@link #reselect}, the member's workers go round robin (each thread its own rotor per
 * member), which is the fallback the issue names.
 *
 * <p>Concurrency: per-thread state only (a member rotor, a worker rotor per member, each member's
 * own worker position for the thread), in 128-byte-aligned regions of one array; no atomics, no
 * allocation. A membership change restarts the member rotation at the first member and keeps each
 * staying member's worker rotor.
 */
final class IncomingSelector implements ReuseportSelector {

    /** Ints per cache-line pair. */
    private static final int PAD_INTS = 32;

    private final int threads;
    private volatile State state = new State(0, new long[0], 1, new int[PAD_INTS]);

    /**
     * For thread t: {@code cells[t * stride]} the next member, {@code cells[t * stride + 1 + m]}
     * member m's round robin rotor, {@code cells[t * stride + 1 + n + m]} member m's worker
     * position for thread t ({@code t mod} its worker count), fixed for the epoch.
     */
    private static final class State {
        final long epoch;
        final long[] handles;
        final int stride;
        final int[] cells;

        State(long epoch, long[] handles, int stride, int[] cells) {
            this.epoch = epoch;
            this.handles = handles;
            this.stride = stride;
            this.cells = cells;
        }
    }

    IncomingSelector(int threads) {
        this.threads = Math.max(1, threads);
    }

    @Override
    public int select(ReuseportGroupView group, FlowView flow, int thread) {
        final State st = state;
        final int t = thread >= 0 && thread < threads ? thread : 0;
        if (st.epoch != group.epoch()) {
            // a selection still running on the view before a change: its own worker of member 0
            return group.memberFirstSlot(0) + t % group.memberWorkerCount(0);
        }
        final int[] c = st.cells;
        final int base = t * st.stride;
        final int n = group.memberCount();
        int m = c[base];
        if (m >= n || m < 0) {
            m = 0;
        }
        c[base] = m + 1 == n ? 0 : m + 1;
        final int own = group.memberFirstSlot(m) + c[base + 1 + n + m];
        return group.slotCongested(own) ? roundRobin(group, c, base, m) : own;
    }

    /** Member m's next worker in this thread's rotation. */
    private static int roundRobin(ReuseportGroupView group, int[] c, int base, int m) {
        final int wc = group.memberWorkerCount(m);
        final int rotor = base + 1 + m;
        int k = c[rotor];
        if (k >= wc || k < 0) {
            k = 0;
        }
        c[rotor] = k + 1 == wc ? 0 : k + 1;
        return group.memberFirstSlot(m) + k;
    }

    /**
     * The rejected slot's member's next worker in this thread's round robin, never the rejected
     * one; for a member of one worker, the next member's next worker.
     */
    @Override
    public int reselect(ReuseportGroupView group, FlowView flow, int thread, int rejectedSlot, int attempt) {
        final State st = state;
        final int n = group.memberCount();
        if (st.epoch != group.epoch() || rejectedSlot < 0 || rejectedSlot >= group.workerCount()) {
            return select(group, flow, thread);
        }
        final int t = thread >= 0 && thread < threads ? thread : 0;
        final int base = t * st.stride;
        int m = group.slotMember(rejectedSlot);
        if (group.memberWorkerCount(m) == 1) {
            m = m + 1 == n ? 0 : m + 1;
        }
        final int next = roundRobin(group, st.cells, base, m);
        // never the slot just refused, when the member has another
        return next == rejectedSlot ? roundRobin(group, st.cells, base, m) : next;
    }

    @Override
    public void membershipChanged(ReuseportGroupView group) {
        final State old = state;
        final int n = group.memberCount();
        final long[] handles = new long[n];
        for (int m = 0; m < n; m++) {
            handles[m] = group.member(m).listenSessionHandle();
        }
        final int stride = (1 + 2 * n + PAD_INTS - 1) / PAD_INTS * PAD_INTS;
        final int[] cells = new int[threads * stride];
        Map<Long, Integer> oldPosition = new HashMap<>();
        for (int m = 0; m < old.handles.length; m++) {
            oldPosition.put(old.handles[m], m);
        }
        for (int t = 0; t < threads; t++) {
            for (int m = 0; m < n; m++) {
                cells[t * stride + 1 + n + m] = t % group.memberWorkerCount(m);
                Integer was = oldPosition.get(handles[m]);
                if (was != null) {
                    cells[t * stride + 1 + m] = old.cells[t * old.stride + 1 + was];
                }
            }
        }
        state = new State(group.epoch(), handles, stride, cells);
    }
}
