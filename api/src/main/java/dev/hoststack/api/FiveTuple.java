package dev.hoststack.api;

import static com.google.common.base.Preconditions.checkArgument;
import static java.util.Objects.requireNonNull;

import java.net.InetAddress;

/**
 * A connection's 5-tuple, as seen by this host: local address and port, remote address and port,
 * protocol. A control-plane value; the data plane keeps tuples as primitive key words.
 *
 * @param proto      the transport protocol
 * @param local      the local address
 * @param localPort  the local port
 * @param remote     the remote address, same family as {@code local}
 * @param remotePort the remote port
 */
public record FiveTuple(TransportProto proto, InetAddress local, int localPort, InetAddress remote, int remotePort) {

    /** Validates the fields. */
    public FiveTuple {
        requireNonNull(proto, "proto");
        requireNonNull(local, "local");
        requireNonNull(remote, "remote");
        checkArgument(local.getClass() == remote.getClass(),
                "local %s and remote %s are of different address families", local, remote);
        checkArgument(localPort >= 0 && localPort <= 0xFFFF, "local port %s", localPort);
        checkArgument(remotePort >= 0 && remotePort <= 0xFFFF, "remote port %s", remotePort);
    }

    /** Whether the addresses are IPv4. */
    public boolean isIp4() {
        return local instanceof java.net.Inet4Address;
    }

    /** The local endpoint. */
    public Endpoint localEndpoint() {
        return new Endpoint(proto, local, localPort);
    }

    /** The remote endpoint. */
    public Endpoint remoteEndpoint() {
        return new Endpoint(proto, remote, remotePort);
    }

    @Override
    public String toString() {
        return proto.scheme() + " " + remoteEndpoint().hostPort() + " -> " + localEndpoint().hostPort();
    }
}
