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
     * The group's membership changed; {@code group} is the new view. The default does nothing.
     *
     * @param group the new view
     */
    default void membershipChanged(ReuseportGroupView group) {
    }
}
