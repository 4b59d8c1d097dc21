package dev.hoststack.api;

/**
 * A transport connection ({@code transport_connection_t}): a snapshot of the transport's view of
 * one connection or listener.
 */
public interface TransportConnection {

    /** The transport protocol. */
    TransportProto proto();

    /** The data thread whose pool holds it (0 for listeners). */
    int thread();

    /** Its index in that thread's connection pool (or in the listener pool). */
    int index();

    /** The transport's state name, e.g. {@code SYN_RCVD}, {@code ESTABLISHED}, {@code LISTEN}. */
    String state();

    /** The handle of the session it is bound to. */
    long sessionHandle();
}
