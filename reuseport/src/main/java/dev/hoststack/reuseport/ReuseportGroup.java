package dev.hoststack.reuseport;

import dev.hoststack.api.AppListener;
import dev.hoststack.api.AppNamespace;
import dev.hoststack.api.DropReason;
import dev.hoststack.api.Endpoint;
import dev.hoststack.api.JHash;
import dev.hoststack.api.SessionHandle;
import dev.hoststack.api.spi.FlowView;
import dev.hoststack.api.spi.ReuseportGroupView;
import dev.hoststack.api.spi.ReuseportSelector;
import dev.hoststack.session.Dispatch;
import dev.hoststack.session.ListenTarget;
import dev.hoststack.session.SessionTables;
import dev.hoststack.session.internal.AppNamespaceImpl;
import dev.hoststack.session.internal.ListenSession;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
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
    /** Weights other than the default, by member (control thread only). */
    private final Map<ListenSession, Integer> weights = new IdentityHashMap<>();
    private volatile GroupView view;
    private long epoch;

    /**
     * Selections per data thread at {@code (thread + 1) * PAD}, each written only by its thread (no
     * atomics on the SYN path), each on its own cache lines and none on the array header's (which
     * every thread reads for the bounds check).
     */
    private final long[] selectionsByThread;
    private static final int PAD = 16;
    final LongAdder fallbacks = new LongAdder();
    final LongAdder selectorDrops = new LongAdder();
    final LongAdder migrations = new LongAdder();
    /** Exceptions thrown by the selector (each select or reselect that threw also counts as a fallback). */
    final LongAdder selectorErrors = new LongAdder();
    /** The last exception the selector threw, or null. */
    private volatile Throwable lastSelectorError;

    /** What {@link #select} answers when the selector threw: out of range, so the hash falls back. */
    static final int SELECTOR_THREW = Integer.MIN_VALUE;

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
        this.selectionsByThread = new long[(threads + 1) * PAD];
        value(SessionHandle.groupValue(index));
    }

    /**
     * The selector's slot, validated by one bounds check against the view it was given and
     * resolved to the slot's precomputed dispatch result; an answer out of range falls back to the
     * kernel's hash over all slots, counted, and so does an exception from the selector (counted
     * as a selector error too); {@link ReuseportSelector#DROP} drops the SYN, counted. No liveness
     * reads: a view names only live listen sessions and workers (see
     * {@link GroupView}). Data plane; lock-free, allocation-free.
     */
    @Override
    public long dispatch(FlowView flow, int thread) {
        final GroupView v = view;
        final long[] dispatch = v.dispatch;
        if (dispatch.length == 0) {
            return Dispatch.drop(DropReason.LISTENER_GONE);
        }
        final int slot = select(v, flow, thread);
        if (slot >= 0 && slot < dispatch.length) {
            countSelection(thread);
            return dispatch[slot];
        }
        return resolve(v, slot, flow, thread);
    }

    /** The selector's {@link ReuseportSelector#reselect} after the slot of {@code rejected}. */
    @Override
    public long redispatch(FlowView flow, int thread, long rejected, int attempt) {
        final GroupView v = view;
        if (v.dispatch.length == 0) {
            return Dispatch.drop(DropReason.LISTENER_GONE);
        }
        final int rejectedSlot = v.slotOf(rejected);
        return resolve(v, rejectedSlot < 0 ? select(v, flow, thread)
                : reselect(v, flow, thread, rejectedSlot, attempt), flow, thread);
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
        final long[] counts = selectionsByThread;
        final int at = (thread + 1) * PAD;
        SELECTIONS.setOpaque(counts, at, counts[at] + 1);
    }

    private static final java.lang.invoke.VarHandle SELECTIONS =
            java.lang.invoke.MethodHandles.arrayElementVarHandle(long[].class);

    /** The hash secret of its selector and of the fallback. */
    public int hashSecret() {
        return hashSecret;
    }

    /**
     * Rebuilds the view after a membership or weight change, tells the selector, then publishes
     * it. A selector that throws from {@code membershipChanged} is counted (its answers are still
     * checked against each view) and the change stands.
     */
    void republish() {
        int[] w = new int[members.size()];
        for (int i = 0; i < w.length; i++) {
            w[i] = weights.getOrDefault(members.get(i), ReuseportGroupView.DEFAULT_WEIGHT);
        }
        GroupView next = new GroupView(index, endpoint, ++epoch, members, w);
        if (!members.isEmpty()) {
            try {
                selector.membershipChanged(next);
            } catch (RuntimeException | LinkageError | AssertionError e) {
                selectorFailed(e);
            }
        }
        view = next;
    }

    /** The selector's {@code select}; {@link #SELECTOR_THREW} if it threw (counted). Data plane. */
    int select(GroupView v, FlowView flow, int thread) {
        try {
            return selector.select(v, flow, thread);
        } catch (RuntimeException | LinkageError | AssertionError e) {
            selectorFailed(e);
            return SELECTOR_THREW;
        }
    }

    /** The selector's {@code reselect}; {@link #SELECTOR_THREW} if it threw (counted). Data plane. */
    int reselect(GroupView v, FlowView flow, int thread, int rejectedSlot, int attempt) {
        try {
            return selector.reselect(v, flow, thread, rejectedSlot, attempt);
        } catch (RuntimeException | LinkageError | AssertionError e) {
            selectorFailed(e);
            return SELECTOR_THREW;
        }
    }

    private void selectorFailed(Throwable e) {
        selectorErrors.increment();
        lastSelectorError = e;
    }

    /** A member's weight (control thread). */
    int weight(ListenSession member) {
        return weights.getOrDefault(member, ReuseportGroupView.DEFAULT_WEIGHT);
    }

    /** Sets a member's weight and publishes a new view if it changed (control thread; checked by the caller). */
    void weight(ListenSession member, int weight) {
        if (weight(member) == weight) {
            return;
        }
        if (weight == ReuseportGroupView.DEFAULT_WEIGHT) {
            weights.remove(member);
        } else {
            weights.put(member, weight);
        }
        republish();
    }

    /** Forgets a departed member's weight (control thread). */
    void forget(ListenSession member) {
        weights.remove(member);
    }

    GroupView view() {
        return view;
    }

    ReuseportSelector selector() {
        return selector;
    }

    /**
     * Whether the group's selector can be written down as data
     * ({@link dev.hoststack.api.spi.ExpressibleSelector}), so that another engine (the kernel) can
     * run the group's selection.
     */
    public boolean expressible() {
        return selector instanceof dev.hoststack.api.spi.ExpressibleSelector;
    }

    /**
     * The group's policy as data for its current view, checked against that view; null when the
     * selector is not {@linkplain #expressible() expressible}, the group has no member, or the
     * selector has no data for this view. Control thread; may take milliseconds (a table).
     *
     * @throws IllegalArgumentException when the selector's data does not fit the view (a selector bug)
     */
    public dev.hoststack.api.spi.SelectionData selectionData() {
        GroupView v = view;
        if (!(selector instanceof dev.hoststack.api.spi.ExpressibleSelector e) || v.memberCount() == 0) {
            return null;
        }
        dev.hoststack.api.spi.SelectionData data = e.selectionData(v);
        return data == null ? null : dev.hoststack.api.spi.SelectionData.check(data, v);
    }

    /** The current view (members in join order, their listening workers). */
    public dev.hoststack.api.spi.ReuseportGroupView currentView() {
        return view;
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
    public AppNamespace namespace() {
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
    List<ListenSession> members() {
        return List.copyOf(members);
    }

    /** Its members' app listeners, in join order: application, endpoint, listening workers (control thread). */
    public List<AppListener> memberListeners() {
        List<AppListener> out = new ArrayList<>(members.size());
        for (ListenSession m : members) {
            out.add(m.appListener());
        }
        return out;
    }

    /** The current membership epoch. */
    public long epoch() {
        return view.epoch();
    }

    /** Selections made, over all data threads (exact once they are quiescent). */
    public long selections() {
        long n = 0;
        for (int t = PAD; t < selectionsByThread.length; t += PAD) {
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

    /**
     * Exceptions the selector threw: from {@code select} or {@code reselect} (each also counted as
     * a fallback to the kernel's hash) or from {@code membershipChanged}.
     */
    public long selectorErrors() {
        return selectorErrors.sum();
    }

    /** The last exception the selector threw, or null; for a message that says what it was. */
    public Throwable lastSelectorError() {
        return lastSelectorError;
    }

    /** The weights of its members, in join order (control thread). */
    public int[] weights() {
        int[] w = new int[members.size()];
        for (int i = 0; i < w.length; i++) {
            w[i] = weight(members.get(i));
        }
        return w;
    }

    @Override
    public String toString() {
        return "group " + index + " " + endpoint.toUri() + " in " + tables.name() + " (" + selectorName + ", "
                + members.size() + " members)";
    }
}
