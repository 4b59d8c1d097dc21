package dev.hoststack.session;

import dev.hoststack.api.DropReason;
import dev.hoststack.session.internal.MpscLongRing;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.function.Consumer;

/**
 * One data thread's state: its session pool, its counters, scratch key arrays, and its mailbox
 * of work posted by other threads (VPP's RPCs to a worker thread).
 *
 * <p>Threading: confined to its owner, one Java thread at a time. Thread 0 is owned by the
 * control (main) thread. {@link SessionLayer#claim(int)} makes the calling thread the owner.
 * Other threads only {@link #post} work, and read counters (opaque reads: exact once the owner
 * is quiescent).
 */
public final class DataThread {

    private static final VarHandle LONGS = MethodHandles.arrayElementVarHandle(long[].class);

    static final int OP_ACCEPT_REPLY = 1;
    static final int OP_CLOSE = 2;
    static final int OP_RESET = 3;
    static final int OP_RELEASE = 4;

    private final int index;
    private final SessionPool sessions;
    private final long[] drops = new long[DropReason.count()];
    private final long[] counters = new long[SessionCounter.values().length];
    private final MpscLongRing appOps;
    /**
     * App operations posted by the owner itself (an application polling its events on the data
     * thread's own Java thread): a ring confined to the owner, no CAS. Records of two longs at
     * {@code (i & localMask) * 2}; {@code localHead..localTail} are queued.
     */
    private final long[] localOps;
    private static final int LOCAL_OPS = 256;
    private final int localMask;
    private int localHead;
    private int localTail;
    private final Queue<Consumer<DataThread>> rpcs = new ConcurrentLinkedQueue<>();
    /** Set after every {@link #post}, cleared by the owner before it drains: one volatile read per check. */
    private volatile boolean rpcPosted;
    private volatile Thread owner;

    /** Scratch key words for the owner's lookups (never shared across threads). */
    public final long[] key = new long[6];
    /** A second scratch key. */
    public final long[] key2 = new long[6];

    DataThread(int index, SessionPool sessions, int appOpsCapacity) {
        this.index = index;
        this.sessions = sessions;
        this.appOps = new MpscLongRing(appOpsCapacity, 2);
        // small, so that it stays in the L1 cache; when it is full the shared queue takes over
        final int local = Math.min(LOCAL_OPS, appOpsCapacity);
        this.localOps = new long[local * 2];
        this.localMask = local - 1;
        this.owner = Thread.currentThread();
    }

    /** Its index. */
    public int index() {
        return index;
    }

    /** Its session pool (owner only). */
    public SessionPool sessions() {
        return sessions;
    }

    /** The Java thread that owns it now. */
    public Thread owner() {
        return owner;
    }

    void owner(Thread t) {
        owner = t;
    }

    /** Whether the calling thread owns it. */
    public boolean ownedByCaller() {
        return owner == Thread.currentThread();
    }

    /** Counts a drop (owner only; allocation-free). */
    public void drop(DropReason reason) {
        LONGS.setOpaque(drops, reason.ordinal(), drops[reason.ordinal()] + 1);
    }

    /** Counts an event (owner only; allocation-free). */
    public void count(SessionCounter counter) {
        LONGS.setOpaque(counters, counter.ordinal(), counters[counter.ordinal()] + 1);
    }

    /** Drops counted for a reason (any thread). */
    public long drops(DropReason reason) {
        return (long) LONGS.getOpaque(drops, reason.ordinal());
    }

    /** A counter's value (any thread). */
    public long counter(SessionCounter counter) {
        return (long) LONGS.getOpaque(counters, counter.ordinal());
    }

    /** Queues work to run on this thread the next time it runs its mailbox (any thread). */
    public void post(Consumer<DataThread> work) {
        rpcs.add(work);
        rpcPosted = true;
    }

    /**
     * Queues an app operation on a session of this thread; false if the queue is full.
     *
     * <p>From the owner itself, while the shared queue is empty, it goes to the owner's own ring
     * (no CAS). Order is kept per posting thread: the owner's own ring is drained first, and the
     * owner posts to it only when every operation it posted to the shared queue earlier (before it
     * owned the thread, while the shared queue was busy, or while its own ring was full) has
     * been run.
     */
    boolean postAppOp(int op, long sessionHandle) {
        if (owner == Thread.currentThread() && localTail - localHead <= localMask && appOps.isEmpty()) {
            final int t = localTail;
            final int p = (t & localMask) << 1;
            localOps[p] = op;
            localOps[p + 1] = sessionHandle;
            localTail = t + 1;
            return true;
        }
        return appOps.offer(op, sessionHandle, 0);
    }

    boolean hasPending() {
        return localTail != localHead || rpcPosted || !appOps.isEmpty();
    }

    int drainAppOps(MpscLongRing.RecordHandler handler) {
        int n = 0;
        // the owner's own ring first (see postAppOp); a handler may post more, run in this drain
        while (localHead != localTail) {
            final int p = (localHead & localMask) << 1;
            final long op = localOps[p];
            final long handle = localOps[p + 1];
            localHead++;
            handler.onRecord(op, handle, 0);
            n++;
        }
        return n + appOps.drain(handler, Integer.MAX_VALUE);
    }

    int drainRpcs() {
        if (!rpcPosted) {
            // no volatile store (a full fence on x86) while nothing was posted
            return 0;
        }
        // cleared before draining: work posted meanwhile is either drained now or sets it again
        rpcPosted = false;
        int n = 0;
        Consumer<DataThread> work;
        while ((work = rpcs.poll()) != null) {
            work.accept(this);
            n++;
        }
        return n;
    }

    @Override
    public String toString() {
        return "data thread " + index;
    }
}
