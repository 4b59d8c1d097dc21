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
    /**
     * Owner only: the shared queue may still hold operations the owner itself posted (before it
     * owned the thread, or while its own ring was full), up to position {@link #ownSharedEnd}; its
     * own posts go to the shared queue too until those have run, so that they keep their order.
     * A plain field, so that the owner's post reads no other thread's writes.
     */
    private boolean ownOpsShared;
    /** Owner only: the shared queue's tail after the owner's last own operation there (an upper bound). */
    private long ownSharedEnd;
    private final Queue<Consumer<DataThread>> rpcs = new ConcurrentLinkedQueue<>();
    /**
     * Mail from other threads: set after every {@link #post}, every app operation put in the shared
     * queue and every control task queued for thread 0; cleared by the owner before it drains. So
     * an idle mailbox costs one volatile read (and the owner's own ring two plain reads) per check.
     */
    private volatile boolean mail;
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

    /** Makes {@code t} the owner; called on {@code t} itself (the claim), after the old owner's last step. */
    void owner(Thread t) {
        owner = t;
        // the new owner may have posted to the shared queue before: its own posts queue behind
        // those until they have run (checked at each drain)
        ownSharedEnd = appOps.tailPosition();
        ownOpsShared = ownSharedEnd != appOps.headPosition();
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
        mail = true;
    }

    /** Makes the owner run its mailbox at its next check (a control task queued for thread 0). */
    void wake() {
        mail = true;
    }

    /**
     * Queues an app operation on a session of this thread; false if the queue is full.
     *
     * <p>From the owner itself, it goes to the owner's own ring (plain stores, no CAS, no fence)
     * unless that is full or the shared queue still holds operations the owner posted there
     * earlier (before it owned the thread, or while its own ring was full). Order is kept per
     * posting thread: the owner's own ring is drained first, and the owner posts to it only when
     * every operation it posted to the shared queue earlier has been run. Other threads post to
     * the shared queue and then set the mail flag.
     */
    boolean postAppOp(int op, long sessionHandle) {
        final boolean own = owner == Thread.currentThread();
        // the owner's own fields are read only when it is the owner
        if (own && !ownOpsShared && localTail - localHead <= localMask) {
            final int t = localTail;
            final int p = (t & localMask) << 1;
            localOps[p] = op;
            localOps[p + 1] = sessionHandle;
            localTail = t + 1;
            return true;
        }
        if (!appOps.offer(op, sessionHandle, 0)) {
            return false;
        }
        if (own) {
            ownOpsShared = true;
            ownSharedEnd = appOps.tailPosition();
        }
        mail = true;
        return true;
    }

    /** Whether the owner has anything to run: its own ring's ops, or mail (owner only). */
    boolean hasPending() {
        return localTail != localHead || mail;
    }

    /** Whether mail came since the owner last ran its mailbox (owner only). */
    boolean hasMail() {
        return mail;
    }

    /**
     * Runs the mail (owner only): the mail flag is cleared first (what is posted meanwhile is
     * either run now or sets it again), then the rpcs run, then the owner's own ring of app ops,
     * then the shared queue's.
     *
     * @return how many ran
     */
    int runMail(MpscLongRing.RecordHandler handler) {
        mail = false;
        return drainRpcs() + runOwnAppOps(handler) + drainSharedAppOps(handler);
    }

    /**
     * Runs the owner's own ring of app ops (owner only), all there is when no mail came (an
     * application polling on the data thread's Java thread); a handler may post more, run in this
     * drain.
     *
     * @return how many ran
     */
    int runOwnAppOps(MpscLongRing.RecordHandler handler) {
        int n = 0;
        while (localHead != localTail) {
            final int p = (localHead & localMask) << 1;
            final long op = localOps[p];
            final long handle = localOps[p + 1];
            localHead++;
            handler.onRecord(op, handle, 0);
            n++;
        }
        return n;
    }

    /** Runs the shared queue's app ops (owner only, after the mail flag was cleared). */
    private int drainSharedAppOps(MpscLongRing.RecordHandler handler) {
        final int n = appOps.drain(handler, Integer.MAX_VALUE);
        if (ownOpsShared && appOps.headPosition() - ownSharedEnd >= 0) {
            ownOpsShared = false;
        }
        return n;
    }

    /** Runs the posted rpcs (owner only, after the mail flag was cleared). */
    private int drainRpcs() {
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
