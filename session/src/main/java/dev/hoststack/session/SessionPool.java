package dev.hoststack.session;

import static com.google.common.base.Preconditions.checkArgument;

import dev.hoststack.api.SessionState;
import dev.hoststack.api.TransportProto;
import java.util.Arrays;

/**
 * One data thread's session pool: each session one record of eight ints in one array
 * (VPP's {@code session_t} pool of structs: a session's fields share a cache line), with a free
 * list.
 *
 * <p>The accessors take an allocated index (below {@link #highWater()}), as the data path has it
 * from its own connection or after {@link #isLive(int)}; {@link #isLive(int)} answers for any int.
 *
 * <p>Threading: only the owning data thread allocates, frees and writes. Other threads may read
 * a field only when they know the owner is quiescent (after joining it, or when one thread drives
 * every data thread, as the command line does).
 *
 * <p>Allocation happens only when the pool grows (doubling, up to its bound) and when a session
 * first gets a worker whose global index is beyond those seen so far; a warm pool allocates and
 * frees sessions without allocating objects.
 *
 * <p>Load: with a {@link Loads} lookup, every change of a session's state or app worker, and its
 * free, updates the worker's {@link WorkerLoad} for this thread: CREATED and ACCEPTING sessions
 * are pending, READY ones established (listen sessions, half-open and closed ones count for
 * nothing). So the counts move exactly with the session states, on the owning thread.
 */
public final class SessionPool {

    /** No value in an int field. */
    public static final int NONE = -1;

    /** Finds an app worker's load by global index, or null if there is no such worker now. */
    @FunctionalInterface
    public interface Loads {
        /** The load of worker {@code workerGlobalIndex}, or null. */
        WorkerLoad load(int workerGlobalIndex);
    }

    private static final int PENDING_STATES = 1 << SessionState.CREATED.ordinal() | 1 << SessionState.ACCEPTING.ordinal();
    private static final int ESTABLISHED_STATES = 1 << SessionState.READY.ordinal();

    private final int thread;
    private final Loads loads;
    private final int maxSessions;

    private static final int SHIFT = 3;
    /**
     * Ints per session record, a power of two so that a record starts at {@code index << SHIFT}:
     * the SYN, the final ACK and the close each touch one line of the pool where parallel arrays
     * touched up to seven.
     */
    private static final int STRIDE = 1 << SHIFT;
    /** A record's fields, at these offsets. */
    private static final int STATE = 0;
    private static final int LIVE = 1;
    private static final int APP_WORKER = 2;
    private static final int LISTENER = 3;
    private static final int CONNECTION = 4;
    private static final int FIB = 5;
    private static final int PROTO = 6;

    /** The most sessions a pool may hold: its records are one {@code int[]}. */
    public static final int MAX_SESSIONS = (Integer.MAX_VALUE - 8) >> SHIFT;

    /** The records: session {@code i}'s field {@code F} at {@code (i << SHIFT) + F}. */
    private int[] records;
    /** Sessions the records array holds. */
    private int capacity;
    /**
     * Per app worker global index, that worker's load as the lookup answered when a session got
     * the worker (null for none): a session's state changes and its free count there without
     * looking the worker up again. Indexed by worker, not by session, because a worker's global
     * index is not reused while a session of it lives (the control plane frees it only after every
     * data thread swept its sessions), and because it is then written only when a worker first
     * appears: a reference stored per session cost a G1 write barrier (card check and StoreLoad
     * fence) on every SYN. Grows with the highest global index seen.
     */
    private WorkerLoad[] loadOfWorker = new WorkerLoad[16];
    private int[] freeList;
    private int freeCount;
    private int highWater;
    private int liveCount;

    /**
     * @param thread          the owning data thread's index
     * @param initialCapacity sessions to allocate room for at first
     * @param maxSessions     the bound; {@link #allocate()} fails beyond it
     */
    public SessionPool(int thread, int initialCapacity, int maxSessions) {
        this(thread, initialCapacity, maxSessions, null);
    }

