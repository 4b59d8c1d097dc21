package dev.hoststack.daemon.internal;

import dev.hoststack.api.Ip;
import dev.hoststack.api.spi.FlowView;
import java.net.Inet4Address;
import java.net.InetSocketAddress;

/**
 * A reusable {@link FlowView} over the addresses of a socket the kernel accepted: local = the
 * accepted socket's own address and port, remote = the peer's. Event-loop thread only.
 */
final class MutableFlow implements FlowView {

    private boolean ip4;
    private int localIp4;
    private int remoteIp4;
    private long localHi;
    private long localLo;
    private long remoteHi;
    private long remoteLo;
    private int localPort;
    private int remotePort;

    /**
     * Fills the view from an accepted socket's addresses.
     *
     * @return false if the two addresses are not of one family (never for a v6-only or IPv4 listener)
     */
    boolean set(InetSocketAddress local, InetSocketAddress remote) {
        ip4 = local.getAddress() instanceof Inet4Address;
        if (ip4 != remote.getAddress() instanceof Inet4Address) {
            return false;
        }
        if (ip4) {
            localIp4 = Ip.ip4(local.getAddress());
            remoteIp4 = Ip.ip4(remote.getAddress());
            localHi = localLo = remoteHi = remoteLo = 0;
        } else {
            localHi = Ip.ip6Hi(local.getAddress());
            localLo = Ip.ip6Lo(local.getAddress());
            remoteHi = Ip.ip6Hi(remote.getAddress());
            remoteLo = Ip.ip6Lo(remote.getAddress());
            localIp4 = remoteIp4 = 0;
        }
        localPort = local.getPort();
        remotePort = remote.getPort();
        return true;
    }

    @Override
    public boolean isIp4() {
        return ip4;
    }

    @Override
    public int protocol() {
        return 6;
    }

    @Override
    public int localIp4() {
        return localIp4;
    }

    @Override
    public int remoteIp4() {
        return remoteIp4;
    }

    @Override
    public long localIp6Hi() {
        return localHi;
    }

    @Override
    public long localIp6Lo() {
        return localLo;
    }

    @Override
    public long remoteIp6Hi() {
        return remoteHi;
    }

    @Override
    public long remoteIp6Lo() {
        return remoteLo;
    }

    @Override
    public int localPort() {
        return localPort;
    }

    @Override
    public int remotePort() {
        return remotePort;
    }
}
