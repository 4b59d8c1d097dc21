package dev.hoststack.tcp;

import dev.hoststack.api.TransportProto;
import dev.hoststack.session.table.SessionKeys;
import java.util.Arrays;

/**
 * One data thread's TCP connection pool, a record of eight {@code long} words per connection in
 * one array, with the handshake timer: connections in SYN_RCVD are kept on an intrusive list in
 * deadline order (the timeout is the same for all, so arrival order is deadline order) and
 * unlinked in O(1) when they leave it.
 *
 * <h2>Layout</h2>
 * Connection {@code c}'s record is {@code rec[8c .. 8c+7]} (64 bytes, VPP's and Agrona's pool of
 * fixed-size structs rather than one array per field): filling, sending and unlinking a
 * connection touch one array and at most two cache lines, and the JIT checks one index range for
 * the eight words instead of one bound per field. An IPv6 connection's two addresses are four
 * more words in {@link #ip6} (the IPv4 path never touches it).
 * <pre>
 *  word  bits 63..32                     bits 31..0
 *  0     session                         bit 8: IPv4; bits 7..0: state (a {@link TcpState} ordinal)
 *  1     the table key's proto-and-ports word ({@link SessionKeys#portsWord}: proto, remote port, local port)
 *  2     IPv4: remote address            IPv4: local address (the IPv4 key's first word)
 *  3     irs                             iss
 *  4     handshake deadline (0: no timer armed)
 *  5     FIB                             the sum of the 16-bit words of its two addresses
 *  6     its table entry reference ({@link dev.hoststack.session.table.SessionHashTable#putIfAbsentAt})
 *  7     next on the timer list          previous on the timer list
 * </pre>
 * Words 1 and 2 are the IPv4 table key as {@link SessionKeys#ip4} builds it, so the removal's key
 * is two loads. The address sum of an IPv6 connection (16 words of 16 bits, under 2<sup>20</sup>)
 * fits in 32 bits.
 *
 * <p>Confined to its data thread. Allocates only when it grows.
 */
final class TcpConnections {

    static final int NONE = -1;

    /** {@link TcpState#CLOSED}'s ordinal as held in a record: hot paths compare bytes, not enums. */
    static final byte CLOSED = 0;
    /** {@link TcpState#SYN_SENT}'s ordinal. */
    static final byte SYN_SENT = 2;
    /** {@link TcpState#SYN_RCVD}'s ordinal. */
    static final byte SYN_RCVD = 3;
    /** {@link TcpState#ESTABLISHED}'s ordinal. */
    static final byte ESTABLISHED = 4;

    /** The most connections a pool may hold: its records' words must fit one array. */
    static final int MAX_CONNECTIONS = 1 << 27;

    private static final int SHIFT = 3;
    private static final int META = 0;
    private static final int PORTS = 1;
    private static final int ADDR4 = 2;
    private static final int SEQ = 3;
    private static final int DEADLINE = 4;
    private static final int SUM_FIB = 5;
    private static final int TABLE_REF = 6;
    private static final int LINKS = 7;
    private static final long IP4_BIT = 1L << 8;
    private static final long LOW = 0xFFFF_FFFFL;
    /** The free record's word 0: CLOSED, session {@link #NONE}. */
    private static final long FREE_META = (long) NONE << 32 | CLOSED;
    private static final long TCP = TransportProto.TCP.ipProtocol();

    private final int max;
    private int capacity;
    private int highWater;
    private int live;
    private int[] freeList;
    private int freeCount;

    /** The records, {@code 8} words a connection (see the class comment). */
    private long[] rec;
    /** IPv6 addresses, four words a connection: local hi, local lo, remote hi, remote lo. */
    private long[] ip6;
    private int timerHead = NONE;
    private int timerTail = NONE;

    TcpConnections(int initial, int max) {
        if (max > MAX_CONNECTIONS) {
            throw new IllegalArgumentException("a connection pool holds at most " + MAX_CONNECTIONS + " connections, not " + max);
        }
        this.max = max;
        this.capacity = initial;
        freeList = new int[initial];
        rec = new long[initial << SHIFT];
        ip6 = new long[initial << 2];
    }

    private void grow() {
        int n = (int) Math.min((long) capacity * 2, max);
        freeList = Arrays.copyOf(freeList, n);
        rec = Arrays.copyOf(rec, n << SHIFT);
        ip6 = Arrays.copyOf(ip6, n << 2);
        capacity = n;
    }

    /** A free connection, or {@link #NONE} at the bound. */
    int allocate() {
        int c;
        if (freeCount > 0) {
            c = freeList[--freeCount];
        } else if (highWater < max) {
            if (highWater == capacity) {
                grow();
            }
            c = highWater++;
            rec[c << SHIFT] = FREE_META;
        } else {
            return NONE;
        }
        // a free connection is CLOSED, has no session and no timer (deadline 0: free() unlinks
        // it, fresh arrays are zero), and the caller fills the rest: nothing to write here
        live++;
        return c;
    }

    void free(int c) {
        final int b = c << SHIFT;
        if (rec[b + DEADLINE] != 0) {
            unlinkTimer(c);
        }
        rec[b + META] = FREE_META;
        freeList[freeCount++] = c;
        live--;
    }

