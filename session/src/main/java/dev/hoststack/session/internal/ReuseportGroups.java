package dev.hoststack.session.internal;

import dev.hoststack.api.spi.FlowView;
import dev.hoststack.session.ListenTarget;
import dev.hoststack.session.SessionLayer;
import java.util.List;

/**
 * The session layer's view of reuseport groups: implemented by the {@code reuseport} module and
 * installed with {@link SessionLayer#installReuseport}. Without it, a listen that asks for
 * reuseport fails with {@link dev.hoststack.api.SessionError#REUSEPORT_UNAVAILABLE}.
 *
 * <p>The session layer keeps the session tables; this keeps the groups. A group is identified by
 * its index; its table value is {@link dev.hoststack.api.SessionHandle#groupValue(int)}.
 *
 * <p>Threading: every method but {@link #select} is called on the control thread. {@link #select}
 * is called on data threads, concurrently with everything else, and must not lock or allocate.
 */
public interface ReuseportGroups {

    /**
     * Checks whether application {@code candidate} may join group {@code groupIndex} with the
     * given selector name (null: any), changing nothing.
     *
     * @throws dev.hoststack.api.SessionException with the refusal's own code
     */
    void checkJoin(int groupIndex, ApplicationImpl candidate, String selector);

    /**
     * Creates a group with {@code first} as its only member, for its entry {@code placement}.
     *
     * @param placement the listen session's placement (table set and key) the group is for
     * @param selector the selector's name, or null for the stack's default
     * @return the new group's index
     * @throws dev.hoststack.api.SessionException if the selector is unknown or a limit is reached
     */
    int create(ListenSession first, ListenSession.Placement placement, String selector);

    /** Adds a member (after {@link #checkJoin} passed). */
    void join(int groupIndex, ListenSession member);

    /**
     * Removes a member.
     *
     * @return true if it was the last one and the group is gone
     */
    boolean leave(int groupIndex, ListenSession member);

    /**
     * The group's {@link ListenTarget}: what its listener index entry leads a SYN to (the group's
     * selection). The same object for the group's whole life.
     */
    ListenTarget target(int groupIndex);

    /** A member's set of listening workers changed. */
    void workersChanged(int groupIndex, ListenSession member);

    /**
     * Data plane: chooses the member and worker for a new connection.
     *
     * @return {@code (long) listenSessionIndex << 32 | workerGlobalIndex} of a live listen session
     *         and a live worker, or a negative value {@code -(1 + DropReason.ordinal())} when the
     *         SYN is to be dropped
     */
    long select(int groupIndex, FlowView flow, int thread);

    /**
     * Data plane: the selector's next choice after {@code rejected} (a result of {@link #select}
     * or of this method) was refused by the caller. Same encoding as {@link #select}.
     */
    long reselect(int groupIndex, FlowView flow, int thread, long rejected, int attempt);

    /** Whether a group migrates a departing member's pending connections (any thread). */
    boolean migrates(int groupIndex);

    /** Counts one migration into the group (data plane, allocation-free). */
    void countMigration(int groupIndex);

    /** The listen sessions of a group, in join order (control plane). */
    List<ListenSession> members(int groupIndex);
}