    /**
     * @param thread          the owning data thread's index
     * @param initialCapacity sessions to allocate room for at first
     * @param maxSessions     the bound; {@link #allocate()} fails beyond it
     * @param loads           where the workers' loads are counted, or null to count none
     */
    public SessionPool(int thread, int initialCapacity, int maxSessions, Loads loads) {
        this.loads = loads;
        checkArgument(initialCapacity >= 1 && maxSessions >= initialCapacity,
                "need 1 <= initialCapacity (%s) <= maxSessions (%s)", initialCapacity, maxSessions);
        checkArgument(maxSessions <= MAX_SESSIONS, "maxSessions %s > %s (a pool's records are one int array)",
                maxSessions, MAX_SESSIONS);
        this.thread = thread;
        this.maxSessions = maxSessions;
        this.records = new int[initialCapacity * STRIDE];
        this.capacity = initialCapacity;
        this.freeList = new int[initialCapacity];
    }

    /** The owning thread's index. */
    public int thread() {
        return thread;
    }

    /** The bound on live sessions. */
    public int maxSessions() {
        return maxSessions;
    }

    /** Live sessions. */
    public int liveCount() {
        return liveCount;
    }

    /** One past the highest index ever allocated. */
    public int highWater() {
        return highWater;
    }

    /**
     * Allocates a session in state {@link SessionState#CREATED} with no worker, listener or
     * connection.
     *
     * @return its index, or {@link #NONE} if the pool is at its bound
     */
    public int allocate() {
        return allocate(0, NONE, NONE, NONE, 0);
    }

    /**
     * Allocates a session in state {@link SessionState#CREATED} with its fields set, each written
     * once (the SYN path's allocation).
     *
     * @param protoOrdinal the {@link TransportProto}'s ordinal
     * @param listenSession the listen session's index, or {@link #NONE}
     * @param workerGlobalIndex the app worker's global index, or {@link #NONE}
     * @param connectionIndex the transport connection's index, or {@link #NONE}
     * @param fibIndex the FIB whose tables hold its 5-tuple
     * @return its index, or {@link #NONE} if the pool is at its bound
     */
    public int allocate(int protoOrdinal, int listenSession, int workerGlobalIndex, int connectionIndex, int fibIndex) {
        return allocate(protoOrdinal, listenSession, workerGlobalIndex, connectionIndex, fibIndex,
                loadOfWorker(workerGlobalIndex));
    }

    /**
     * As {@link #allocate(int, int, int, int, int)}, with the worker's load as the caller already
     * found it (the SYN path looks the worker up once, for its counters too).
     *
     * @param load the load of worker {@code workerGlobalIndex}: what the {@link Loads} lookup
     *             answers for it now (null if it answers none)
     */
    public int allocate(int protoOrdinal, int listenSession, int workerGlobalIndex, int connectionIndex, int fibIndex,
                        WorkerLoad load) {
        int index;
        if (freeCount > 0) {
            index = freeList[--freeCount];
        } else if (highWater < maxSessions) {
            if (highWater == capacity) {
                grow();
            }
            index = highWater++;
        } else {
            return NONE;
        }
        final int[] r = records;
        final int b = index << SHIFT;
        r[b + STATE] = SessionState.CREATED.ordinal();
        r[b + LIVE] = 1;
        r[b + APP_WORKER] = workerGlobalIndex;
        r[b + LISTENER] = listenSession;
        r[b + CONNECTION] = connectionIndex;
        r[b + FIB] = fibIndex;
        r[b + PROTO] = protoOrdinal;
        liveCount++;
        final WorkerLoad l = workerGlobalIndex == NONE || loads == null ? null : load;
        remember(workerGlobalIndex, l);
        if (l != null) {
            l.add(thread, 1, 0); // CREATED is pending
        }
        return index;
    }

    /** Returns a session to the free list; its fields keep their values but it is no longer live. */
    public void free(int index) {
        final int[] r = records;
        final int b = index << SHIFT;
        checkArgument(r[b + LIVE] != 0, "session %s on thread %s is not live", index, thread);
        change(loadOf(index), r[b + STATE], SessionState.CLOSED.ordinal());
        r[b + LIVE] = 0;
        r[b + STATE] = SessionState.CLOSED.ordinal();
        freeList[freeCount++] = index;
        liveCount--;
    }

    private void grow() {
        int n = (int) Math.min((long) capacity * 2, maxSessions);
        records = Arrays.copyOf(records, n * STRIDE);
        capacity = n;
        freeList = Arrays.copyOf(freeList, n);
    }

    /** Whether {@code index} is an allocated session. */
    public boolean isLive(int index) {
        return index >= 0 && index < highWater && records[(index << SHIFT) + LIVE] != 0;
    }

    /** The session's state. */
    public SessionState state(int index) {
        return SessionState.of(records[(index << SHIFT) + STATE]);
    }

