package dev.hoststack.bench.support;

/**
 * The IPv6 5-tuple record of the baselines: addresses as two {@code long}s each, primitive fields.
 *
 * @param proto      IP protocol number
 * @param localHi    high 64 bits of the local address
 * @param localLo    low 64 bits of the local address
 * @param localPort  local port
 * @param remoteHi   high 64 bits of the remote address
 * @param remoteLo   low 64 bits of the remote address
 * @param remotePort remote port
 */
public record FiveTuple6(int proto, long localHi, long localLo, int localPort, long remoteHi, long remoteLo,
                         int remotePort) {

    /** The record for the 6 session-table key words at {@code w[p..p+6)} (see {@code SessionKeys.ip6}). */
    public static FiveTuple6 ofKey(long[] w, int p) {
        long ports = w[p + 4];
        return new FiveTuple6((int) (ports >>> 32), w[p], w[p + 1], (int) ports & 0xFFFF, w[p + 2], w[p + 3],
                (int) (ports >>> 16) & 0xFFFF);
    }
}
