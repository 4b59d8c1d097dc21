package dev.hoststack.bench.support;

import dev.hoststack.session.table.SessionKeys;
import java.util.SplittableRandom;

/**
 * A reproducible set of distinct established-connection keys in the session table's layout
 * ({@link SessionKeys}), and probe sequences over it.
 *
 * <p>Keys are distinct by construction: the remote address is a bijective mix of the key's index,
 * so no two indices share it, and keys made from indices {@code >= n} (the misses) are in no set of
 * {@code n}. Local addresses and ports come from a few server endpoints, remote ports at random.
 *
 * <p>A probe sequence is a copy of the chosen keys' words laid out in probe order, so that a
 * benchmark reads its next key sequentially, as a stack reads the header of the packet in hand;
 * the random choice (the index array) is made at setup, never while measuring.
 */
public final class Keys {

    /** Server addresses: 10.0.0.1 .. 10.0.0.4. */
    private static final int[] LOCAL4 = {0x0A00_0001, 0x0A00_0002, 0x0A00_0003, 0x0A00_0004};
    /** Server ports. */
    private static final int[] LOCAL_PORTS = {80, 443, 8080, 8443};
    /** 2001:db8::/64, the documentation prefix. */
    private static final long LOCAL6_HI = 0x2001_0db8_0000_0000L;
    private static final long REMOTE6_HI = 0x2001_0db8_ffff_0000L;

    private final boolean ip4;
    private final int n;
    private final int words;
    private final long[] keys;

    private Keys(boolean ip4, int n, long[] keys) {
        this.ip4 = ip4;
        this.n = n;
        this.words = ip4 ? SessionKeys.IP4_WORDS : SessionKeys.IP6_WORDS;
        this.keys = keys;
    }

    /** {@code n} distinct keys of a family ({@code "ip4"} or {@code "ip6"}), reproducible from {@code seed}. */
    public static Keys generate(String family, int n, long seed) {
        boolean ip4 = switch (family) {
            case "ip4" -> true;
            case "ip6" -> false;
            default -> throw new IllegalArgumentException("family must be ip4 or ip6, not " + family);
        };
        int words = ip4 ? SessionKeys.IP4_WORDS : SessionKeys.IP6_WORDS;
        long[] keys = new long[Math.multiplyExact(n, words)];
        SplittableRandom rnd = new SplittableRandom(seed);
        long[] scratch = new long[SessionKeys.IP6_WORDS];
        for (int i = 0; i < n; i++) {
            fill(ip4, i, rnd, scratch);
            System.arraycopy(scratch, 0, keys, i * words, words);
        }
        return new Keys(ip4, n, keys);
    }

    /** The key of index {@code i} into {@code out}; index {@code >= n} gives keys outside any set of n. */
    private static void fill(boolean ip4, long i, SplittableRandom rnd, long[] out) {
        int local = rnd.nextInt(LOCAL4.length);
        int localPort = LOCAL_PORTS[rnd.nextInt(LOCAL_PORTS.length)];
        int remotePort = 1024 + rnd.nextInt(65536 - 1024);
        if (ip4) {
            SessionKeys.ip4(out, 6, LOCAL4[local], localPort, remote4(i), remotePort);
        } else {
            SessionKeys.ip6(out, 6, LOCAL6_HI, local + 1, localPort, REMOTE6_HI | (i >>> 32), remote6Lo(i), remotePort);
        }
    }

    /** A bijection of {@code i + 1} over 32 bits: distinct, never 0, scattered. */
    static int remote4(long i) {
        int x = (int) (i + 1) * 0x9E37_79B1;
        return x ^ x >>> 16;
    }

    /** A bijection of {@code i + 1} over 64 bits. */
    static long remote6Lo(long i) {
        long x = (i + 1) * 0x9E37_79B9_7F4A_7C15L;
        return x ^ x >>> 31;
    }

    /** Whether the keys are IPv4. */
    public boolean ip4() {
        return ip4;
    }

    /** The number of keys. */
    public int size() {
        return n;
    }

    /** Key words per key: 2 (IPv4) or 6 (IPv6). */
    public int words() {
        return words;
    }

    /** The words of all keys (key {@code i} at {@code i * words()}). Do not modify. */
    public long[] all() {
        return keys;
    }

    /** The value stored for key {@code i}: a thread-1 session handle, as a data thread would store. */
    public static long valueOf(int i) {
        return 1L << 32 | i;
    }

    /**
     * {@code count} probes of keys in the set, chosen uniformly at random (with repetition), laid
     * out in probe order.
     */
    public long[] hitProbes(int count, long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        long[] out = new long[Math.multiplyExact(count, words)];
        for (int j = 0; j < count; j++) {
            System.arraycopy(keys, rnd.nextInt(n) * words, out, j * words, words);
        }
        return out;
    }

    /** {@code count} probes of distinct keys that are in no set of this size (indices n, n+1, ...). */
    public long[] missProbes(int count, long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        long[] out = new long[Math.multiplyExact(count, words)];
        long[] scratch = new long[SessionKeys.IP6_WORDS];
        for (int j = 0; j < count; j++) {
            fill(ip4, (long) n + j, rnd, scratch);
            System.arraycopy(scratch, 0, out, j * words, words);
        }
        return out;
    }
}
