package dev.hoststack.session;

import dev.hoststack.api.DropReason;

/**
 * The packed result of dispatching a SYN: the listen session it came through and the app worker
 * that gets it, or why it is dropped, in one {@code long} (VPP packs a session handle the same
 * way; see {@link dev.hoststack.api.SessionHandle}). No allocation per SYN.
 *
 * <p>Layout: {@code (long) listenSessionIndex << 32 | workerGlobalIndex}, both non-negative; a drop
 * is negative, {@code -(1 + DropReason.ordinal())}.
 */
public final class Dispatch {

    private Dispatch() {
    }

    /** The result naming listen session {@code listenSession} (its index on thread 0) and app worker {@code workerGlobal}. */
    public static long of(int listenSession, int workerGlobal) {
        return (long) listenSession << 32 | (workerGlobal & 0xFFFF_FFFFL);
    }

    /** The result that drops the SYN for {@code reason}. */
    public static long drop(DropReason reason) {
        return -1L - reason.ordinal();
    }

    /** Whether {@code d} is a drop. */
    public static boolean isDrop(long d) {
        return d < 0;
    }

    /** The listen session index of a result that is not a drop. */
    public static int listenSession(long d) {
        return (int) (d >>> 32);
    }

    /** The app worker's global index of a result that is not a drop. */
    public static int worker(long d) {
        return (int) d;
    }

    /** The reason of a drop. */
    public static DropReason dropReason(long d) {
        return DropReason.of((int) (-1L - d));
    }

    /** {@code listener 3 -> worker 7}, or {@code drop NO_WORKER}. */
    public static String format(long d) {
        return isDrop(d) ? "drop " + dropReason(d) : "listener " + listenSession(d) + " -> worker " + worker(d);
    }
}
