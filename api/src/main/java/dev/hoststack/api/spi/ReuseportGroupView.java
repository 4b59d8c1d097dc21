package dev.hoststack.api.spi;

import dev.hoststack.api.Endpoint;

/**
 * A read-only view of a reuseport group at one membership epoch, laid out for the SYN path: flat
 * per-slot and per-member figures read by index, without allocation.
 *
 * <p>The group changes (a member joins or leaves, a member's workers or weight change) by
 * publishing a new view with a higher {@link #epoch()}; a view's membership and weights never
 * change once it is handed to a selector, so a selection always sees one consistent membership.
 * Members are in join order; each member is one application's listener with the workers listening
 * on it.
 *
 * <p><b>Slots</b> number all workers of all members, members in join order and each member's
 * workers by ascending worker index, from 0 to {@link #workerCount()} - 1; member {@code m} owns
 * the contiguous slots {@code memberFirstSlot(m) .. memberFirstSlot(m) + memberWorkerCount(m) - 1}.
 * A selector answers a slot (see {@link ReuseportSelector}); member and worker are derived from
 * it with {@link #slotMember} and {@link #slotWorker}. A member's {@linkplain #memberWeight weight}
 * and a slot's load ({@link #slotPending}, {@link #slotEstablished}, {@link #slotCongested}) are
 * read the same way, by index.
 *
 * <h2>Load: live readings</h2>
 * The load accessors are the only figures of a view that move: they read the worker's counters
 * as they are now, not as they were when the view was published. Each is a sum of per-data-thread
 * counters, each counter written only by its own thread with a plain increment and an opaque
 * store (no lock, no CAS); a reader gets every thread's count as of a recent transition of that
 * thread, without tearing and without any order between threads. So a figure may lag the truth
 * by the transitions other data threads are making at that moment, and two reads in one
 * selection may differ; it is exact when the data threads are quiescent. Who writes them:
 * <ul>
 *   <li>In the model (the session layer driving TCP), the session's data thread, at each state
 *       change of a session of that worker: a SYN makes a CREATED session (pending + 1), the
 *       final ACK makes it ACCEPTING (still pending), the application's accept makes it READY
 *       (pending - 1, established + 1), a close or reset ends it.</li>
 *   <li>In the daemon ({@code hoststack daemon}), its event-loop thread (data thread 0): pending is
 *       the descriptors handed to the worker process and not yet taken (its credits), established
 *       the descriptors it has taken (the daemon does not see them close), congested whether its
 *       window is full or it has no data connection.</li>
 * </ul>
 * A runtime that keeps no such figures reports 0 and {@code false}. Reading one costs a few
 * loads per data thread; a selector that does not use load never pays for it.
 *
 * <p>Threading: any thread may read a view at any time.
 */
public interface ReuseportGroupView {

    /** The smallest weight a member can have. */
    int MIN_WEIGHT = 1;

    /**
     * The largest weight a member can have: 256, as HAProxy's server weights (whose 0, "drained",
     * is here a member that leaves).
     */
    int MAX_WEIGHT = 256;

    /** A member's weight unless one is set ({@code group weight URI APP N}). */
    int DEFAULT_WEIGHT = 1;

    /** The group's index (the low 32 bits of its table value). */
    int index();

    /** The endpoint the group listens on. */
    Endpoint endpoint();

    /** Incremented by every membership change, starting at 1 for a new group. */
    long epoch();

    /** The number of members (applications), at least 1. */
    int memberCount();

    /** The member at {@code position} in join order, 0-based (for names and identities; not needed to select). */
    ReuseportMemberView member(int position);

    /** The first slot of the member at {@code position}. */
    int memberFirstSlot(int position);

    /** How many workers of the member at {@code position} listen (at least 1): its number of slots. */
    int memberWorkerCount(int position);

    /** The number of slots: workers over all members, the kernel's count of member sockets. */
    int workerCount();

    /** The member position of slot {@code slot}. */
    int slotMember(int slot);

    /** The worker index (inside its application) of slot {@code slot}. */
    int slotWorker(int slot);

    /**
     * The weight of the member at {@code position}, {@link #MIN_WEIGHT}..{@link #MAX_WEIGHT}
     * ({@link #DEFAULT_WEIGHT} unless set). Fixed for the view: a change of weight publishes a new
     * view. Policies that ignore weights (round robin, the kernel's hash) never read it.
     */
    int memberWeight(int position);

    /**
     * The pending load of slot {@code slot}'s worker: connections dispatched to it and not yet
     * taken by it (CREATED and ACCEPTING sessions in the model; descriptors in flight in the
     * daemon). A live reading: see "Load" above for how fresh it is.
     */
    int slotPending(int slot);

    /**
     * The established sessions of slot {@code slot}'s worker: connections it has taken (READY
     * sessions in the model; descriptors taken, closes unseen, in the daemon). A live reading.
     */
    int slotEstablished(int slot);

    /**
     * Whether slot {@code slot}'s worker cannot take a connection now: in the model, the last
     * event for it found its event queue full and the application has not polled it since; in
     * the daemon, its window is full or it has no data connection. A runtime that finds the
     * chosen worker congested asks {@link ReuseportSelector#reselect} for the next choice, so a
     * selector need not read this; a load-aware one may, to avoid the retry. A live reading.
     */
    boolean slotCongested(int slot);
}
