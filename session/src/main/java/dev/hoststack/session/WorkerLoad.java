package dev.hoststack.session;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * One app worker's load as selectors read it ({@link dev.hoststack.api.spi.ReuseportGroupView#slotPending}
 * and the like): its pending connections (dispatched to it, not yet taken), its established ones,
 * and whether it is congested.
 *
 * <p>Counts are kept per data thread, each thread's two counts packed in one {@code long} (pending
 * in the low 32 bits, established in the high 32) in its own 128-byte region of one array, written
 * only by that thread with a plain read, an add and one opaque store (no CAS, no lock, no
 * allocation; a session becoming established moves its count between the two in that one store);
 * a reader sums the regions with opaque reads. So a reading is each thread's counts as of a recent
 * transition of that thread, untorn (pending and established from the same transition), with no
 * order between threads, and exact when the data threads are quiescent. A sum below 0 (a reader
 * seeing one thread's decrement before another's increment) reads as 0.
 *
 * <p>Writers: in the model the session pools ({@link SessionPool}, on their own data thread) at
 * every state change of a session of this worker; a runtime that hands connections elsewhere (the
 * daemon) calls {@link #add} and {@link #congested(boolean)} itself, as the data thread it
 * dispatches for. {@link #congested(boolean)} may be written from any thread (an opaque store).
 */
public final class WorkerLoad {

    private static final VarHandle LONGS = MethodHandles.arrayElementVarHandle(long[].class);
    private static final VarHandle CONGESTED;

    static {
        try {
            CONGESTED = MethodHandles.lookup().findVarHandle(WorkerLoad.class, "congested", boolean.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** Longs per data thread's region: 128 bytes, so no two threads share a cache line pair. */
    private static final int STRIDE = 16;

    /** Per data thread t, at {@code t * STRIDE}: established * 2^32 + pending (each a signed 32-bit count). */
    private final long[] cells;
    @SuppressWarnings("unused") // through CONGESTED
    private boolean congested;

    /**
     * @param threads the stack's data threads
     */
    public WorkerLoad(int threads) {
        if (threads < 1) {
            throw new IllegalArgumentException("threads " + threads + " < 1");
        }
        this.cells = new long[threads * STRIDE];
    }

    /**
     * Adds to the counts of data thread {@code thread} (that thread only; allocation-free, one
     * opaque store). A thread's counts stay within {@code int} (they count sessions).
     *
     * @param pending     the change of pending connections
     * @param established the change of established ones
     */
    public void add(int thread, int pending, int established) {
        final int i = thread * STRIDE;
        LONGS.setOpaque(cells, i, cells[i] + ((long) established << 32) + pending);
    }

    /** Pending connections over all data threads, 0..{@link Integer#MAX_VALUE}. */
    public int pending() {
        return sum(false);
    }

    /** Established connections over all data threads, 0..{@link Integer#MAX_VALUE}. */
    public int established() {
        return sum(true);
    }

    /** One of the two counts summed over the threads' cells, clamped to 0..{@link Integer#MAX_VALUE}. */
    private int sum(boolean established) {
        final long[] c = cells;
        long n = 0;
        for (int i = 0; i < c.length; i += STRIDE) {
            final long cell = (long) LONGS.getOpaque(c, i);
            n += established ? establishedOf(cell) : pendingOf(cell);
        }
        return clamp(n);
    }

    /** A cell's pending count: its low 32 bits, signed. */
    private static int pendingOf(long cell) {
        return (int) cell;
    }

    /** A cell's established count: what is left above the pending count, shifted down. */
    private static int establishedOf(long cell) {
        return (int) ((cell - pendingOf(cell)) >> 32);
    }

    private static int clamp(long n) {
        return n <= 0 ? 0 : n >= Integer.MAX_VALUE ? Integer.MAX_VALUE : (int) n;
    }

    /** Whether the worker is congested now. */
    public boolean congested() {
        return (boolean) CONGESTED.getOpaque(this);
    }

    /** Sets whether the worker is congested (any thread; an opaque store). */
    public void congested(boolean on) {
        if ((boolean) CONGESTED.getOpaque(this) != on) {
            CONGESTED.setOpaque(this, on);
        }
    }

    @Override
    public String toString() {
        return "pending " + pending() + ", established " + established() + (congested() ? ", congested" : "");
    }
}
