package dev.hoststack.selector.roundrobin;

import com.google.common.math.LongMath;
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
 * <p>The answer is the slot of member {@code m}'s {@code k}-th worker, {@code memberFirstSlot(m) + k}.
 * One thread's choices over one view repeat with period members x lcm(workers of each member)
 * (18 for the seed's 1, 2, 3 workers), so at each membership change every thread's next period
 * is compiled into a cycle of slots (repeated to at least {@value #MIN_RUN} choices), and a choice
 * is one array read, an increment with wrap and a store; a group whose period would pass
 * {@value #MAX_CYCLE} choices keeps two rotors per thread (the next member, and each member's
 * next slot), no search either way.
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

    /**
     * The longest per-thread cycle of slots compiled for a view (4 KiB of {@code int}s per thread):
     * longer ones (member counts times the lcm of their worker counts past it, e.g. workers of 7,
     * 8, 9 and 11) keep the two rotors.
     */
    static final int MAX_CYCLE = 1024;

    /**
     * The fewest choices a thread's compiled cycle holds: a shorter period is repeated (1 x 1
     * workers: 128 times), so the end marker is read at most once every this many choices. With
     * the period itself (1 for one worker, 18 for the seed) a choice at the marker costs a
     * mispredicted branch and a second dependent read, and with a period of 1 every choice did.
     */
    static final int MIN_RUN = 128;

    /**
     * The cell every thread's index names in the two-rotor form: the one read of a choice finds
     * it (negative, and no end marker is this small), so both forms share one fast path and the
     * form is not tested per choice.
     */
    static final int ROTORS = Integer.MIN_VALUE;

    private final int threads;
    private volatile State state = new State(null, 0, new long[0], 1, new int[0], new int[] {0}, 0, null, 0);

    /**
     * One membership epoch's rotors, with that epoch's layout (so {@link #select} reads no view
     * accessor), in one of two forms.
     *
     * <p><b>Cycle</b> ({@code cycle > 0}): thread t's choices over this view are periodic with
     * period members x lcm(workers of each member) (after that many choices the application
     * rotor is back at the first member and every member's worker rotor where it started), so
     * they are compiled, per thread, from that thread's rotors at the change, into
     * {@code cells[begin(t) .. begin(t) + cycle - 1]}, where {@code cycle} is that period repeated
     * to at least {@link #MIN_RUN} choices, followed by {@code -begin(t)} (a negative
     * end marker that says where the cycle starts again). {@code cells[(t + 1) * PAD_INTS]} is the
     * index of thread t's next choice in {@code cells} (each thread's on its own lines, none on
     * the array header's, which every thread reads). A choice is one read of that index, one read of
     * the slot it names (again at the start when it is the end marker) and one store. The rotors
     * are recovered from the index at the next change ({@link #workerPosition}):
     * {@code k0[t * members + m]} is member m's worker position at the cycle's start.
     *
     * <p><b>Two rotors</b> ({@code cycle == 0}, when the cycle would be longer than
     * {@link #MAX_CYCLE}, or when a member's carried position is past its workers): every
     * thread's index is 0 and {@code cells[0]} is {@link #ROTORS}, so the cycle form's first read
     * leads here; {@code cells[begin(t)]} is the next member's position and
     * {@code cells[begin(t) + 1 + m]} the slot member m gives next (kept as a slot, not as a position inside the member, so a
     * choice reads no per-member position to add), or past the member's last slot after it lost
     * workers (then its rotation restarts); member m's slots are {@code start[m] .. start[m + 1] - 1}.
     */
    private static final class State {
        final ReuseportGroupView view;
        final long epoch;
        final long[] handles;
        final int stride;
        final int[] cells;
        final int[] start;
        final int members;
        final int cycle;
        final int[] k0;
        final int threads;

        State(ReuseportGroupView view, long epoch, long[] handles, int stride, int[] cells, int[] start, int cycle,
              int[] k0, int threads) {
            this.threads = threads;
            this.view = view;
            this.epoch = epoch;
            this.handles = handles;
            this.stride = stride;
            this.cells = cells;
            this.start = start;
            this.members = start.length - 1;
            this.cycle = cycle;
            this.k0 = k0;
        }

        /** Where thread t's cycle starts in {@link #cells} (cycle form). */
        int begin(int t) {
            return RoundRobinSelector.begin(threads, stride, t);
        }

        /**
         * Thread t's next worker position inside member m (0-based; possibly past the member's
         * workers after it lost some). A racy read of the thread's cells: exact when the thread
         * is not selecting at that moment.
         */
        int workerPosition(int t, int m) {
            if (cycle == 0) {
                return cells[begin(t) + 1 + m] - start[m];
            }
            final int p = cells[(t + 1) * PAD_INTS] - begin(t);
            // choices of member m among positions 0..p-1 (member j % members at position j)
            final int chosen = (p + members - 1 - m) / members;
            return (k0[t * members + m] + chosen) % (start[m + 1] - start[m]);
        }
    }

    /** Where thread t's cycle starts in {@code cells}, for a state with {@code threads} threads and {@code stride}. */
    static int begin(int threads, int stride, int t) {
        return (threads + 1) * PAD_INTS + t * stride;
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
        // only this thread writes its index, always one inside its own cycle (0 for two rotors)
        final int at = (thread + 1) * PAD_INTS;
        int i = c[at];
        int slot = c[i];
        if (slot < 0) {
            if (slot == ROTORS) {
                return rotors(st, c, thread);
            }
            // the end marker: the cycle starts again
            i = -slot;
            slot = c[i];
        }
        c[at] = i + 1;
        return slot;
    }

    /** A choice in the two-rotor form: the next member, then that member's next slot. */
    private static int rotors(State st, int[] c, int thread) {
        final int base = st.begin(thread);
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
        Map<Long, Integer> oldPosition = new HashMap<>();
        for (int m = 0; m < old.handles.length; m++) {
            oldPosition.put(old.handles[m], m);
        }
        // each thread's worker position in each member: it carries over as it is (0 for a new
        // member); a position past its workers now restarts at its first worker when it is next
        // chosen, so a member that loses workers and gets them back before its next turn
        // continues where it was
        final int[] k = new int[threads * n];
        boolean inRange = true;
        for (int m = 0; m < n; m++) {
            final Integer was = oldPosition.get(handles[m]);
            for (int t = 0; t < threads; t++) {
                final int pos = was == null ? 0 : old.workerPosition(t, was);
                k[t * n + m] = pos;
                inRange &= pos < start[m + 1] - start[m];
            }
        }
        final long cycle = inRange ? cycleLength(start) : 0;
        final State next;
        if (cycle > 0 && cycle <= MAX_CYCLE) {
            // the period repeated to at least MIN_RUN choices: the end marker (a mispredicted
            // branch, and a second read of the cells the next store waits for) once per run
            final int len = (int) cycle * (int) ((MIN_RUN + cycle - 1) / cycle);
            // the cycle and its end marker; threads' cycles are only read, so they may share lines
            final int stride = len + 1;
            final int[] cells = new int[begin(threads, stride, threads)];
            for (int t = 0; t < threads; t++) {
                final int b = begin(threads, stride, t);
                cells[(t + 1) * PAD_INTS] = b;
                for (int p = 0; p < cycle; p++) {
                    final int m = p % n;
                    final int w = start[m + 1] - start[m];
                    cells[b + p] = start[m] + (k[t * n + m] + p / n) % w;
                }
                // the repetitions are copies of the period, the filled part doubling each time
                // (each choice above takes three integer divisions; computing all 128 of a short
                // period's repetitions that way made a join and a leave several times dearer).
                // Both the filled part and the rest are whole periods, so every copy is too.
                for (int filled = (int) cycle; filled < len; ) {
                    final int copy = Math.min(filled, len - filled);
                    System.arraycopy(cells, b, cells, b + filled, copy);
                    filled += copy;
                }
                cells[b + len] = -b;
            }
            next = new State(group, group.epoch(), handles, stride, cells, start, len, k, threads);
        } else {
            final int stride = (1 + n + PAD_INTS - 1) / PAD_INTS * PAD_INTS;
            final int[] cells = new int[begin(threads, stride, threads)];
            // every thread's index stays 0, naming this cell
            cells[0] = ROTORS;
            for (int m = 0; m < n; m++) {
                for (int t = 0; t < threads; t++) {
                    cells[begin(threads, stride, t) + 1 + m] = start[m] + k[t * n + m];
                }
            }
            next = new State(group, group.epoch(), handles, stride, cells, start, 0, null, threads);
        }
        state = next;
    }

    /**
     * Members x lcm(workers of each member): the period of one thread's choices; a value past
     * {@link #MAX_CYCLE} stands for any longer one.
     */
    static long cycleLength(int[] start) {
        final int n = start.length - 1;
        long lcm = 1;
        for (int m = 0; m < n && lcm * n <= MAX_CYCLE; m++) {
            final long w = start[m + 1] - start[m];
            lcm = lcm / LongMath.gcd(lcm, w) * w;
        }
        return lcm * n;
    }

    /** Round robin over the members in join order, then over each member's workers. */
    @Override
    public SelectionData selectionData(ReuseportGroupView group) {
        return SelectionData.Sequence.roundRobin(group.memberCount());
    }
}
