package dev.hoststack.session;

import static com.google.common.base.Preconditions.checkArgument;

import dev.hoststack.api.SessionState;
import dev.hoststack.api.TransportProto;
import java.util.Arrays;

/**
 * One data thread's session pool: sessions as parallel primitive arrays indexed by session index
 * (VPP's {@code session_t} pool, struct-of-arrays), with a free list.
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

    private int[] state;
    private int[] appWorker;
    private int[] listener;
    private int[] connection;
    private int[] fib;
    private byte[] proto;
    private boolean[] live;
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
        this.thread = thread;
        this.maxSessions = maxSessions;
        this.state = new int[initialCapacity];
        this.appWorker = new int[initialCapacity];
        this.listener = new int[initialCapacity];
        this.connection = new int[initialCapacity];
        this.fib = new int[initialCapacity];
        this.proto = new byte[initialCapacity];
        this.live = new boolean[initialCapacity];
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
            if (highWater == state.length) {
                grow();
            }
            index = highWater++;
        } else {
            return NONE;
        }
        state[index] = SessionState.CREATED.ordinal();
        appWorker[index] = workerGlobalIndex;
        listener[index] = listenSession;
        connection[index] = connectionIndex;
        fib[index] = fibIndex;
        proto[index] = (byte) protoOrdinal;
        live[index] = true;
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
        checkArgument(live[index], "session %s on thread %s is not live", index, thread);
        change(loadOf(index), state[index], SessionState.CLOSED.ordinal());
        live[index] = false;
        state[index] = SessionState.CLOSED.ordinal();
        freeList[freeCount++] = index;
        liveCount--;
    }

    private void grow() {
        int n = (int) Math.min((long) state.length * 2, maxSessions);
        state = Arrays.copyOf(state, n);
        appWorker = Arrays.copyOf(appWorker, n);
        listener = Arrays.copyOf(listener, n);
        connection = Arrays.copyOf(connection, n);
        fib = Arrays.copyOf(fib, n);
        proto = Arrays.copyOf(proto, n);
        live = Arrays.copyOf(live, n);
        freeList = Arrays.copyOf(freeList, n);
    }

    /** Whether {@code index} is an allocated session. */
    public boolean isLive(int index) {
        return index >= 0 && index < highWater && live[index];
    }

    /** The session's state. */
    public SessionState state(int index) {
        return SessionState.of(state[index]);
    }

    /** Sets the session's state. */
    public void state(int index, SessionState s) {
        final int w = appWorker[index];
        if (w != NONE && live[index]) {
            change(loadOf(index), state[index], s.ordinal());
        }
        state[index] = s.ordinal();
    }

    /** The load a session counts in: its worker's, as remembered when it got that worker (null: none). */
    private WorkerLoad loadOf(int index) {
        final int w = appWorker[index];
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
        return appWorker[index];
    }

    /** Sets the app worker's global index. */
    public void appWorker(int index, int workerGlobalIndex) {
        final WorkerLoad next = loadOfWorker(workerGlobalIndex);
        final WorkerLoad previous = loadOf(index);
        if (live[index] && next != previous) {
            // the session's count leaves the old worker's load and joins the new one's, in its state
            final int st = state[index];
            change(previous, st, SessionState.CLOSED.ordinal());
            change(next, SessionState.CLOSED.ordinal(), st);
        }
        appWorker[index] = workerGlobalIndex;
        remember(workerGlobalIndex, next);
    }

    /** The index of the listen session it was accepted on (thread 0), or {@link #NONE}. */
    public int listener(int index) {
        return listener[index];
    }

    /** Sets the listen session index. */
    public void listener(int index, int listenSessionIndex) {
        listener[index] = listenSessionIndex;
    }

    /** The transport connection's index in this thread's connection pool, or {@link #NONE}. */
    public int connection(int index) {
        return connection[index];
    }

    /** Sets the transport connection's index. */
    public void connection(int index, int connectionIndex) {
        connection[index] = connectionIndex;
    }

    /** The ordinal of the session's {@link TransportProto}. */
    public int proto(int index) {
        return proto[index];
    }

    /** Sets the session's transport protocol. */
    public void proto(int index, TransportProto p) {
        proto[index] = (byte) p.ordinal();
    }

    /** The FIB whose tables hold the session's 5-tuple. */
    public int fib(int index) {
        return fib[index];
    }

    /** Sets the FIB. */
    public void fib(int index, int fibIndex) {
        fib[index] = fibIndex;
    }
}
