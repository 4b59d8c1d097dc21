package dev.hoststack.session.table;

import dev.hoststack.api.Endpoint;
import dev.hoststack.api.Ip;
import dev.hoststack.api.TransportProto;
import dev.hoststack.api.spi.FlowView;

/**
 * Builds session table keys in VPP's layout, into caller-owned {@code long[]} scratch arrays: no
 * allocation.
 *
 * <p>IPv4 ({@value #IP4_WORDS} words, VPP's {@code session_kv4_t}):
 * {@code key[0] = remote ip << 32 | local ip},
 * {@code key[1] = proto << 32 | remote port << 16 | local port}.
 * IPv6 ({@value #IP6_WORDS} words, {@code session_kv6_t}): local address (2 words), remote
 * address (2 words), {@code proto << 32 | remote port << 16 | local port}, and a zero word.
 * A listener's key is its endpoint with remote address and port zero; the wildcard listener's
 * key has the local address zero too.
 *
 * <p>Differences from VPP, on purpose: ports are host-order numbers and {@code proto} is the IANA
 * protocol number (6 for TCP), never 0, so the word holding it (the <em>marker word</em>) is never
 * 0 for a real key and 0 can mark an empty slot.
 */
public final class SessionKeys {

    /** Key words of an IPv4 key. */
    public static final int IP4_WORDS = 2;
    /** Key words of an IPv6 key. */
    public static final int IP6_WORDS = 6;
    /** Index of the marker word (proto and ports) in an IPv4 key. */
    public static final int IP4_MARKER = 1;
    /** Index of the marker word (proto and ports) in an IPv6 key. */
    public static final int IP6_MARKER = 4;

    private SessionKeys() {
    }

    /** The proto-and-ports word shared by both layouts. */
    public static long portsWord(int proto, int remotePort, int localPort) {
        return (long) proto << 32 | (long) (remotePort & 0xFFFF) << 16 | (localPort & 0xFFFF);
    }

    /** The addresses word of an IPv4 key (its first word). */
    public static long ip4AddressWord(int localIp, int remoteIp) {
        return (long) remoteIp << 32 | (localIp & 0xFFFF_FFFFL);
    }

    /** Fills an IPv4 key. */
    public static void ip4(long[] key, int proto, int localIp, int localPort, int remoteIp, int remotePort) {
        ip4(key, ip4AddressWord(localIp, remoteIp), portsWord(proto, remotePort, localPort));
    }

    /** Fills an IPv4 key from its two words ({@link #ip4AddressWord}, {@link #portsWord}). */
    public static void ip4(long[] key, long addressWord, long portsWord) {
        key[0] = addressWord;
        key[IP4_MARKER] = portsWord;
    }

    /** Fills an IPv6 key. */
    public static void ip6(long[] key, int proto, long localHi, long localLo, int localPort,
                           long remoteHi, long remoteLo, int remotePort) {
        ip6(key, localHi, localLo, remoteHi, remoteLo, portsWord(proto, remotePort, localPort));
    }

    /** Fills an IPv6 key from its addresses and its {@link #portsWord}. */
    public static void ip6(long[] key, long localHi, long localLo, long remoteHi, long remoteLo, long portsWord) {
        key[0] = localHi;
        key[1] = localLo;
        key[2] = remoteHi;
        key[3] = remoteLo;
        key[IP6_MARKER] = portsWord;
        key[5] = 0;
    }

    /** Fills the established-connection key of a flow; returns whether it is IPv4. */
    public static boolean connection(long[] key, FlowView f) {
        if (f.isIp4()) {
            ip4(key, f.protocol(), f.localIp4(), f.localPort(), f.remoteIp4(), f.remotePort());
            return true;
        }
        ip6(key, f.protocol(), f.localIp6Hi(), f.localIp6Lo(), f.localPort(), f.remoteIp6Hi(), f.remoteIp6Lo(), f.remotePort());
        return false;
    }

    /**
     * Fills the listener key for a flow's local endpoint: exact local address, or the wildcard
     * if {@code wildcard}. Returns whether it is IPv4.
     */
    public static boolean listener(long[] key, FlowView f, boolean wildcard) {
        if (f.isIp4()) {
            ip4(key, f.protocol(), wildcard ? 0 : f.localIp4(), f.localPort(), 0, 0);
            return true;
        }
        ip6(key, f.protocol(), wildcard ? 0 : f.localIp6Hi(), wildcard ? 0 : f.localIp6Lo(), f.localPort(), 0, 0, 0);
        return false;
    }

    /** A new listener key for an endpoint (control plane: allocates). */
    public static long[] listener(Endpoint ep) {
        int proto = ep.proto().ipProtocol();
        if (ep.isIp4()) {
            long[] key = new long[IP4_WORDS];
            ip4(key, proto, Ip.ip4(ep.address()), ep.port(), 0, 0);
            return key;
        }
        long[] key = new long[IP6_WORDS];
        ip6(key, proto, Ip.ip6Hi(ep.address()), Ip.ip6Lo(ep.address()), ep.port(), 0, 0, 0);
        return key;
    }

    /** Whether a key (of either layout) has a zero remote address and port: a listener key. */
    public static boolean isListenerKey(long[] key, int keyWords) {
        if (keyWords == IP4_WORDS) {
            return key[0] >>> 32 == 0 && (key[1] >>> 16 & 0xFFFF) == 0;
        }
        return key[2] == 0 && key[3] == 0 && (key[4] >>> 16 & 0xFFFF) == 0;
    }

    /** The transport protocol of a marker word, or null. */
    public static TransportProto proto(long markerWord) {
        int p = (int) (markerWord >>> 32);
        for (TransportProto t : TransportProto.values()) {
            if (t.ipProtocol() == p) {
                return t;
            }
        }
        return null;
    }
}
