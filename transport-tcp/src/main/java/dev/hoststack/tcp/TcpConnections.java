package dev.hoststack.tcp;

import java.util.Arrays;

/**
 * One data thread's TCP connection pool, as parallel primitive arrays, with the handshake timer:
 * connections in SYN_RCVD are kept on an intrusive list in deadline order (the timeout is the
 * same for all, so arrival order is deadline order) and unlinked in O(1) when they leave it.
 *
 * <p>Confined to its data thread. Allocates only when it grows.
 */
final class TcpConnections {

    static final int NONE = -1;

    /** {@link TcpState#CLOSED}'s ordinal as held in {@link #state}: hot paths compare bytes, not enums. */
    static final byte CLOSED = 0;
    /** {@link TcpState#SYN_SENT}'s ordinal. */
    static final byte SYN_SENT = 2;
    /** {@link TcpState#SYN_RCVD}'s ordinal. */
    static final byte SYN_RCVD = 3;
    /** {@link TcpState#ESTABLISHED}'s ordinal. */
    static final byte ESTABLISHED = 4;

    private final int max;
    private int highWater;
    private int live;
    private int[] freeList;
    private int freeCount;

    byte[] state;
    int[] session;
    int[] fib;
    boolean[] ip4;
    int[] localIp4;
    int[] remoteIp4;
    long[] localHi;
    long[] localLo;
    long[] remoteHi;
    long[] remoteLo;
    int[] localPort;
    int[] remotePort;
    int[] iss;
    int[] irs;
    long[] deadline;
    /** The sum of the 16-bit words of its two addresses, which every checksum it sends starts from. */
    long[] addressSum;
    /**
     * Where its 5-tuple went in the table that holds it (an entry reference of
     * {@link dev.hoststack.session.table.SessionHashTable#putIfAbsentAt}), so that the removal
     * needs no probe.
     */
    long[] tableRef;
    private int[] prev;
    private int[] next;
    private int timerHead = NONE;
    private int timerTail = NONE;

    TcpConnections(int initial, int max) {
        this.max = max;
        allocateArrays(initial);
    }

    private void allocateArrays(int n) {
        freeList = new int[n];
        state = new byte[n];
        session = new int[n];
        fib = new int[n];
        ip4 = new boolean[n];
        localIp4 = new int[n];
        remoteIp4 = new int[n];
        localHi = new long[n];
        localLo = new long[n];
        remoteHi = new long[n];
        remoteLo = new long[n];
        localPort = new int[n];
        remotePort = new int[n];
        iss = new int[n];
        irs = new int[n];
        deadline = new long[n];
        addressSum = new long[n];
        tableRef = new long[n];
        prev = new int[n];
        next = new int[n];
    }

    private void grow() {
        int n = (int) Math.min((long) state.length * 2, max);
        freeList = Arrays.copyOf(freeList, n);
        state = Arrays.copyOf(state, n);
        session = Arrays.copyOf(session, n);
        fib = Arrays.copyOf(fib, n);
        ip4 = Arrays.copyOf(ip4, n);
        localIp4 = Arrays.copyOf(localIp4, n);
        remoteIp4 = Arrays.copyOf(remoteIp4, n);
        localHi = Arrays.copyOf(localHi, n);
        localLo = Arrays.copyOf(localLo, n);
        remoteHi = Arrays.copyOf(remoteHi, n);
        remoteLo = Arrays.copyOf(remoteLo, n);
        localPort = Arrays.copyOf(localPort, n);
        remotePort = Arrays.copyOf(remotePort, n);
        iss = Arrays.copyOf(iss, n);
        irs = Arrays.copyOf(irs, n);
        deadline = Arrays.copyOf(deadline, n);
        addressSum = Arrays.copyOf(addressSum, n);
        tableRef = Arrays.copyOf(tableRef, n);
        prev = Arrays.copyOf(prev, n);
        next = Arrays.copyOf(next, n);
    }

    /** A free connection, or {@link #NONE} at the bound. */
    int allocate() {
        int c;
        if (freeCount > 0) {
            c = freeList[--freeCount];
        } else if (highWater < max) {
            if (highWater == state.length) {
                grow();
            }
            c = highWater++;
            state[c] = CLOSED;
            session[c] = NONE;
        } else {
            return NONE;
        }
        // a free connection is CLOSED, has no session and no timer (deadline 0: free() unlinks
        // it, fresh arrays are zero), and the caller fills the rest: nothing to write here
        live++;
        return c;
    }

    void free(int c) {
        if (deadline[c] != 0) {
            unlinkTimer(c);
        }
        state[c] = CLOSED;
        session[c] = NONE;
        freeList[freeCount++] = c;
        live--;
    }

    boolean isLive(int c) {
        return c >= 0 && c < highWater && state[c] != CLOSED;
    }

    TcpState state(int c) {
        return TcpState.of(state[c]);
    }

    /** Whether connection {@code c} is in the state of ordinal {@code s} ({@link #SYN_RCVD} etc.). */
    boolean is(int c, byte s) {
        return state[c] == s;
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
        deadline[c] = when == 0 ? 1 : when;
        prev[c] = timerTail;
        next[c] = NONE;
        if (timerTail == NONE) {
            timerHead = c;
        } else {
            next[timerTail] = c;
        }
        timerTail = c;
    }

    /** Takes {@code c} off the timer list. */
    void unlinkTimer(int c) {
        int p = prev[c];
        int n = next[c];
        if (p == NONE) {
            timerHead = n;
        } else {
            next[p] = n;
        }
        if (n == NONE) {
            timerTail = p;
        } else {
            prev[n] = p;
        }
        prev[c] = NONE;
        next[c] = NONE;
        deadline[c] = 0;
    }

    /** The connection whose timer expires first, or {@link #NONE}. */
    int timerHead() {
        return timerHead;
    }
}
