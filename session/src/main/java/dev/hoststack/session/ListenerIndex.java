package dev.hoststack.session;

import dev.hoststack.api.Endpoint;
import dev.hoststack.api.Ip;
import java.util.Arrays;

/**
 * The listeners of one table set, protocol and address family, indexed by local port: what a SYN
 * is looked up in. Listeners are few and their ports dense, so a port leads through two short
 * arrays to the port's entry, which holds its exact-address listeners (usually none or one) and
 * its wildcard listener; the exact address wins, as in VPP's {@code session_lookup_listener}
 * (exact key, then the wildcard key) and the kernel (a specific address beats the wildcard).
 *
 * <p>It mirrors the listener entries of the session table (VPP's layout, where a listener is the
 * 5-tuple with the remote end zero and the value a listen session handle or a group value), which
 * stay the reference the control plane checks; this index is the data plane's fast path to the
 * same answers, holding the {@link ListenTarget} itself.
 *
 * <p>Why not a hash table: a listener lookup is two probes of a general table (exact, then
 * wildcard), each a hash and a bucket scan; here it is two array reads by port and a compare of a
 * handful of addresses. Memory: 256 references at first, 256 more per block of 256 ports in use.
 *
 * <p>Threading: changed only on the control thread, copy-on-write (an entry, its block and the
 * top array are replaced, never changed in place), published by one volatile write; data threads
 * read without locks or allocation.
 */
public final class ListenerIndex {

    /**
     * One port's listeners. Immutable. The first exact address and its listener are also held
     * inline ({@code first*}), so the usual port (one exact listener, or only a wildcard) is
     * answered from this object alone, without reading the arrays.
     */
    private static final class Entry {
        /** Exact IPv4 addresses (IPv4 index), or IPv6 addresses as (hi, lo) pairs (IPv6 index). */
        final int[] ip4;
        final long[] ip6;
        final ListenTarget[] exact;
        final ListenTarget wildcard;
        /** {@code exact[0]}, or null if there is no exact listener. */
        final ListenTarget first;
        final int firstIp4;
        final long firstHi;
        final long firstLo;

        Entry(int[] ip4, long[] ip6, ListenTarget[] exact, ListenTarget wildcard) {
            this.ip4 = ip4;
            this.ip6 = ip6;
            this.exact = exact;
            this.wildcard = wildcard;
            this.first = exact.length == 0 ? null : exact[0];
            this.firstIp4 = ip4.length == 0 ? 0 : ip4[0];
            this.firstHi = ip6.length == 0 ? 0 : ip6[0];
            this.firstLo = ip6.length == 0 ? 0 : ip6[1];
        }

        boolean isEmpty() {
            return exact.length == 0 && wildcard == null;
        }
    }

    private static final Entry[] NO_BLOCK = null;
    private static final int[] NO_IP4 = new int[0];
    private static final long[] NO_IP6 = new long[0];
    private static final ListenTarget[] NO_TARGETS = new ListenTarget[0];

    private final boolean ip4;
    /** Blocks of 256 ports by {@code port >>> 8}; a block is null while none of its ports listens. */
    private volatile Entry[][] blocks = new Entry[256][];
    private int size;

    /** An empty index for one address family. */
    public ListenerIndex(boolean ip4) {
        this.ip4 = ip4;
    }

    /** Whether it holds IPv4 listeners. */
    public boolean ip4() {
        return ip4;
    }

    /** Listeners held (control thread). */
    public int size() {
        return size;
    }

    // ---------------------------------------------------------------- data plane

    /** The listener of an IPv4 local address and port: exact, then wildcard; null if none. Lock-free, allocation-free. */
    public ListenTarget find4(int localIp, int port) {
        final Entry[] block = blocks[port >>> 8 & 0xFF];
        if (block == NO_BLOCK) {
            return null;
        }
        final Entry e = block[port & 0xFF];
        if (e == null) {
            return null;
        }
        final ListenTarget first = e.first;
        if (first == null) {
            return e.wildcard;
        }
        if (e.firstIp4 == localIp) {
            return first;
        }
        final int[] addrs = e.ip4;
        for (int i = 1; i < addrs.length; i++) {
            if (addrs[i] == localIp) {
                return e.exact[i];
            }
        }
        return e.wildcard;
    }

    /** The listener of an IPv6 local address and port: exact, then wildcard; null if none. Lock-free, allocation-free. */
    public ListenTarget find6(long localHi, long localLo, int port) {
        final Entry[] block = blocks[port >>> 8 & 0xFF];
        if (block == NO_BLOCK) {
            return null;
        }
        final Entry e = block[port & 0xFF];
        if (e == null) {
            return null;
        }
        final ListenTarget first = e.first;
        if (first == null) {
            return e.wildcard;
        }
        if (e.firstHi == localHi && e.firstLo == localLo) {
            return first;
        }
        final long[] addrs = e.ip6;
        for (int i = 2; i < addrs.length; i += 2) {
            if (addrs[i] == localHi && addrs[i + 1] == localLo) {
                return e.exact[i >> 1];
            }
        }
        return e.wildcard;
    }

    // ---------------------------------------------------------------- control plane

