package dev.hoststack.session;

import dev.hoststack.api.Ip;
import dev.hoststack.api.spi.FlowView;
import java.net.InetAddress;

/** An inbound flow for lookups in tests: remote {@code src} to local {@code dst}. */
record Flow(InetAddress src, int srcPort, InetAddress dst, int dstPort) implements FlowView {

    static Flow of(String src, int srcPort, String dst, int dstPort) {
        return new Flow(Ip.parseAddress(src, src), srcPort, Ip.parseAddress(dst, dst), dstPort);
    }

    @Override
    public boolean isIp4() {
        return dst instanceof java.net.Inet4Address;
    }

    @Override
    public int protocol() {
        return 6;
    }

    @Override
    public int localIp4() {
        return Ip.ip4(dst);
    }

    @Override
    public int remoteIp4() {
        return Ip.ip4(src);
    }

    @Override
    public long localIp6Hi() {
        return Ip.ip6Hi(dst);
    }

    @Override
    public long localIp6Lo() {
        return Ip.ip6Lo(dst);
    }

    @Override
    public long remoteIp6Hi() {
        return Ip.ip6Hi(src);
    }

    @Override
    public long remoteIp6Lo() {
        return Ip.ip6Lo(src);
    }

    @Override
    public int localPort() {
        return dstPort;
    }

    @Override
    public int remotePort() {
        return srcPort;
    }
}
