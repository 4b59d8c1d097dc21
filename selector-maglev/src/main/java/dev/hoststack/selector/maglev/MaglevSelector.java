package dev.hoststack.selector.maglev;

import dev.hoststack.api.JHash;
import dev.hoststack.api.spi.ExpressibleSelector;
import dev.hoststack.api.spi.FlowView;
import dev.hoststack.api.spi.ReuseportGroupView;
import dev.hoststack.api.spi.ReuseportSelector;
import dev.hoststack.api.spi.SelectionData;
import java.util.Arrays;

/**
 * Maglev consistent hashing over a group's worker slots: a flow goes to
 * {@code table[reciprocal_scale(h, M)]}, {@code h} the kernel's 4-tuple hash with the stack's
 * secret (the same hash {@code hash} uses, so the two differ only in how the hash becomes a
 * slot), and the table is {@link MaglevTable#build} over the slots' names
 * ({@link MaglevTable#name}: application name and worker index), of prime size
 * {@link MaglevTable#sizeFor} (65,537 up to 655 workers). Like {@code hash} it counts sockets,
 * not applications: an application of three workers gets about half of a 1 + 2 + 3 group.
 * Weights are not used.
 *
 * <h2>Disruption</h2>
 * When a worker leaves, its entries go to the others and only a few percent of the others' flows
 * move: the fill order shifts a little, not the whole range. {@code hash}'s range partition
 * ({@code reciprocal_scale(h, n)}) moves far more: when 1 of 10 leaves from the middle, the
 * ranges after it all shift. A change of a member's weight changes no name: the table stays.
 * Growing past 655 workers (or 2,621, 10,485) moves to a bigger table and remaps nearly all.
 *
 * <h2>Cost and concurrency</h2>
 * A selection is the flow hash, a multiply-shift and one read of a 256 KiB table (L2 on this
 * class of machine); no writes, nothing per thread. The control thread builds the table at each
 * change (a few milliseconds for 65,537 entries) and publishes it with the view's epoch; the
 * previous table is kept for selections still running on the previous view; a view older than
 * that (several changes during one selection) gets the kernel's {@code hash} answer for it.
 *
 * <h2>In the kernel</h2>
 * The table is the policy as data ({@link SelectionData.Lookup}): a daemon that dispatches in the
 * kernel publishes it and the {@code SK_REUSEPORT} program indexes it with the kernel's own 4-tuple
 * hash modulo the table's size. Which flow lands in which bucket then differs from
 * {@link #select} (the kernel's hash carries its own secret and is taken modulo, not scaled); the
 * shares and how few flows move at a change are the table's, the same.
 */
final class MaglevSelector implements ReuseportSelector, ExpressibleSelector {

    private final int secret;
    private volatile Tables tables = new Tables(null, new State(0, new long[0], new int[0], 0));

    /** A table for one epoch. */
    private static final class State {
        final long epoch;
        final long[] names;
        final int[] table;
        final int size;

        State(long epoch, long[] names, int[] table, int size) {
            this.epoch = epoch;
            this.names = names;
            this.table = table;
            this.size = size;
        }
    }

    /** The current table and the one before it, published together. */
    private static final class Tables {
        final State previous;
        final State current;

        Tables(State previous, State current) {
            this.previous = previous;
            this.current = current;
        }
    }

    MaglevSelector(int secret) {
        this.secret = secret;
    }

    @Override
    public int select(ReuseportGroupView group, FlowView flow, int thread) {
        final int h = JHash.flowHash(flow, secret);
        final Tables t = tables;
        final long epoch = group.epoch();
        State s = t.current;
        if (s.epoch != epoch) {
            s = t.previous;
            if (s == null || s.epoch != epoch) {
                return JHash.reciprocalScale(h, group.workerCount());
            }
        }
        return s.table[JHash.reciprocalScale(h, s.size)];
    }

    @Override
    public void membershipChanged(ReuseportGroupView group) {
        final int n = group.workerCount();
        final long[] names = new long[n];
        for (int slot = 0; slot < n; slot++) {
            names[slot] = MaglevTable.name(group.member(group.slotMember(slot)).appName(), group.slotWorker(slot));
        }
        final State cur = tables.current;
        final int size = MaglevTable.sizeFor(n);
        final int[] table = size == cur.size && Arrays.equals(names, cur.names) ? cur.table : MaglevTable.build(names, size);
        tables = new Tables(cur, new State(group.epoch(), names, table, size));
    }

    /** The table of {@code group}'s view (copied into the data), or null when the view is not the current one. */
    @Override
    public SelectionData selectionData(ReuseportGroupView group) {
        final State s = tables.current;
        if (s.epoch != group.epoch() || s.table.length == 0) {
            return null;
        }
        return new SelectionData.Lookup(s.table);
    }

    /** The current table (a copy), for tests and inspection. */
    int[] table() {
        return tables.current.table.clone();
    }
}