    /**
     * Adds the listener of an endpoint (its address, or the wildcard address for any, and port).
     *
     * @throws IllegalStateException if that address and port have a listener already
     * @throws IllegalArgumentException if the endpoint is of the other family
     */
    public void put(Endpoint endpoint, ListenTarget target) {
        checkFamily(endpoint);
        final int port = endpoint.port();
        Entry e = entry(port);
        Entry next;
        if (endpoint.isWildcard()) {
            if (e != null && e.wildcard != null) {
                throw new IllegalStateException("port " + port + " has a wildcard listener already");
            }
            next = e == null ? new Entry(NO_IP4, NO_IP6, NO_TARGETS, target) : new Entry(e.ip4, e.ip6, e.exact, target);
        } else {
            if (e != null && indexOf(e, endpoint) >= 0) {
                throw new IllegalStateException("port " + port + " has a listener on that address already");
            }
            Entry base = e == null ? new Entry(NO_IP4, NO_IP6, NO_TARGETS, null) : e;
            ListenTarget[] exact = Arrays.copyOf(base.exact, base.exact.length + 1);
            exact[exact.length - 1] = target;
            if (ip4) {
                int[] a = Arrays.copyOf(base.ip4, base.ip4.length + 1);
                a[a.length - 1] = Ip.ip4(endpoint.address());
                next = new Entry(a, NO_IP6, exact, base.wildcard);
            } else {
                long[] a = Arrays.copyOf(base.ip6, base.ip6.length + 2);
                a[a.length - 2] = Ip.ip6Hi(endpoint.address());
                a[a.length - 1] = Ip.ip6Lo(endpoint.address());
                next = new Entry(NO_IP4, a, exact, base.wildcard);
            }
        }
        publish(port, next);
        size++;
    }

    /**
     * Removes the listener of an endpoint if it is {@code target}.
     *
     * @return whether it was there
     */
    public boolean remove(Endpoint endpoint, ListenTarget target) {
        checkFamily(endpoint);
        final int port = endpoint.port();
        Entry e = entry(port);
        if (e == null) {
            return false;
        }
        Entry next;
        if (endpoint.isWildcard()) {
            if (e.wildcard != target) {
                return false;
            }
            next = new Entry(e.ip4, e.ip6, e.exact, null);
        } else {
            int i = indexOf(e, endpoint);
            if (i < 0 || e.exact[i] != target) {
                return false;
            }
            ListenTarget[] exact = removeAt(e.exact, i);
            next = ip4 ? new Entry(removeAt(e.ip4, i), NO_IP6, exact, e.wildcard)
                    : new Entry(NO_IP4, removePairAt(e.ip6, i), exact, e.wildcard);
        }
        publish(port, next.isEmpty() ? null : next);
        size--;
        return true;
    }

    /** The listener of exactly that endpoint (its address, or the wildcard), or null (control thread). */
    public ListenTarget get(Endpoint endpoint) {
        checkFamily(endpoint);
        Entry e = entry(endpoint.port());
        if (e == null) {
            return null;
        }
        if (endpoint.isWildcard()) {
            return e.wildcard;
        }
        int i = indexOf(e, endpoint);
        return i < 0 ? null : e.exact[i];
    }

    private Entry entry(int port) {
        Entry[] block = blocks[port >>> 8];
        return block == null ? null : block[port & 0xFF];
    }

    private void publish(int port, Entry next) {
        Entry[][] top = blocks.clone();
        Entry[] block = top[port >>> 8];
        block = block == null ? new Entry[256] : block.clone();
        block[port & 0xFF] = next;
        boolean empty = true;
        for (Entry x : block) {
            if (x != null) {
                empty = false;
                break;
            }
        }
        top[port >>> 8] = empty ? null : block;
        blocks = top;
    }

    private int indexOf(Entry e, Endpoint endpoint) {
        if (ip4) {
            int a = Ip.ip4(endpoint.address());
            for (int i = 0; i < e.ip4.length; i++) {
                if (e.ip4[i] == a) {
                    return i;
                }
            }
        } else {
            long hi = Ip.ip6Hi(endpoint.address());
            long lo = Ip.ip6Lo(endpoint.address());
            for (int i = 0; i < e.ip6.length; i += 2) {
                if (e.ip6[i] == hi && e.ip6[i + 1] == lo) {
                    return i >> 1;
                }
            }
        }
        return -1;
    }

    private void checkFamily(Endpoint endpoint) {
        if (endpoint.isIp4() != ip4) {
            throw new IllegalArgumentException(endpoint.toUri() + " is not of this index's family (IPv" + (ip4 ? 4 : 6) + ")");
        }
    }

    private static ListenTarget[] removeAt(ListenTarget[] a, int i) {
        ListenTarget[] out = new ListenTarget[a.length - 1];
        System.arraycopy(a, 0, out, 0, i);
        System.arraycopy(a, i + 1, out, i, a.length - i - 1);
        return out;
    }

    private static int[] removeAt(int[] a, int i) {
        int[] out = new int[a.length - 1];
        System.arraycopy(a, 0, out, 0, i);
        System.arraycopy(a, i + 1, out, i, a.length - i - 1);
        return out;
    }

    private static long[] removePairAt(long[] a, int i) {
        long[] out = new long[a.length - 2];
        System.arraycopy(a, 0, out, 0, 2 * i);
        System.arraycopy(a, 2 * i + 2, out, 2 * i, a.length - 2 * i - 2);
        return out;
    }
}
