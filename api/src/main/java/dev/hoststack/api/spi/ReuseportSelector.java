package dev.hoststack.api.spi;

/**
 * Picks the worker of a reuseport group that gets a new connection, as a kernel reuseport program
 * does: by answering an index into the group's worker slots.
 *
 * <h2>Slots</h2>
 * A group's view numbers every listening worker of every member from 0 to
 * {@link ReuseportGroupView#workerCount()} - 1, members in join order and each member's workers by
 * ascending worker index: member {@code m}'s workers are the slots
 * {@link ReuseportGroupView#memberFirstSlot(int) memberFirstSlot(m)} to
 * {@code memberFirstSlot(m) + memberWorkerCount(m) - 1}. A selector that thinks in applications
 * (round robin over members, then over a member's workers) picks a member and a worker position
 * inside it and answers {@code memberFirstSlot(m) + k}; one that thinks in sockets (the kernel's
 * hash) scales its hash over {@code workerCount()}. The stack keeps, per slot of the published
 * view, the precomputed answer (listen session and app worker), so validating and resolving an
 * answer is one bounds check and one array read.
 *
 * <h2>Contract</h2>
 * <ul>
 *   <li>One instance per group, made by {@link ReuseportSelectorProvider#create} on the control
 *       thread when the group is created, dropped when the group is removed.</li>
 *   <li>{@link #select} is called on the data thread that received the SYN, whose index is
 *       {@code thread}; several data threads may call it at once for the same group. State the
 *       selector keeps must be safe for that: per-thread state indexed by {@code thread} (written
 *       only by that thread) needs no synchronisation; shared state needs atomics.</li>
 *   <li>{@link #select} and {@link #reselect} must not allocate, block, or throw: they are on the
 *       SYN path. They answer a slot in {@code 0..group.workerCount()-1}, or {@link #DROP}.
 *       Anything else is counted as an invalid selection and the group falls back to the kernel's
 *       hash over all slots (as the kernel falls back when a reuseport program answers an index
 *       out of range). An exception thrown by either is caught and counted the same way (the
 *       data thread goes on), but it costs far more than an answer: the contract test
 *       ({@code ReuseportSelectorContract}) fails a selector that throws or allocates.</li>
 *   <li>{@link #membershipChanged} is called on the control thread after every join, leave,
 *       change of a member's workers or change of a member's weight, with the new view, and
 *       before that view is used for selections. Selections still running may see the previous
 *       view: an answer is always read against the view it was given.</li>
 *   <li>A view names only live members and workers: the stack takes a departing worker or
 *       listener out of the view before it goes, and frees it only after every data thread has
 *       passed a quiescent point. A selector never checks liveness.</li>
 * </ul>
 */
public interface ReuseportSelector {

    /** The answer that drops the SYN (the kernel's {@code SK_DROP} from a reuseport program). */
    int DROP = -1;

    /**
     * Chooses the worker slot for a new connection.
     *
     * @param group  the group's current view (never empty)
     * @param flow   the connection's 5-tuple; valid only during this call
     * @param thread the data thread that received the SYN
     * @return a slot in {@code 0..group.workerCount()-1}, or {@link #DROP}
     */
    int select(ReuseportGroupView group, FlowView flow, int thread);

    /**
     * The selector's next choice when the worker it chose cannot take the connection (the runtime
     * found it congested): called on the same data thread, with the slot that was refused, at
     * most {@code group.workerCount() - 1} times for one connection. Same rules as
     * {@link #select}.
     *
     * <p>The default takes the slot after the rejected one, wrapping: a deterministic successor
     * that suits stateless policies (a hash), and brings every slot up once in
     * {@code workerCount() - 1} retries. Stateful policies usually answer with their next
     * {@link #select}.
     *
     * @param rejectedSlot the slot that was refused, in {@code 0..group.workerCount()-1}
     * @param attempt      1 for the first retry, 2 for the next, ...
     */
    default int reselect(ReuseportGroupView group, FlowView flow, int thread, int rejectedSlot, int attempt) {
        final int next = rejectedSlot + 1;
        return next >= group.workerCount() || next < 0 ? 0 : next;
    }

    /**
     * The group's membership changed; {@code group} is the new view. The default does nothing.
     *
     * @param group the new view
     */
    default void membershipChanged(ReuseportGroupView group) {
    }
}
