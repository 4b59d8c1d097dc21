package dev.hoststack.reuseport;

import dev.hoststack.api.DropReason;
import dev.hoststack.api.Endpoint;
import dev.hoststack.api.JHash;
import dev.hoststack.api.SessionHandle;
import dev.hoststack.api.spi.FlowView;
import dev.hoststack.api.spi.ReuseportSelector;
import dev.hoststack.session.AppNamespaceImpl;
import dev.hoststack.session.Dispatch;
import dev.hoststack.session.ListenSession;
import dev.hoststack.session.ListenTarget;
import dev.hoststack.session.SessionTables;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.LongAdder;

/**
 * One reuseport group: every reuseport listen session on one (table set, protocol, family,
 * address, port), with its selector. Membership changes on the control thread by publishing a
 * new {@link GroupView}; data threads read the current view without locks.
 *
 * <p>As a {@link ListenTarget} it is what the table set's listener index holds for the group's
 * endpoint: a SYN goes from its port straight here, then to the selector and the view's
 * precomputed dispatch result of the slot it answers.
 */
public final class ReuseportGroup extends ListenTarget {

    private final int index;
    private final SessionTables tables;
    private final Endpoint endpoint;
    private final AppNamespaceImpl namespace;
    private final int owner;
    private final String selectorName;
    private final ReuseportSelector selector;
    private volatile boolean migrate;
    private final int hashSecret;
    /** Control thread only. */
    final List<ListenSession> members = new ArrayList<>();
    private volatile GroupView view;
    private long epoch;

    /** Selections per data thread, each written only by its thread (no atomics on the SYN path). */
    private final long[] selectionsByThread;
    private static final int PAD = 16;
    final LongAdder fallbacks = new LongAdder();
    final LongAdder selectorDrops = new LongAdder();
    final LongAdder migrations = new LongAdder();

    ReuseportGroup(int index, SessionTables tables, Endpoint endpoint, AppNamespaceImpl namespace, int owner,
                   String selectorName, ReuseportSelector selector, boolean migrate, int hashSecret, int threads) {
        this.index = index;
        this.tables = tables;
        this.endpoint = endpoint;
        this.namespace = namespace;
        this.owner = owner;
        this.selectorName = selectorName;
        this.selector = selector;
        this.migrate = migrate;
        this.hashSecret = hashSecret;
        this.selectionsByThread = new long[threads * PAD];
        value(SessionHandle.groupValue(index));
    }

    /**
     * The selector's slot, validated by one bounds check against the view it was given and
     * resolved to the slot's precomputed dispatch result; an answer out of range falls back to the
     * kernel's hash over all slots, counted; {@link ReuseportSelector#DROP} drops the SYN,
     * counted. No liveness reads: a view names only live listen sessions and workers (see
     * {@link GroupView}). Data plane; lock-free, allocation-free.
     */
    @Override
    public long dispatch(FlowView flow, int thread) {
        final GroupView v = view;
        final int n = v.dispatch.length;
        if (n == 0) {
            return Dispatch.drop(DropReason.LISTENER_GONE);
        }
        return resolve(v, selector.select(v, flow, thread), flow, thread);
    }

    /** The selector's {@link ReuseportSelector#reselect} after the slot of {@code rejected}. */
    @Override
    public long redispatch(FlowView flow, int thread, long rejected, int attempt) {
        final GroupView v = view;
        if (v.dispatch.length == 0) {
            return Dispatch.drop(DropReason.LISTENER_GONE);
        }
        final int rejectedSlot = v.slotOf(rejected);
        return resolve(v, rejectedSlot < 0 ? selector.select(v, flow, thread)
                : selector.reselect(v, flow, thread, rejectedSlot, attempt), flow, thread);
    }

    private long resolve(GroupView v, int slot, FlowView flow, int thread) {
        final long[] dispatch = v.dispatch;
        if (slot < 0 || slot >= dispatch.length) {
            if (slot == ReuseportSelector.DROP) {
                selectorDrops.increment();
                return Dispatch.drop(DropReason.SELECTOR_DROP);
            }
            fallbacks.increment();
            slot = JHash.reciprocalScale(JHash.flowHash(flow, hashSecret), dispatch.length);
        }
        countSelection(thread);
        return dispatch[slot];
    }

    /** Counts a selection made on data thread {@code thread} (that thread only; allocation-free). */
    void countSelection(int thread) {
        SELECTIONS.setOpaque(selectionsByThread, thread * PAD, selectionsByThread[thread * PAD] + 1);
    }

    private static final java.lang.invoke.VarHandle SELECTIONS =
            java.lang.invoke.MethodHandles.arrayElementVarHandle(long[].class);

    /** The hash secret of its selector and of the fallback. */
    public int hashSecret() {
        return hashSecret;
    }

    /** Rebuilds the view after a membership change, tells the selector, then publishes it. */
    void republish() {
        GroupView next = new GroupView(index, endpoint, ++epoch, members);
        if (!members.isEmpty()) {
            selector.membershipChanged(next);
        }
        view = next;
    }

    GroupView view() {
        return view;
    }

    ReuseportSelector selector() {
        return selector;
    }

    /** The group's index. */
    public int index() {
        return index;
    }

    /** The table set it lives in. */
    public SessionTables tables() {
        return tables;
    }

    /** Its endpoint. */
    public Endpoint endpoint() {
        return endpoint;
    }

    /** The namespace of its members. */
    public AppNamespaceImpl namespace() {
        return namespace;
    }

    /** The owner identity of its members. */
    public int owner() {
        return owner;
    }

    /** Its selection policy's name. */
    public String selectorName() {
        return selectorName;
    }

    /** Whether a departing member's pending connections move to the others. */
    public boolean migrate() {
        return migrate;
    }

    /** Turns migration on or off (control thread). */
    public void migrate(boolean on) {
        this.migrate = on;
    }

    /** Its members' listen sessions, in join order (control thread). */
    public List<ListenSession> members() {
        return List.copyOf(members);
    }

    /** The current membership epoch. */
    public long epoch() {
        return view.epoch();
    }

    /** Selections made, over all data threads (exact once they are quiescent). */
    public long selections() {
        long n = 0;
        for (int t = 0; t < selectionsByThread.length; t += PAD) {
            n += (long) SELECTIONS.getOpaque(selectionsByThread, t);
        }
        return n;
    }

    /** Selections where the selector answered out of range and the kernel hash chose instead. */
    public long fallbacks() {
        return fallbacks.sum();
    }

    /** SYNs the selector dropped. */
    public long selectorDrops() {
        return selectorDrops.sum();
    }

    /** Connections migrated from departing members. */
    public long migrations() {
        return migrations.sum();
    }

    @Override
    public String toString() {
        return "group " + index + " " + endpoint.toUri() + " in " + tables.name() + " (" + selectorName + ", "
                + members.size() + " members)";
    }
}
