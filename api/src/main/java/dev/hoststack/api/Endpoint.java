package dev.hoststack.api;

import static com.google.common.base.Preconditions.checkArgument;
import static java.util.Objects.requireNonNull;

import com.google.common.net.InetAddresses;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;

/**
 * A transport endpoint: protocol, IP address and port, as a listen or a connect names it.
 *
 * <p>Written and parsed the way VPP's CLI writes URIs: {@code tcp://0.0.0.0/80},
 * {@code tcp://10.0.0.1/80}, {@code tcp://::/443}, {@code tcp://2001:db8::1/443} (IPv6 addresses
 * may also be bracketed: {@code tcp://[::1]/443}). Parsing never touches DNS.
 *
 * @param proto   the transport protocol
 * @param address the IPv4 or IPv6 address; the all-zero address is the wildcard
 * @param port    1..65535 for a listener; 0 is accepted only where noted
 */
public record Endpoint(TransportProto proto, InetAddress address, int port) {

    /** Validates the fields. */
    public Endpoint {
        requireNonNull(proto, "proto");
        requireNonNull(address, "address");
        checkArgument(port >= 0 && port <= 0xFFFF, "port %s is not in 0..65535", port);
    }

    /** Whether the address is IPv4. */
    public boolean isIp4() {
        return address instanceof Inet4Address;
    }

    /** Whether the address is the wildcard ({@code 0.0.0.0} or {@code ::}). */
    public boolean isWildcard() {
        return address.isAnyLocalAddress();
    }

    /** The same protocol and port on the wildcard address of the same family. */
    public Endpoint wildcard() {
        return new Endpoint(proto, isIp4() ? Ip.ANY4 : Ip.ANY6, port);
    }

    /**
     * Parses a VPP-style URI {@code proto://address/port}.
     *
     * @throws IllegalArgumentException naming what is wrong and the form expected
     */
    public static Endpoint parseUri(String uri) {
        requireNonNull(uri, "uri");
        int sep = uri.indexOf("://");
        checkArgument(sep > 0, "'%s' is not a URI: expected proto://address/port, e.g. tcp://0.0.0.0/80", uri);
        TransportProto proto = TransportProto.fromScheme(uri.substring(0, sep));
        checkArgument(proto != null, "'%s': unknown protocol '%s' (known: tcp, udp)", uri, uri.substring(0, sep));
        String rest = uri.substring(sep + 3);
        int slash = rest.lastIndexOf('/');
        checkArgument(slash > 0, "'%s': expected proto://address/port, e.g. tcp://0.0.0.0/80", uri);
        InetAddress address = Ip.parseAddress(rest.substring(0, slash), uri);
        int port = Ip.parsePort(rest.substring(slash + 1), uri);
        return new Endpoint(proto, address, port);
    }

    /** The URI form, e.g. {@code tcp://0.0.0.0/80} or {@code tcp://::/443}. */
    public String toUri() {
        return proto.scheme() + "://" + InetAddresses.toAddrString(address) + "/" + port;
    }

    /** {@code address:port} with IPv6 in brackets. */
    public String hostPort() {
        return address instanceof Inet6Address
                ? "[" + InetAddresses.toAddrString(address) + "]:" + port
                : InetAddresses.toAddrString(address) + ":" + port;
    }

    @Override
    public String toString() {
        return toUri();
    }
}
