package dev.hoststack.api;

import static com.google.common.base.Preconditions.checkArgument;

import com.google.common.net.InetAddresses;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;

/**
 * Address helpers that keep IP addresses as numbers: IPv4 as one {@code int}, IPv6 as two
 * {@code long}s (high and low 64 bits), both in network order (the first byte is the most
 * significant). Parsing never touches DNS.
 */
public final class Ip {

    /** {@code 0.0.0.0}. */
    public static final InetAddress ANY4 = InetAddresses.forString("0.0.0.0");
    /** {@code ::}. */
    public static final InetAddress ANY6 = InetAddresses.forString("::");

    private Ip() {
    }

    /** The IPv4 address as an int in network order. */
    public static int ip4(InetAddress address) {
        byte[] b = ((Inet4Address) address).getAddress();
        return (b[0] & 0xFF) << 24 | (b[1] & 0xFF) << 16 | (b[2] & 0xFF) << 8 | (b[3] & 0xFF);
    }

    /** The high 64 bits of an IPv6 address. */
    public static long ip6Hi(InetAddress address) {
        return word(((Inet6Address) address).getAddress(), 0);
    }

    /** The low 64 bits of an IPv6 address. */
    public static long ip6Lo(InetAddress address) {
        return word(((Inet6Address) address).getAddress(), 8);
    }

    private static long word(byte[] b, int off) {
        long v = 0;
        for (int i = 0; i < 8; i++) {
            v = v << 8 | (b[off + i] & 0xFF);
        }
        return v;
    }

    /** The IPv4 address for an int in network order. */
    public static InetAddress fromIp4(int ip) {
        return InetAddresses.fromInteger(ip);
    }

    /** The IPv6 address for its two 64-bit halves. */
    public static InetAddress fromIp6(long hi, long lo) {
        byte[] b = new byte[16];
        for (int i = 0; i < 8; i++) {
            b[i] = (byte) (hi >>> (56 - 8 * i));
            b[8 + i] = (byte) (lo >>> (56 - 8 * i));
        }
        try {
            return InetAddress.getByAddress(b);
        } catch (java.net.UnknownHostException e) {
            throw new AssertionError("16 bytes are always an IPv6 address", e);
        }
    }

    /** Dotted-quad text of an IPv4 int, allocation aside. */
    public static String ip4String(int ip) {
        return (ip >>> 24) + "." + (ip >>> 16 & 0xFF) + "." + (ip >>> 8 & 0xFF) + "." + (ip & 0xFF);
    }

    /**
     * Parses an IP literal, bracketed or not; {@code context} names what is being parsed in the
     * error message.
     *
     * @throws IllegalArgumentException if the text is not an IP literal
     */
    public static InetAddress parseAddress(String text, String context) {
        String t = text.startsWith("[") && text.endsWith("]") ? text.substring(1, text.length() - 1) : text;
        checkArgument(t.indexOf('%') < 0, "'%s': '%s' has a scope ID, which endpoints here do not take", context, text);
        checkArgument(InetAddresses.isInetAddress(t),
                "'%s': '%s' is not an IPv4 or IPv6 address", context, text);
        return InetAddresses.forString(t);
    }

    /**
     * Parses a decimal port 0..65535.
     *
     * @throws IllegalArgumentException if it is not one
     */
    public static int parsePort(String text, String context) {
        if (text.isEmpty() || text.length() > 5 || !text.chars().allMatch(c -> c >= '0' && c <= '9')) {
            throw new IllegalArgumentException("'" + context + "': port '" + text + "' is not a number 0..65535");
        }
        int port = Integer.parseInt(text);
        checkArgument(port >= 0 && port <= 0xFFFF, "'%s': port %s is not in 0..65535", context, port);
        return port;
    }

    /**
     * Parses {@code address:port}, with IPv6 in brackets ({@code [2001:db8::1]:40000}).
     *
     * @throws IllegalArgumentException naming the form expected
     */
    public static InetSocketAddress parseHostPort(String text) {
        int colon = text.lastIndexOf(':');
        checkArgument(!text.endsWith("]"), "'%s': the port is missing, e.g. [2001:db8::1]:40000", text);
        checkArgument(colon > 0, "'%s': expected address:port, e.g. 10.0.0.1:40000 or [2001:db8::1]:40000", text);
        String host = text.substring(0, colon);
        if (host.indexOf(':') >= 0 && !host.startsWith("[")) {
            throw new IllegalArgumentException("'" + text + "': an IPv6 address needs brackets, e.g. [2001:db8::1]:40000");
        }
        InetAddress address = parseAddress(host, text);
        return new InetSocketAddress(address, parsePort(text.substring(colon + 1), text));
    }
}
