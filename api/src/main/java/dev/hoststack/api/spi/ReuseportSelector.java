package dev.hoststack.api.spi;

/**
 * Picks the member and worker of a reuseport group that gets a new connection.
 *
 * <h2>Contract</h2>
 * <ul>
 *   <li>One instance per group, made by {@link ReuseportSelectorProvider#create} on the control
 *       thread when the group is created, dropped when the group is removed.</li>
 *   <li>{@link #select} is called on the data thread that received the SYN, whose index is
 *       {@code thread}; several data threads may call it at once for the same group. State the
 *       selector keeps must be safe for that: per-thread state indexed by {@code thread} (written
 *       only by that thread) needs no synchronisation; shared state needs atomics.</li>
 *   <li>{@link #select} must not allocate, block, or throw: it is on the SYN path. It returns
 *       {@link Selection#of(int, int)} with a member position in {@code 0..memberCount()-1} and a
 *       worker index that member lists, or {@link Selection#DROP}. Anything else is counted as
 *       an invalid selection and the group falls back to the kernel's hash over all workers
 *       (as the kernel falls back when a reuseport program returns an index out of range).</li>
 *   <li>{@link #membershipChanged} is called on the control thread after every join, leave, or
 *       change of a member's workers, with the new view, and before that view is used for
 *       selections. Selections still running may see the previous view.</li>
 * </ul>
 */
public interface ReuseportSelector {

    /**
     * Chooses a member and worker for a new connection.
     *
     * @param group  the group's current view (never empty)
     * @param flow   the connection's 5-tuple; valid only during this call
     * @param thread the data thread that received the SYN
     * @return {@link Selection#of(int, int)} or {@link Selection#DROP}
     */
    long select(ReuseportGroupView group, FlowView flow, int thread);

    /**
     * The selector's next choice when the worker it chose cannot take the connection (the runtime
     * found it congested): called on the same data thread, with what was rejected, at most
     * {@code group.workerCount() - 1} times for one connection. Same rules as {@link #select}.
     *
     * <p>The default takes the worker slot after the rejected one, in (join order, worker index)
     * order, wrapping: a deterministic successor that suits stateless policies (a hash). Stateful
     * policies usually answer with their next {@link #select}.
     *
     * @param rejected the selection that was refused
     * @param attempt  1 for the first retry, 2 for the next, ...
     */
    default long reselect(ReuseportGroupView group, FlowView flow, int thread, long rejected, int attempt) {
        final int n = group.workerCount();
        final int m = Selection.member(rejected);
        final int w = Selection.worker(rejected);
        for (int slot = 0; slot < n; slot++) {
            if (group.slotMember(slot) == m && group.slotWorker(slot) == w) {
                final int next = slot + 1 == n ? 0 : slot + 1;
                return Selection.of(group.slotMember(next), group.slotWorker(next));
            }
        }
        return select(group, flow, thread);
    }

    /**
     * The group's membership changed; {@code group} is the new view. The default does nothing.
     *
     * @param group the new view
     */
    default void membershipChanged(ReuseportGroupView group) {
    }
}
