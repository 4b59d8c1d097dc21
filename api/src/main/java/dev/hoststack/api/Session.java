package dev.hoststack.api;

/**
 * A session: a snapshot of one entry of a data thread's session pool.
 *
 * <p>Sessions live as primitive fields in per-thread pools; this view is made on demand for the
 * control plane and tests. It is a copy: it does not change when the session does.
 */
public interface Session {

    /** {@code thread << 32 | index}, see {@link SessionHandle}. */
    long handle();

    /** Its state at the time of the snapshot. */
    SessionState state();

    /** The app worker it is assigned to ({@link AppWorker#globalIndex()}), or -1 for none. */
    int appWorkerIndex();

    /** The handle of the listen session it was accepted on, or {@link SessionHandle#INVALID}. */
    long listenerHandle();

    /** Its connection's 5-tuple. */
    FiveTuple tuple();

    /** Its transport connection. */
    TransportConnection connection();
}
