package dev.hoststack.api;

import java.util.List;

/**
 * An application's listener on one endpoint ({@code app_listener_t}): shared by all the
 * application's workers listening there, which it records as a bitmap. One-to-one with a listen
 * session on thread 0.
 */
public interface AppListener {

    /** The application it belongs to. */
    Application application();

    /** The endpoint listened on. */
    Endpoint endpoint();

    /** The handle of its listen session (thread 0, so equal to the session's index). */
    long listenSessionHandle();

    /** The indices of the workers listening, ascending. */
    List<Integer> workers();

    /** Whether it listens with reuseport (then its listen session is a member of a group). */
    boolean reuseport();
}
