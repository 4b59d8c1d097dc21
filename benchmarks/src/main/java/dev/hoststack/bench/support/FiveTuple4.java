package dev.hoststack.bench.support;

/**
 * The IPv4 5-tuple record a Java developer would key a {@code HashMap} with: primitive fields, the
 * record's generated {@code equals} and {@code hashCode}. (The project's own
 * {@link dev.hoststack.api.FiveTuple} holds {@code InetAddress} objects and would make the baseline
 * slower still; this is the stronger baseline.)
 *
 * @param proto      IP protocol number
 * @param localIp    local address
 * @param localPort  local port
 * @param remoteIp   remote address
 * @param remotePort remote port
 */
public record FiveTuple4(int proto, int localIp, int localPort, int remoteIp, int remotePort) {

    /** The record for the session-table key words {@code k0, k1} (see {@code SessionKeys.ip4}). */
    public static FiveTuple4 ofKey(long k0, long k1) {
        return new FiveTuple4((int) (k1 >>> 32), (int) k0, (int) k1 & 0xFFFF, (int) (k0 >>> 32), (int) (k1 >>> 16) & 0xFFFF);
    }
}
