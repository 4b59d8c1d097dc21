package dev.hoststack.api.spi;

import dev.hoststack.api.Endpoint;

/**
 * A read-only, immutable view of a reuseport group at one membership epoch.
 *
 * <p>The group changes (a member joins or leaves, a member's workers change) by publishing a new
 * view with a higher {@link #epoch()}; a view once handed to a selector never changes, so a
 * selection always sees one consistent membership. Members are in join order; each member is one
 * application's listener with the workers listening on it.
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

    /** The member at {@code position} in join order, 0-based. */
    ReuseportMemberView member(int position);

    /** The number of workers over all members: the kernel's count of member sockets. */
    int workerCount();

    /**
     * The member position of worker slot {@code slot}, where slots number all workers of all
     * members in (join order, worker index) order, from 0 to {@link #workerCount()} - 1.
     */
    int slotMember(int slot);

    /** The worker index (inside its application) of worker slot {@code slot}. */
    int slotWorker(int slot);
}
