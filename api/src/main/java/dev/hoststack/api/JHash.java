package dev.hoststack.api;

/**
 * Bob Jenkins' lookup3 hash as the Linux kernel uses it ({@code include/linux/jhash.h}), and the
 * kernel's reuseport arithmetic built on it. All arithmetic is on unsigned 32-bit words held in
 * {@code int}s. Pure and allocation-free.
 *
 * <p>Byte order: the kernel hashes addresses as the raw 32-bit words of network-order memory;
 * here addresses are the numeric network-order values ({@code 10.0.0.2} is {@code 0x0a000002}).
 * With the kernel's random per-boot secret its choices can't be predicted anyway; what carries
 * over is the algorithm and its distribution.
 */
public final class JHash {

    /** The kernel's {@code JHASH_INITVAL}. */
    public static final int JHASH_INITVAL = 0xdeadbeef;

    private JHash() {
    }

    /** {@code jhash_3words(a, b, c, initval)}. */
    public static int jhash3Words(int a, int b, int c, int initval) {
        final int start = jhash3Start(initval);
        return finalMix(a + start, b + start, c + start);
    }

    /**
     * What {@code jhash_3words(a, b, c, initval)} adds to each of its three words before the final
     * mix: {@code initval + JHASH_INITVAL + (3 << 2)}. A caller that hashes every flow with one
     * secret (a selector) computes it once and passes it to {@link #inetEhashFrom}.
     */
    public static int jhash3Start(int initval) {
        return initval + JHASH_INITVAL + (3 << 2);
    }

    /** {@code jhash2(k, 4, initval)} over four 32-bit words, as {@code __ipv6_addr_jhash} uses it. */
    public static int jhash2Of4(int w0, int w1, int w2, int w3, int initval) {
        int a = JHASH_INITVAL + (4 << 2) + initval;
        int b = a;
        int c = a;
        // one full round of three words: __jhash_mix
        a += w0;
        b += w1;
        c += w2;
        a -= c; a ^= Integer.rotateLeft(c, 4); c += b;
        b -= a; b ^= Integer.rotateLeft(a, 6); a += c;
        c -= b; c ^= Integer.rotateLeft(b, 8); b += a;
        a -= c; a ^= Integer.rotateLeft(c, 16); c += b;
        b -= a; b ^= Integer.rotateLeft(a, 19); a += c;
        c -= b; c ^= Integer.rotateLeft(b, 4); b += a;
        // the last word: case 1
        a += w3;
        return finalMix(a, b, c);
    }

    /** {@code __jhash_final(a, b, c)}, returning {@code c}. */
    private static int finalMix(int a, int b, int c) {
        c ^= b; c -= Integer.rotateLeft(b, 14);
        a ^= c; a -= Integer.rotateLeft(c, 11);
        b ^= a; b -= Integer.rotateLeft(a, 25);
        c ^= b; c -= Integer.rotateLeft(b, 16);
        a ^= c; a -= Integer.rotateLeft(c, 4);
        b ^= a; b -= Integer.rotateLeft(a, 14);
        c ^= b; c -= Integer.rotateLeft(b, 24);
        return c;
    }

    /** {@code reciprocal_scale(h, n)}: maps a 32-bit hash onto {@code 0..n-1} without a division. */
    public static int reciprocalScale(int hash, int n) {
        return (int) (((hash & 0xFFFF_FFFFL) * n) >>> 32);
    }

    /**
     * The kernel's IPv4 {@code inet_ehashfn} as reuseport selection uses it (kernels up to 6.14):
     * {@code jhash_3words(laddr, faddr, lport << 16 | fport, secret)}.
     */
    public static int inetEhash(int localIp, int localPort, int remoteIp, int remotePort, int secret) {
        return jhash3Words(localIp, remoteIp, localPort << 16 | remotePort, secret);
    }

    /**
     * {@link #inetEhash} with the secret already turned into {@code start = jhash3Start(secret)}:
     * the same value for ports in 0..65535 (as {@link dev.hoststack.api.spi.FlowView} gives them),
     * with one add per word instead of two (the JIT reassociates {@code word + secret + constant}
     * when the secret is a field, and then splits a rotate of such a sum into shifts instead of
     * one {@code rorx}). For a selector's SYN path; see {@code HashSelector}.
     */
    public static int inetEhashFrom(int localIp, int localPort, int remoteIp, int remotePort, int start) {
        // (localPort << 16 | remotePort) + start, as a sum (the ports are 16-bit): the port word
        // is then one add after its two loads, not three operations in a row
        return finalMix(localIp + start, remoteIp + start, (remotePort + start) + (localPort << 16));
    }

    /**
     * The kernel's reuseport hash of a flow, IPv4 or IPv6 ({@link #inetEhash} /
     * {@link #inet6Ehash}): what {@code reuseport_select_sock} scales onto the group's sockets.
     */
    public static int flowHash(dev.hoststack.api.spi.FlowView flow, int secret) {
        return flow.isIp4()
                ? inetEhash(flow.localIp4(), flow.localPort(), flow.remoteIp4(), flow.remotePort(), secret)
                : inet6Ehash(flow.localIp6Hi(), flow.localIp6Lo(), flow.localPort(),
                        flow.remoteIp6Hi(), flow.remoteIp6Lo(), flow.remotePort(), secret);
    }

    /**
     * The kernel's IPv6 {@code inet6_ehashfn}: the last 32-bit word of the local address, a
     * {@code jhash2} of the remote address, and the ports. The kernel keys the inner hash with a
     * second random secret; here both are {@code secret}.
     */
    public static int inet6Ehash(long localHi, long localLo, int localPort,
                                 long remoteHi, long remoteLo, int remotePort, int secret) {
        int lhash = (int) localLo;
        int fhash = jhash2Of4((int) (remoteHi >>> 32), (int) remoteHi, (int) (remoteLo >>> 32), (int) remoteLo, secret);
        return jhash3Words(lhash, fhash, localPort << 16 | remotePort, secret);
    }
}
