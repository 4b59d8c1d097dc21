package dev.hoststack.api.spi;

/** A read-only view of one member of a reuseport group: one application's listener. */
public interface ReuseportMemberView {

    /** Its position in join order, 0-based. */
    int position();

    /** The application's index. */
    int appIndex();

    /** The application's name. */
    String appName();

    /** The handle of the member's listen session. */
    long listenSessionHandle();

    /** How many of the application's workers listen on it (at least 1). */
    int workerCount();

    /** The {@code k}-th listening worker's index inside the application, ascending in {@code k}. */
    int worker(int k);
}
