package dev.hoststack.api.spi;

import dev.hoststack.api.Endpoint;

/**
 * A read-only, immutable view of a reuseport group at one membership epoch, laid out for the SYN
 * path: flat per-slot and per-member figures read by index, without allocation.
 *
 * <p>The group changes (a member joins or leaves, a member's workers change) by publishing a new
 * view with a higher {@link #epoch()}; a view once handed to a selector never changes, so a
 * selection always sees one consistent membership. Members are in join order; each member is one
 * application's listener with the workers listening on it.
 *
 * <p><b>Slots</b> number all workers of all members, members in join order and each member's
 * workers by ascending worker index, from 0 to {@link #workerCount()} - 1; member {@code m} owns
 * the contiguous slots {@code memberFirstSlot(m) .. memberFirstSlot(m) + memberWorkerCount(m) - 1}.
 * A selector answers a slot (see {@link ReuseportSelector}); member and worker are derived from
 * it with {@link #slotMember} and {@link #slotWorker}. Figures added later per slot (a worker's
 * load) or per member (a weight) are read the same way, by index.
 *
 * <p>Threading: any thread may read a view at any time; nothing in it changes.
 */
public interface ReuseportGroupView {

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
}