    /**
     * Fills connection {@code c} from the flow it is for (local = the flow's local end) and puts
     * it in state {@code s}; no timer.
     */
    void fill(int c, byte s, int session, int fib, TcpSegment f, int iss, int irs) {
        final int b = c << SHIFT;
        final long[] r = rec;
        final boolean v4 = f.ip4;
        r[b + META] = (long) session << 32 | (v4 ? IP4_BIT : 0) | s & 0xFF;
        r[b + PORTS] = SessionKeys.portsWord((int) TCP, f.srcPort, f.dstPort);
        final long sum;
        if (v4) {
            r[b + ADDR4] = SessionKeys.ip4AddressWord(f.dstIp4, f.srcIp4);
            sum = SegmentWriter.addressSum4(f.dstIp4, f.srcIp4);
        } else {
            final int a = c << 2;
            ip6[a] = f.dstHi;
            ip6[a + 1] = f.dstLo;
            ip6[a + 2] = f.srcHi;
            ip6[a + 3] = f.srcLo;
            sum = SegmentWriter.addressSum6(f.dstHi, f.dstLo, f.srcHi, f.srcLo);
        }
        r[b + SEQ] = (long) irs << 32 | iss & LOW;
        r[b + SUM_FIB] = (long) fib << 32 | sum;
    }

    boolean isLive(int c) {
        return c >= 0 && c < highWater && (byte) rec[c << SHIFT] != CLOSED;
    }

    TcpState state(int c) {
        return TcpState.of((byte) rec[c << SHIFT]);
    }

    /** Whether connection {@code c} is in the state of ordinal {@code s} ({@link #SYN_RCVD} etc.). */
    boolean is(int c, byte s) {
        return (byte) rec[c << SHIFT] == s;
    }

    /** Puts connection {@code c} in the state of ordinal {@code s}. */
    void state(int c, byte s) {
        final int b = c << SHIFT;
        rec[b] = rec[b] & ~0xFFL | s & 0xFF;
    }

    /** Its session's index in the thread's pool, or {@link #NONE}. */
    int session(int c) {
        return (int) (rec[c << SHIFT] >> 32);
    }

    boolean ip4(int c) {
        return (rec[c << SHIFT] & IP4_BIT) != 0;
    }

    int fib(int c) {
        return (int) (rec[(c << SHIFT) + SUM_FIB] >>> 32);
    }

    /** The sum of the 16-bit words of its two addresses, which every checksum it sends starts from. */
    long addressSum(int c) {
        return rec[(c << SHIFT) + SUM_FIB] & LOW;
    }

    int localPort(int c) {
        return (int) rec[(c << SHIFT) + PORTS] & 0xFFFF;
    }

    int remotePort(int c) {
        return (int) rec[(c << SHIFT) + PORTS] >>> 16 & 0xFFFF;
    }

    int localIp4(int c) {
        return (int) rec[(c << SHIFT) + ADDR4];
    }

    int remoteIp4(int c) {
        return (int) (rec[(c << SHIFT) + ADDR4] >>> 32);
    }

    long localHi(int c) {
        return ip6[c << 2];
    }

    long localLo(int c) {
        return ip6[(c << 2) + 1];
    }

    long remoteHi(int c) {
        return ip6[(c << 2) + 2];
    }

    long remoteLo(int c) {
        return ip6[(c << 2) + 3];
    }

    /** The initial sequence number we sent. */
    int iss(int c) {
        return (int) rec[(c << SHIFT) + SEQ];
    }

    /** The peer's initial sequence number. */
    int irs(int c) {
        return (int) (rec[(c << SHIFT) + SEQ] >>> 32);
    }

    void irs(int c, int irs) {
        final int i = (c << SHIFT) + SEQ;
        rec[i] = (long) irs << 32 | rec[i] & LOW;
    }

    /** Where its 5-tuple went in the table that holds it, so that the removal needs no probe. */
    long tableRef(int c) {
        return rec[(c << SHIFT) + TABLE_REF];
    }

    void tableRef(int c, long ref) {
        rec[(c << SHIFT) + TABLE_REF] = ref;
    }

    long deadline(int c) {
        return rec[(c << SHIFT) + DEADLINE];
    }

    /** Fills {@code key} with its 5-tuple's table key ({@link SessionKeys#ip4} or {@link SessionKeys#ip6}). */
    void key(int c, long[] key) {
        final int b = c << SHIFT;
        final long ports = rec[b + PORTS];
        if ((rec[b] & IP4_BIT) != 0) {
            SessionKeys.ip4(key, rec[b + ADDR4], ports);
        } else {
            final int a = c << 2;
            SessionKeys.ip6(key, ip6[a], ip6[a + 1], ip6[a + 2], ip6[a + 3], ports);
        }
    }

    int live() {
        return live;
    }

    int highWater() {
        return highWater;
    }

    int max() {
        return max;
    }

    /** Puts {@code c} at the end of the timer list with the given deadline (never 0). */
    void armTimer(int c, long when) {
        final int b = c << SHIFT;
        final int tail = timerTail;
        rec[b + DEADLINE] = when == 0 ? 1 : when;
        rec[b + LINKS] = (long) NONE << 32 | tail & LOW;
        if (tail == NONE) {
            timerHead = c;
        } else {
            setNext(tail, c);
        }
        timerTail = c;
    }

    /** Takes {@code c} off the timer list. */
    void unlinkTimer(int c) {
        final int b = c << SHIFT;
        final long links = rec[b + LINKS];
        final int p = (int) links;
        final int n = (int) (links >> 32);
        if (p == NONE) {
            timerHead = n;
        } else {
            setNext(p, n);
        }
        if (n == NONE) {
            timerTail = p;
        } else {
            setPrev(n, p);
        }
        rec[b + LINKS] = -1L;
        rec[b + DEADLINE] = 0;
    }

    private void setNext(int c, int next) {
        final int i = (c << SHIFT) + LINKS;
        rec[i] = (long) next << 32 | rec[i] & LOW;
    }

    private void setPrev(int c, int prev) {
        final int i = (c << SHIFT) + LINKS;
        rec[i] = rec[i] & ~LOW | prev & LOW;
    }

    /** The connection whose timer expires first, or {@link #NONE}. */
    int timerHead() {
        return timerHead;
    }
}
