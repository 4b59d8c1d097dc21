package dev.hoststack.api.spi;

import dev.hoststack.api.Ip;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.util.Random;

/**
 * A mutable {@link FlowView} for selector tests: set it to an IPv4 or IPv6 5-tuple, pass it to
 * {@link ReuseportSelector#select}, set it again. Setters allocate nothing (the string forms
 * aside), so one instance can be reused in allocation checks, as the stack reuses its flyweight.
 *
 * <p>Addresses are numbers in network order ({@code 10.0.0.2} is {@code 0x0a000002}); the fields
 * of the other family read 0. The protocol is TCP (6) unless set.
 */
public final class TestFlow implements FlowView {

    private boolean ip4 = true;
    private int protocol = 6;
    private int localIp4;
    private int remoteIp4;
    private long localIp6Hi;
    private long localIp6Lo;
    private long remoteIp6Hi;
    private long remoteIp6Lo;
    private int localPort;
    private int remotePort;

    /** An IPv4 flow {@code 0.0.0.0:0 <- 0.0.0.0:0}; set it before use. */
    public TestFlow() {
    }

    /** An IPv4 flow from its text form, e.g. {@code ip4("10.0.0.2", 80, "10.0.0.1", 40000)}. */
    public static TestFlow ip4(String localIp, int localPort, String remoteIp, int remotePort) {
        return new TestFlow().setIp4(localIp, localPort, remoteIp, remotePort);
    }

    /** An IPv6 flow from its text form, e.g. {@code ip6("2001:db8::2", 443, "2001:db8::1", 40000)}. */
    public static TestFlow ip6(String localIp, int localPort, String remoteIp, int remotePort) {
        return new TestFlow().setIp6(localIp, localPort, remoteIp, remotePort);
    }

    /** Sets an IPv4 flow; addresses in network order. */
    public TestFlow setIp4(int localIp, int localPort, int remoteIp, int remotePort) {
        checkPort(localPort);
        checkPort(remotePort);
        this.ip4 = true;
        this.localIp4 = localIp;
        this.remoteIp4 = remoteIp;
        this.localIp6Hi = 0;
        this.localIp6Lo = 0;
        this.remoteIp6Hi = 0;
        this.remoteIp6Lo = 0;
        this.localPort = localPort;
        this.remotePort = remotePort;
        return this;
    }

    /** Sets an IPv6 flow; addresses as high and low 64 bits in network order. */
    public TestFlow setIp6(long localHi, long localLo, int localPort, long remoteHi, long remoteLo, int remotePort) {
        checkPort(localPort);
        checkPort(remotePort);
        this.ip4 = false;
        this.localIp4 = 0;
        this.remoteIp4 = 0;
        this.localIp6Hi = localHi;
        this.localIp6Lo = localLo;
        this.remoteIp6Hi = remoteHi;
        this.remoteIp6Lo = remoteLo;
        this.localPort = localPort;
        this.remotePort = remotePort;
        return this;
    }

    /** Sets an IPv4 flow from address literals. */
    public TestFlow setIp4(String localIp, int localPort, String remoteIp, int remotePort) {
        return setIp4(Ip.ip4(literal(localIp, Inet4Address.class)), localPort,
                Ip.ip4(literal(remoteIp, Inet4Address.class)), remotePort);
    }

    /** Sets an IPv6 flow from address literals. */
    public TestFlow setIp6(String localIp, int localPort, String remoteIp, int remotePort) {
        InetAddress l = literal(localIp, Inet6Address.class);
        InetAddress r = literal(remoteIp, Inet6Address.class);
        return setIp6(Ip.ip6Hi(l), Ip.ip6Lo(l), localPort, Ip.ip6Hi(r), Ip.ip6Lo(r), remotePort);
    }

    /** Sets a random flow of the given family to {@code localPort}, from a random remote address and port. */
    public TestFlow setRandom(Random rnd, boolean v4, int localPort) {
        return v4
                ? setIp4(rnd.nextInt(), localPort, rnd.nextInt(), rnd.nextInt(0x10000))
                : setIp6(rnd.nextLong(), rnd.nextLong(), localPort, rnd.nextLong(), rnd.nextLong(), rnd.nextInt(0x10000));
    }

    /** Sets the IP protocol number. */
    public TestFlow protocol(int ipProtocol) {
        this.protocol = ipProtocol;
        return this;
    }

    /** A copy of this flow. */
    public TestFlow copy() {
        TestFlow f = new TestFlow();
        f.ip4 = ip4;
        f.protocol = protocol;
        f.localIp4 = localIp4;
        f.remoteIp4 = remoteIp4;
        f.localIp6Hi = localIp6Hi;
        f.localIp6Lo = localIp6Lo;
        f.remoteIp6Hi = remoteIp6Hi;
        f.remoteIp6Lo = remoteIp6Lo;
        f.localPort = localPort;
        f.remotePort = remotePort;
        return f;
    }

    private static InetAddress literal(String text, Class<? extends InetAddress> family) {
        InetAddress a = Ip.parseAddress(text, text);
        if (!family.isInstance(a)) {
            throw new IllegalArgumentException("'" + text + "' is not an " + family.getSimpleName());
        }
        return a;
    }

    private static void checkPort(int port) {
        if (port < 0 || port > 0xFFFF) {
            throw new IllegalArgumentException("port " + port + " is not in 0..65535");
        }
    }

    @Override
    public boolean isIp4() {
        return ip4;
    }

    @Override
    public int protocol() {
        return protocol;
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
        return localIp6Hi;
    }

    @Override
    public long localIp6Lo() {
        return localIp6Lo;
    }

    @Override
    public long remoteIp6Hi() {
        return remoteIp6Hi;
    }

    @Override
    public long remoteIp6Lo() {
        return remoteIp6Lo;
    }

    @Override
    public int localPort() {
        return localPort;
    }

    @Override
    public int remotePort() {
        return remotePort;
    }

    /** {@code tcp 10.0.0.1:40000 -> 10.0.0.2:80}, remote first as on the wire. */
    @Override
    public String toString() {
        String proto = protocol == 6 ? "tcp" : protocol == 17 ? "udp" : "proto " + protocol;
        return ip4
                ? proto + " " + Ip.ip4String(remoteIp4) + ":" + remotePort + " -> " + Ip.ip4String(localIp4) + ":" + localPort
                : proto + " [" + Ip.fromIp6(remoteIp6Hi, remoteIp6Lo).getHostAddress() + "]:" + remotePort
                        + " -> [" + Ip.fromIp6(localIp6Hi, localIp6Lo).getHostAddress() + "]:" + localPort;
    }
}
