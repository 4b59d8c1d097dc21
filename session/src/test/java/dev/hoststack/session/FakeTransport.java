package dev.hoststack.session;

import dev.hoststack.api.Endpoint;
import dev.hoststack.api.FiveTuple;
import dev.hoststack.api.TransportConnection;
import dev.hoststack.api.TransportProto;
import java.util.HashMap;
import java.util.Map;

/** A transport double for session-layer tests: records its listeners; has no connections. */
final class FakeTransport implements Transport {

    final Map<Integer, Endpoint> listeners = new HashMap<>();
    private int next;

    @Override
    public TransportProto proto() {
        return TransportProto.TCP;
    }

    @Override
    public int startListen(int listenSessionIndex, Endpoint endpoint) {
        listeners.put(next, endpoint);
        return next++;
    }

    @Override
    public void stopListen(int transportListenerIndex) {
        if (listeners.remove(transportListenerIndex) == null) {
            throw new AssertionError("stopListen of unknown listener " + transportListenerIndex);
        }
    }

    @Override
    public void close(int thread, int connectionIndex) {
        throw new UnsupportedOperationException("no connections in this double");
    }

    @Override
    public void reset(int thread, int connectionIndex) {
        throw new UnsupportedOperationException("no connections in this double");
    }

    @Override
    public FiveTuple tuple(int thread, int connectionIndex) {
        throw new UnsupportedOperationException("no connections in this double");
    }

    @Override
    public dev.hoststack.api.spi.FlowView flow(int thread, int connectionIndex) {
        throw new UnsupportedOperationException("no connections in this double");
    }

    @Override
    public TransportConnection describe(int thread, int connectionIndex) {
        throw new UnsupportedOperationException("no connections in this double");
    }

    @Override
    public TransportConnection describeListener(int transportListenerIndex) {
        throw new UnsupportedOperationException("not needed");
    }
}
