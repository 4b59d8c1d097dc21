package dev.hoststack.session;

import dev.hoststack.api.AppEventType;
import dev.hoststack.api.DropReason;
import dev.hoststack.api.Internal;
import dev.hoststack.api.SessionHandle;
import dev.hoststack.api.SessionState;
import dev.hoststack.api.TransportProto;
import dev.hoststack.api.spi.FlowView;
import dev.hoststack.session.internal.AppWorkerImpl;
import dev.hoststack.session.internal.ListenSession;
import dev.hoststack.session.internal.MpscLongRing;
import dev.hoststack.session.internal.ReuseportGroups;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * The session layer's data plane: what the transport and the daemon see of it. A SYN goes
 * {@link #findListener} (the table set's listener index: exact address, then wildcard) →
 * {@link ListenTarget#dispatch} (the app listener's round robin, or the reuseport group's
 * selector answering a worker slot, whose precomputed {@link Dispatch} result names the listen
 * session and app worker) → {@link #createSession} on the receiving thread; the final ACK →
 * {@link #established}, which queues the accept event for the app worker.
 *
 * <h2>Threading</h2>
 * Every method that takes a {@link DataThread} is called on the Java thread that owns it
 * ({@link SessionLayer#claim(int)}); lookups and dispatch take no lock and allocate nothing while
 * the control plane ({@link SessionLayer}) changes what they read: everything here is published
 * by the control thread as a whole (arrays replaced, never changed in place) with volatile
 * writes. Nothing a data thread reaches is freed before every data thread has passed a quiescent
 * point (its mailbox run, {@link #runPending}), so the data path reads no liveness flags.
 * {@link #acceptReply}, {@link #close} and {@link #reset} may be called from any thread: they post
 * to the session's data thread, which applies them when it next runs its mailbox.
 */
public final class SessionDataPlane {

    final DataThread[] threads;
    private final MpscLongRing.RecordHandler[] appOpHandlers;
    final Transport[] transports = new Transport[TransportProto.values().length];
    volatile ReuseportGroups groups;
    volatile Thread controlThread;
    volatile SessionTables[] fibTables = new SessionTables[0];
    volatile AppWorkerImpl[] workersByGlobal = new AppWorkerImpl[0];
    volatile ListenSession[] listenSessions = new ListenSession[16];
    /** Work the data threads hand back to the control thread (index reclamation after sweeps). */
    final Queue<Runnable> controlTasks = new ConcurrentLinkedQueue<>();
    /** Set after a control task is queued, cleared by the control thread before it runs them. */
    volatile boolean controlTaskQueued;

    SessionDataPlane(SessionLayerConfig config, int appOpsCapacity) {
        this.controlThread = Thread.currentThread();
        this.threads = new DataThread[config.threads()];
        this.appOpHandlers = new MpscLongRing.RecordHandler[config.threads()];
        for (int t = 0; t < threads.length; t++) {
            DataThread dt = new DataThread(t,
                    new SessionPool(t, config.initialSessionsPerThread(), config.maxSessionsPerThread(), this::load),
                    appOpsCapacity);
            threads[t] = dt;
            appOpHandlers[t] = (op, handle, unused) -> applyAppOp(dt, (int) op, handle);
        }
    }

    /** The tables of a FIB, or null if no namespace uses it. Data plane safe. */
    public SessionTables fib(int fibIndex) {
        SessionTables[] t = fibTables;
        return fibIndex >= 0 && fibIndex < t.length ? t[fibIndex] : null;
    }

    /** The load of the app worker of a global index, or null (for the session pools; allocation-free). */
    private WorkerLoad load(int globalIndex) {
        AppWorkerImpl[] ws = workersByGlobal;
        return globalIndex >= 0 && globalIndex < ws.length && ws[globalIndex] != null ? ws[globalIndex].load() : null;
    }

    /** The app worker of a global index, or null. Data plane safe, allocation-free. */
    @Internal
    public AppWorkerImpl worker(int globalIndex) {
        AppWorkerImpl[] ws = workersByGlobal;
        return globalIndex >= 0 && globalIndex < ws.length ? ws[globalIndex] : null;
    }

    /** The listen session of an index, or null. Data plane safe, allocation-free. */
    @Internal
    public ListenSession listenSession(int index) {
        ListenSession[] ls = listenSessions;
        return index >= 0 && index < ls.length ? ls[index] : null;
    }

    /**
     * The listener a SYN of {@code flow} reaches in a table set: the exact local address first,
     * then the wildcard (VPP's order), from the table set's {@link ListenerIndex}. Lock-free,
     * allocation-free.
     *
     * @param proto the transport's protocol
     * @return the listener's {@link ListenTarget}, or null if none listens
     */
    public ListenTarget findListener(SessionTables tables, TransportProto proto, FlowView flow) {
        final int port = flow.localPort();
        return flow.isIp4()
                ? tables.listeners(proto, true).find4(flow.localIp4(), port)
                : tables.listeners(proto, false).find6(flow.localIp6Hi(), flow.localIp6Lo(), port);
    }

    /**
     * The listener value for a flow's local endpoint in a table set: the exact local address
     * first, then the wildcard. Lock-free, allocation-free.
     *
     * @return a listen session handle, a group value, or {@link SessionHandle#INVALID}
     */
    public long lookupListener(SessionTables tables, FlowView flow) {
        TransportProto proto = TransportProto.ofIpProtocol(flow.protocol());
        ListenTarget t = proto == null ? null : findListener(tables, proto, flow);
        return t == null ? SessionHandle.INVALID : t.value();
    }

    /**
     * Chooses the listen session and app worker for a SYN that found {@code listenerValue}: a
     * reuseport group's selector, or the app listener's round robin. Allocation-free.
     *
     * @return a {@link Dispatch} result: listen session and app worker, or a drop
     */
    public long dispatch(long listenerValue, FlowView flow, int thread) {
        if (SessionHandle.isGroupValue(listenerValue)) {
            ReuseportGroups g = groups;
            return g == null ? Dispatch.drop(DropReason.LISTENER_GONE) : g.select(SessionHandle.groupIndex(listenerValue), flow, thread);
        }
        ListenSession ls = listenSession(SessionHandle.index(listenerValue));
        return ls == null ? Dispatch.drop(DropReason.LISTENER_GONE) : ls.appListener().dispatch(flow, thread);
    }

    /**
     * The next choice after the worker of {@code rejected} (a result of {@link #dispatch} or of this
     * method) could not take the connection: the group selector's
     * {@link dev.hoststack.api.spi.ReuseportSelector#reselect}, or the app listener's next worker
     * in its round robin. The caller bounds the attempts (at most the number of workers minus one
     * brings every worker up once for a group whose selector visits them all). Allocation-free.
     *
     * @return as {@link #dispatch}
     */
    public long redispatch(long listenerValue, FlowView flow, int thread, long rejected, int attempt) {
        if (!SessionHandle.isGroupValue(listenerValue)) {
            return dispatch(listenerValue, flow, thread);
        }
        ReuseportGroups g = groups;
        if (g == null) {
            return Dispatch.drop(DropReason.LISTENER_GONE);
        }
        return g.reselect(SessionHandle.groupIndex(listenerValue), flow, thread, rejected, attempt);
    }

    /** A data thread. */
    public DataThread thread(int index) {
        return threads[index];
    }

    /** The number of data threads. */
    public int threadCount() {
        return threads.length;
    }

    /**
     * Creates a session in state CREATED on the receiving thread for a SYN that {@link #dispatch}
     * assigned to a worker. Owner of the data thread only; allocation-free once the pool is warm.
     *
     * @return the session's index, or {@link SessionPool#NONE} if the pool is full (the caller
     *         counts {@link DropReason#SESSION_POOL_FULL})
     */
    public int createSession(DataThread t, TransportProto proto, int listenSessionIndex, int workerGlobalIndex,
                             int connection, int fib) {
        // the worker looked up once: its load for the pool, its dispatch counter
        final AppWorkerImpl w = worker(workerGlobalIndex);
        final int s = t.sessions().allocate(proto.ordinal(), listenSessionIndex, workerGlobalIndex, connection, fib,
                w == null ? null : w.load());
        if (s == SessionPool.NONE) {
            return SessionPool.NONE;
        }
        if (listenSessionIndex != SessionPool.NONE && w != null) {
            w.countDispatched(t.index());
        }
        t.count(SessionCounter.CREATED);
        return s;
    }

    /**
     * The handshake completed: the session becomes ACCEPTING and its worker gets an accept event.
     * Owner of the data thread only; allocation-free.
     *
     * @return null on success, otherwise why the connection must be reset (the worker is gone,
     *         or its event queue is full); the session is left for the caller to free
     */
    public DropReason established(DataThread t, int session) {
        SessionPool pool = t.sessions();
        AppWorkerImpl w = worker(pool.appWorker(session));
        if (w == null || !w.alive()) {
            return DropReason.NO_WORKER;
        }
        pool.state(session, SessionState.ACCEPTING);
        long handle = SessionHandle.make(t.index(), session);
        if (!w.deliver(t.index(), AppEventType.ACCEPT, handle, SessionHandle.make(0, pool.listener(session)))) {
            pool.state(session, SessionState.CREATED);
            return DropReason.APP_QUEUE_FULL;
        }
        w.countAccepted(t.index());
        t.count(SessionCounter.ACCEPT_EVENTS);
        return null;
    }

    /**
     * An outgoing connection completed its handshake: the session becomes READY and its worker
     * gets a CONNECTED event. Owner of the data thread only; allocation-free.
     *
     * @return null on success, otherwise why the connection must be reset
     */
    public DropReason connected(DataThread t, int session) {
        SessionPool pool = t.sessions();
        AppWorkerImpl w = worker(pool.appWorker(session));
        if (w == null || !w.alive()) {
            return DropReason.NO_WORKER;
        }
        if (!w.deliver(t.index(), AppEventType.CONNECTED, SessionHandle.make(t.index(), session), SessionHandle.INVALID)) {
            return DropReason.APP_QUEUE_FULL;
        }
        pool.state(session, SessionState.READY);
        t.count(SessionCounter.CONNECTED);
        return null;
    }

    /**
     * The transport lost the connection (peer RST or FIN): an established session's worker is
     * told ({@code reset} picks RESET or DISCONNECT) and the session stays, in state CLOSED, until
     * the app has taken that event (then it is freed); an embryonic one, or one whose worker is
     * gone, is freed at once. Owner of the data thread only.
     */
    public void connectionLost(DataThread t, int session, boolean reset) {
        SessionPool pool = t.sessions();
        SessionState st = pool.state(session);
        if (st == SessionState.ACCEPTING || st == SessionState.READY || st == SessionState.CONNECTING) {
            t.count(reset ? SessionCounter.PEER_RESETS : SessionCounter.PEER_CLOSES);
            AppWorkerImpl w = worker(pool.appWorker(session));
            if (w != null && w.alive() && w.deliver(t.index(), reset ? AppEventType.RESET : AppEventType.DISCONNECT,
                    SessionHandle.make(t.index(), session), SessionHandle.INVALID)) {
                // as in VPP, the session outlives its transport until the app has heard of its end:
                // its index is not reused before then, so a late reply cannot reach another session
                pool.state(session, SessionState.CLOSED);
                pool.connection(session, SessionPool.NONE);
                return;
            }
        } else {
            t.count(SessionCounter.EMBRYONIC_FREED);
        }
        pool.free(session);
    }

    /**
     * Frees a session without telling anyone, counted as {@link SessionCounter#ABORTED} unless a
     * control or app close already counted it (the transport's cleanup). Owner only.
     */
    public void free(DataThread t, int session) {
        t.sessions().free(session);
    }

    /** Frees a session the transport could not complete right after creating it (e.g. a full table). Owner only. */
    public void abort(DataThread t, int session) {
        t.count(SessionCounter.ABORTED);
        t.sessions().free(session);
    }

    /**
     * The application accepts a session it got an ACCEPT event for; the session becomes READY
     * when its data thread next runs its mailbox. Any thread.
     *
     * @return false if the data thread's mailbox is full (try again)
     */
    public boolean acceptReply(long sessionHandle) {
        return postAppOp(DataThread.OP_ACCEPT_REPLY, sessionHandle);
    }

    /** The application closes a session (FIN). Any thread; applied by the session's data thread. */
    public boolean close(long sessionHandle) {
        return postAppOp(DataThread.OP_CLOSE, sessionHandle);
    }

    /** The application resets a session (RST). Any thread; applied by the session's data thread. */
    public boolean reset(long sessionHandle) {
        return postAppOp(DataThread.OP_RESET, sessionHandle);
    }

    /**
     * The app has taken the RESET or DISCONNECT event of a session: the session's index may now be
     * reused. Called by {@link AppWorkerImpl#pollEvents} after handing such an event over; waits
     * while the data thread's mailbox is full.
     */
    void release(long sessionHandle) {
        DataThread t = threads[SessionHandle.thread(sessionHandle)];
        while (!t.postAppOp(DataThread.OP_RELEASE, sessionHandle)) {
            if (t.ownedByCaller()) {
                runPending(t);
            } else {
                Thread.onSpinWait();
            }
        }
    }

    private boolean postAppOp(int op, long handle) {
        int t = SessionHandle.thread(handle);
        if (t < 0 || t >= threads.length) {
            throw new IllegalArgumentException("session handle " + SessionHandle.format(handle) + " names thread " + t
                    + " of " + threads.length);
        }
        return threads[t].postAppOp(op, handle);
    }

    private void applyAppOp(DataThread t, int op, long handle) {
        SessionPool pool = t.sessions();
        int s = SessionHandle.index(handle);
        if (!pool.isLive(s) || pool.state(s) == SessionState.LISTENING) {
            t.count(SessionCounter.STALE_REPLIES);
            return;
        }
        switch (op) {
            case DataThread.OP_ACCEPT_REPLY -> {
                if (pool.state(s) == SessionState.ACCEPTING) {
                    pool.state(s, SessionState.READY);
                    t.count(SessionCounter.ACCEPTED);
                } else {
                    t.count(SessionCounter.STALE_REPLIES);
                }
            }
            case DataThread.OP_RELEASE -> {
                if (pool.state(s) == SessionState.CLOSED) {
                    pool.free(s);
                } else {
                    t.count(SessionCounter.STALE_REPLIES);
                }
            }
            case DataThread.OP_CLOSE, DataThread.OP_RESET -> {
                if (pool.state(s) == SessionState.CLOSED) {
                    t.count(SessionCounter.STALE_REPLIES);
                    return;
                }
                Transport tp = transports[pool.proto(s)];
                t.count(SessionCounter.APP_CLOSES);
                if (op == DataThread.OP_CLOSE) {
                    tp.close(t.index(), pool.connection(s));
                } else {
                    tp.reset(t.index(), pool.connection(s));
                }
            }
            default -> throw new IllegalStateException("unknown app op " + op);
        }
    }

    /**
     * Runs a data thread's mailbox: application replies and control-plane work posted to it.
     * Owner of the data thread only. Cheap when empty (two plain reads and one volatile read,
     * inlined into the caller).
     *
     * @return how many items ran
     */
    public int runPending(DataThread t) {
        // the check alone, small enough for the JIT to inline into every caller; the work apart
        return t.hasPending() ? runMailbox(t) : 0;
    }

    private int runMailbox(DataThread t) {
        final MpscLongRing.RecordHandler handler = appOpHandlers[t.index()];
        if (!t.hasMail()) {
            return t.runOwnAppOps(handler);
        }
        int n = t.runMail(handler);
        // a control task for thread 0 comes as mail (SessionLayer wakes thread 0 when it queues one)
        if (t.index() == 0 && controlTaskQueued && Thread.currentThread() == controlThread) {
            controlTaskQueued = false;
            Runnable task;
            while ((task = controlTasks.poll()) != null) {
                task.run();
                n++;
            }
        }
        return n;
    }
}
