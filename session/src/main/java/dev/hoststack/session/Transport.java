package dev.hoststack.session;

import dev.hoststack.api.Endpoint;
import dev.hoststack.api.FiveTuple;
import dev.hoststack.api.TransportConnection;
import dev.hoststack.api.TransportProto;

/**
 * What the session layer asks of a transport protocol (VPP's {@code transport_proto_vft_t}).
 * The session layer never names TCP; the TCP module registers one of these.
 *
 * <p>Threading: {@link #startListen} and {@link #stopListen} are called on the control thread.
 * The per-connection calls are made on the data thread that owns the connection.
 */
public interface Transport {

    /** The protocol it implements. */
    TransportProto proto();

    /**
     * Creates the transport listener for a new listen session.
     *
     * @return the transport listener's index
     * @throws dev.hoststack.api.SessionException if the transport refuses
     */
    int startListen(int listenSessionIndex, Endpoint endpoint);

    /** Destroys a transport listener. */
    void stopListen(int transportListenerIndex);

    /**
     * Closes a connection at the application's or the control plane's request (sends FIN), removes
     * its 5-tuple from the session table and frees it and its session. Called on the owning thread.
     */
    void close(int thread, int connectionIndex);

    /**
     * Resets a connection (sends RST), removes its 5-tuple from the session table and frees it
     * and its session. Called on the owning thread.
     */
    void reset(int thread, int connectionIndex);

    /** The connection's 5-tuple. Owning thread, or when data threads are quiescent. */
    FiveTuple tuple(int thread, int connectionIndex);

    /**
     * The connection's 5-tuple as a flyweight (local, remote), for re-selection when a session
     * migrates. Owning thread only; valid until the next call on that thread; allocation-free.
     */
    dev.hoststack.api.spi.FlowView flow(int thread, int connectionIndex);

    /** A snapshot of the connection. Owning thread, or when data threads are quiescent. */
    TransportConnection describe(int thread, int connectionIndex);

    /** A snapshot of a transport listener. */
    TransportConnection describeListener(int transportListenerIndex);
}
