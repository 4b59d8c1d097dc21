package dev.hoststack.api.spi;

/**
 * A read-only view of one member of a reuseport group: one application's listener. For names and
 * identities (a selector that keeps per-member state across views keys it by
 * {@link #listenSessionHandle()}); the SYN path reads the group view's flat accessors instead.
 */
public interface ReuseportMemberView {

    /** Its position in join order, 0-based. */
    int position();

    /** The application's index. */
    int appIndex();

    /** The application's name. */
    String appName();

    /** The handle of the member's listen session: the same for as long as it stays a member. */
    long listenSessionHandle();

    /** How many of the application's workers listen on it (at least 1). */
    int workerCount();

    /** The {@code k}-th listening worker's index inside the application, ascending in {@code k}. */
    int worker(int k);

    /** Its first slot in the group view: worker {@code k} of this member is slot {@code firstSlot() + k}. */
    int firstSlot();

    /** Its weight, as {@link ReuseportGroupView#memberWeight} gives it. */
    int weight();
}