    /** The ordinal of the session's {@link SessionState} (the data path's test, without the enum). */
    public int stateOrdinal(int index) {
        return records[(index << SHIFT) + STATE];
    }

    /** Sets the session's state. */
    public void state(int index, SessionState s) {
        final int[] r = records;
        final int b = index << SHIFT;
        final int w = r[b + APP_WORKER];
        if (w != NONE && r[b + LIVE] != 0) {
            change(loadOfWorker[w], r[b + STATE], s.ordinal());
        }
        r[b + STATE] = s.ordinal();
    }

    /** The load a session counts in: its worker's, as remembered when it got that worker (null: none). */
    private WorkerLoad loadOf(int index) {
        final int w = records[(index << SHIFT) + APP_WORKER];
        return w == NONE ? null : loadOfWorker[w];
    }

    /** Remembers worker {@code workerGlobalIndex}'s load (a store only when it changes; grows the array as needed). */
    private void remember(int workerGlobalIndex, WorkerLoad l) {
        if (workerGlobalIndex == NONE) {
            return;
        }
        WorkerLoad[] byWorker = loadOfWorker;
        if (workerGlobalIndex >= byWorker.length) {
            byWorker = Arrays.copyOf(byWorker, Math.max(workerGlobalIndex + 1, byWorker.length * 2));
            loadOfWorker = byWorker;
        }
        if (byWorker[workerGlobalIndex] != l) {
            byWorker[workerGlobalIndex] = l;
        }
    }

    /** The load of app worker {@code workerGlobalIndex} as the lookup answers it; null for {@link #NONE} or none known. */
    private WorkerLoad loadOfWorker(int workerGlobalIndex) {
        return workerGlobalIndex == NONE || loads == null ? null : loads.load(workerGlobalIndex);
    }

    /** Moves a session's count in its worker's load {@code l} (null: none) from one state to another. */
    private void change(WorkerLoad l, int oldState, int newState) {
        if (l == null) {
            return;
        }
        final int pending = (PENDING_STATES >>> newState & 1) - (PENDING_STATES >>> oldState & 1);
        final int established = (ESTABLISHED_STATES >>> newState & 1) - (ESTABLISHED_STATES >>> oldState & 1);
        if ((pending | established) != 0) {
            l.add(thread, pending, established);
        }
    }

    /** The app worker's global index, or {@link #NONE}. */
    public int appWorker(int index) {
        return records[(index << SHIFT) + APP_WORKER];
    }

    /** Sets the app worker's global index. */
    public void appWorker(int index, int workerGlobalIndex) {
        final WorkerLoad next = loadOfWorker(workerGlobalIndex);
        final WorkerLoad previous = loadOf(index);
        if (records[(index << SHIFT) + LIVE] != 0 && next != previous) {
            // the session's count leaves the old worker's load and joins the new one's, in its state
            final int st = records[(index << SHIFT) + STATE];
            change(previous, st, SessionState.CLOSED.ordinal());
            change(next, SessionState.CLOSED.ordinal(), st);
        }
        records[(index << SHIFT) + APP_WORKER] = workerGlobalIndex;
        remember(workerGlobalIndex, next);
    }

    /** The index of the listen session it was accepted on (thread 0), or {@link #NONE}. */
    public int listener(int index) {
        return records[(index << SHIFT) + LISTENER];
    }

    /** Sets the listen session index. */
    public void listener(int index, int listenSessionIndex) {
        records[(index << SHIFT) + LISTENER] = listenSessionIndex;
    }

    /** The transport connection's index in this thread's connection pool, or {@link #NONE}. */
    public int connection(int index) {
        return records[(index << SHIFT) + CONNECTION];
    }

    /** Sets the transport connection's index. */
    public void connection(int index, int connectionIndex) {
        records[(index << SHIFT) + CONNECTION] = connectionIndex;
    }

    /** The ordinal of the session's {@link TransportProto}. */
    public int proto(int index) {
        return records[(index << SHIFT) + PROTO];
    }

    /** Sets the session's transport protocol. */
    public void proto(int index, TransportProto p) {
        records[(index << SHIFT) + PROTO] = p.ordinal();
    }

    /** The FIB whose tables hold the session's 5-tuple. */
    public int fib(int index) {
        return records[(index << SHIFT) + FIB];
    }

    /** Sets the FIB. */
    public void fib(int index, int fibIndex) {
        records[(index << SHIFT) + FIB] = fibIndex;
    }
}
