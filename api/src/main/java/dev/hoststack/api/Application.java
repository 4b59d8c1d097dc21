package dev.hoststack.api;

import java.util.List;

/**
 * An attached application: one process in VPP's eyes, whatever its number of workers.
 *
 * <p>Read-only view; safe to read from any thread (a snapshot of a value changed by the control plane).
 */
public interface Application {

    /** The application's index in the stack; reused only after detach. */
    int index();

    /** The name it attached with; unique among attached applications. */
    String name();

    /** The namespace it attached into. */
    AppNamespace namespace();

    /**
     * The owner identity (a uid) given at attach. Reuseport groups admit only applications of
     * one owner, as the kernel admits only sockets of one effective uid.
     */
    int owner();

    /** Where its listeners are visible. */
    Scope scope();

    /** Its live workers, by worker index. */
    List<? extends AppWorker> workers();

    /** Whether it is still attached. */
    boolean attached();
}
