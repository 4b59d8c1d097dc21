package dev.hoststack.session;

import static com.google.common.base.Preconditions.checkArgument;
import static java.util.Objects.requireNonNull;

import dev.hoststack.api.AppEventType;
import dev.hoststack.api.AppListener;
import dev.hoststack.api.AppNamespace;
import dev.hoststack.api.DropReason;
import dev.hoststack.api.Endpoint;
import dev.hoststack.api.FiveTuple;
import dev.hoststack.api.Internal;
import dev.hoststack.api.Scope;
import dev.hoststack.api.Session;
import dev.hoststack.api.SessionError;
import dev.hoststack.api.SessionException;
import dev.hoststack.api.SessionHandle;
import dev.hoststack.api.SessionState;
import dev.hoststack.api.TransportConnection;
import dev.hoststack.api.TransportProto;
import dev.hoststack.api.spi.FlowView;
import dev.hoststack.session.internal.AppListenerImpl;
import dev.hoststack.session.internal.AppNamespaceImpl;
import dev.hoststack.session.internal.AppWorkerImpl;
import dev.hoststack.session.internal.ApplicationImpl;
import dev.hoststack.session.internal.ListenSession;
import dev.hoststack.session.internal.MpscLongRing;
import dev.hoststack.session.internal.ReuseportGroups;
import dev.hoststack.session.table.SessionHashTable;
import dev.hoststack.session.table.SessionKeys;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The session layer's control plane: namespaces, applications and their workers, listeners and
 * their table entries, reuseport membership, and the retirement of what leaves, with VPP's rules.
 * Its data plane, what the transport and the daemon see, is {@link SessionDataPlane}
 * ({@link #dataPlane()}).
 *
 * <h2>Threading</h2>
 * <ul>
 *   <li><b>Control plane</b> — {@link #addNamespace}, {@link #attach}, {@link #detach},
 *       {@link #addWorker}, {@link #removeWorker}, {@link #listen}, {@link #unlisten}: only on the
 *       control (main) thread, the thread that created the layer unless {@link #claimControl()}
 *       moved it. Other threads get an {@link IllegalStateException}. The control thread also owns
 *       data thread 0, whose pool holds every listen session.</li>
 *   <li><b>Data plane</b> — lookups, dispatch, session creation and notification
 *       ({@link SessionDataPlane}): on the Java thread that owns the data thread concerned
 *       ({@link #claim(int)}); one Java thread may own several data threads (the command line
 *       drives them all). Lookups take no lock and do not allocate; they run while the control
 *       plane changes the tables.</li>
 *   <li><b>Applications</b> — {@link #acceptReply}, {@link #close}, {@link #reset}: any thread.
 *       They post to the session's data thread, which applies them when it next runs its mailbox
 *       ({@link #runPending}).</li>
 *   <li>What the control plane does to sessions of data threads (closing a departing worker's
 *       connections) is posted to each data thread's mailbox too, and happens when that thread
 *       next runs it.</li>
 * </ul>
 *
 * <h2>Retirement: why the data plane reads no liveness flags</h2>
 * A departing worker or listener is first taken out of what data threads read (the listener
 * index, the app listener's worker bitmap, the reuseport group's view: each replaced by a new
 * published copy); then a sweep is posted to every data thread's mailbox (it migrates or resets
 * the departed worker's sessions); only when every data thread has run it (a quiescent point)
 * are the worker's global index and the listen session's pool index freed for reuse. A data
 * thread still holding an old copy therefore never reaches something freed, and a session it
 * creates meanwhile for the departing worker is found by the sweep.
 */
public final class SessionLayer {

    /** The default namespace's name; its secret is 0 and its FIB is 0. */
    public static final String DEFAULT_NAMESPACE = "default";

    private static final int APP_OPS_CAPACITY = 1 << 13;

    private final SessionLayerConfig config;
    /** The data plane: everything a data thread reads, published by this control plane. */
    private final SessionDataPlane dp;

    private final Map<String, AppNamespaceImpl> namespaces = new LinkedHashMap<>();
    private int nextTableSetId;

    private final Map<String, ApplicationImpl> appsByName = new LinkedHashMap<>();
    private volatile ApplicationImpl[] appsByIndex = new ApplicationImpl[0];
    private final java.util.Map<SessionError, java.util.concurrent.atomic.AtomicLong> refusals =
            new java.util.EnumMap<>(SessionError.class);

    /** Creates a layer with the default namespace; the calling thread becomes the control thread. */
    public SessionLayer(SessionLayerConfig config) {
        this.config = requireNonNull(config, "config");
        for (SessionError e : SessionError.values()) {
            refusals.put(e, new java.util.concurrent.atomic.AtomicLong());
        }
        this.dp = new SessionDataPlane(config, APP_OPS_CAPACITY);
        addNamespace(DEFAULT_NAMESPACE, 0, 0);
    }

    /** The configuration. */
    public SessionLayerConfig config() {
        return config;
    }


    /** The data plane: the narrow type the transport and the daemon work with. */
    public SessionDataPlane dataPlane() {
        return dp;
    }

    /** The tables of a FIB, or null if no namespace uses it. Any thread. */
    public SessionTables fib(int fibIndex) {
        return dp.fib(fibIndex);
    }

    /** The app worker of a global index, or null. Any thread, allocation-free. */
    public SessionWorker worker(int globalIndex) {
        return dp.worker(globalIndex);
    }

    /** The listen session of an index, or null. Any thread, allocation-free. */
    @Internal
    public ListenSession listenSession(int index) {
        return dp.listenSession(index);
    }

    /** A data thread. */
    public DataThread thread(int index) {
        return dp.thread(index);
    }

    /** The number of data threads. */
    public int threadCount() {
        return dp.threadCount();
    }

    /**
     * The application accepts a session it got an ACCEPT event for; the session becomes READY
     * when its data thread next runs its mailbox. Any thread.
     *
     * @return false if the data thread's mailbox is full (try again)
     */
    public boolean acceptReply(long sessionHandle) {
        return dp.acceptReply(sessionHandle);
    }

    /** The application closes a session (FIN). Any thread; applied by the session's data thread. */
    public boolean close(long sessionHandle) {
        return dp.close(sessionHandle);
    }

    /** The application resets a session (RST). Any thread; applied by the session's data thread. */
    public boolean reset(long sessionHandle) {
        return dp.reset(sessionHandle);
    }

    /** Runs a data thread's mailbox (owner of the data thread only); see {@link SessionDataPlane#runPending}. */
    public int runPending(DataThread t) {
        return dp.runPending(t);
    }

    // ================================================================ wiring

    /** Registers the transport for its protocol (at composition, on the control thread). */
    public void registerTransport(Transport transport) {
        checkControl("registerTransport");
        TransportProto p = transport.proto();
        checkArgument(dp.transports[p.ordinal()] == null, "a %s transport is registered already", p);
        dp.transports[p.ordinal()] = transport;
    }

    /** The transport of a protocol, or null. */
    public Transport transport(TransportProto proto) {
        return dp.transports[proto.ordinal()];
    }

    /** Installs the reuseport groups (at composition, on the control thread). */
    @Internal
    public void installReuseport(ReuseportGroups reuseportGroups) {
        checkControl("installReuseport");
        checkArgument(dp.groups == null, "reuseport groups are installed already");
        dp.groups = requireNonNull(reuseportGroups, "reuseportGroups");
    }

    /** The installed reuseport groups, or null. */
    @Internal
    public ReuseportGroups reuseportGroups() {
        return dp.groups;
    }

    /**
     * Makes the calling thread the control thread and the owner of data thread 0. Use it when the
     * control plane runs on another thread than the one that built the stack (e.g. an event loop).
     */
    public void claimControl() {
        dp.controlThread = Thread.currentThread();
        dp.threads[0].owner(dp.controlThread);
    }

    /** Makes the calling thread the owner of data thread {@code thread} (not 0: see {@link #claimControl()}). */
    public DataThread claim(int thread) {
        checkArgument(thread > 0 && thread < dp.threads.length, "data thread %s is not in 1..%s", thread, dp.threads.length - 1);
        dp.threads[thread].owner(Thread.currentThread());
        return dp.threads[thread];
    }

    private void checkControl(String call) {
        Thread me = Thread.currentThread();
        if (me != dp.controlThread) {
            throw new IllegalStateException(call + " is a control-plane call: make it on the control thread '"
                    + dp.controlThread.getName() + "', not '" + me.getName() + "' (or claimControl() first)");
        }
        Runnable task;
        while ((task = dp.controlTasks.poll()) != null) {
            task.run();
        }
    }

    /** Counts a refusal by its code and returns it to be thrown. */
    private SessionException refused(SessionException e) {
        refusals.get(e.code()).incrementAndGet();
        return e;
    }

    /** Control-plane calls refused with a code, since the layer was created. Any thread. */
    public long refusals(SessionError code) {
        return refusals.get(code).get();
    }

    /**
     * Posts a sweep to every data thread; when all have run it, {@code reclaim} runs on the
     * control thread (at its next control-plane call or poll of thread 0). Indices the sweep looks
     * for are freed only then, so no data thread can confuse a reused index with the departed one.
     */
    private void sweepThenReclaim(java.util.function.Consumer<DataThread> sweep, Runnable reclaim) {
        java.util.concurrent.atomic.AtomicInteger remaining = new java.util.concurrent.atomic.AtomicInteger(dp.threads.length);
        for (DataThread t : dp.threads) {
            t.post(dt -> {
                sweep.accept(dt);
                if (remaining.decrementAndGet() == 0) {
                    dp.controlTasks.add(reclaim);
                    dp.controlTaskQueued = true;
                    // thread 0's owner is the control thread: its next mailbox check runs the task
                    dp.threads[0].wake();
                }
            });
        }
    }

    // ================================================================ namespaces

    /**
     * Adds a namespace (VPP's {@code app namespace add}). Its global listeners go to FIB
     * {@code fibIndex}'s tables (made on first use); it gets local tables of its own.
     *
     * @throws SessionException {@link SessionError#NAMESPACE_EXISTS}
     */
    public AppNamespace addNamespace(String name, long secret, int fibIndex) {
        checkControl("addNamespace");
        requireNonNull(name, "name");
        checkArgument(fibIndex >= 0 && fibIndex < 1 << 16, "fib index %s is not in 0..65535", fibIndex);
        if (namespaces.containsKey(name)) {
            throw refused(SessionError.NAMESPACE_EXISTS.exception("namespace '%s' exists", name));
        }
        ensureFib(fibIndex);
        SessionTables local = newTables(name + " local", true);
        AppNamespaceImpl ns = new AppNamespaceImpl(namespaces.size(), name, secret, fibIndex, local);
        namespaces.put(name, ns);
        return ns;
    }

    /** The namespace of that name, or null. */
    public AppNamespace namespace(String name) {
        return namespaces.get(name);
    }

    /** Every namespace, in the order added. */
    public Collection<AppNamespace> namespaces() {
        return List.copyOf(namespaces.values());
    }

    private SessionTables newTables(String name, boolean local) {
        return new SessionTables(nextTableSetId++, name, local, config.initialTableEntries(), config.maxTableEntries());
    }

    private void ensureFib(int fib) {
        SessionTables[] cur = dp.fibTables;
        if (fib < cur.length && cur[fib] != null) {
            return;
        }
        SessionTables[] next = Arrays.copyOf(cur, Math.max(cur.length, fib + 1));
        next[fib] = newTables("fib " + fib, false);
        dp.fibTables = next;
    }


    // ================================================================ applications

    /**
     * Attaches an application with worker 0 (VPP's attach, which creates the first worker).
     *
     * @throws SessionException {@link SessionError#INVALID_NAMESPACE},
     *         {@link SessionError#WRONG_NAMESPACE_SECRET}, {@link SessionError#APP_EXISTS},
     *         {@link SessionError#LIMIT}
     */
    public SessionApplication attach(AttachOptions options) {
        checkControl("attach");
        AppNamespaceImpl ns = namespaces.get(options.namespace());
        if (ns == null) {
            throw refused(SessionError.INVALID_NAMESPACE.exception("app '%s' attaching to namespace '%s': no such namespace (known: %s)",
                    options.name(), options.namespace(), namespaces.keySet()));
        }
        if (!ns.secretMatches(options.secret())) {
            throw refused(SessionError.WRONG_NAMESPACE_SECRET.exception("app '%s' gave the wrong secret for namespace '%s'",
                    options.name(), ns.name()));
        }
        if (appsByName.containsKey(options.name())) {
            throw refused(SessionError.APP_EXISTS.exception("an application named '%s' is attached", options.name()));
        }
        if (appsByName.size() >= config.maxApps()) {
            throw refused(SessionError.LIMIT.exception("app '%s': %s applications are attached, the configured maximum",
                    options.name(), config.maxApps()));
        }
        int index = freeSlot(appsByIndex);
        ApplicationImpl app = new ApplicationImpl(index, options.name(), ns, options.owner(), options.scope());
        ApplicationImpl[] apps = Arrays.copyOf(appsByIndex, Math.max(appsByIndex.length, index + 1));
        apps[index] = app;
        appsByIndex = apps;
        appsByName.put(app.name(), app);
        newWorker(app);
        return app;
    }

    private static int freeSlot(Object[] array) {
        for (int i = 0; i < array.length; i++) {
            if (array[i] == null) {
                return i;
            }
        }
        return array.length;
    }

    /** The attached application of that name, or null. */
    public SessionApplication app(String name) {
        return appsByName.get(name);
    }

    /** The attached application of that index, or null. Data plane safe. */
    public SessionApplication app(int index) {
        ApplicationImpl[] a = appsByIndex;
        return index >= 0 && index < a.length ? a[index] : null;
    }

    /** Every attached application, in attach order. */
    public List<SessionApplication> applications() {
        return List.copyOf(appsByName.values());
    }

    private ApplicationImpl requireApp(String name) {
        ApplicationImpl app = appsByName.get(name);
        if (app == null) {
            throw refused(SessionError.NO_SUCH_APP.exception("no application named '%s' is attached (attached: %s)",
                    name, appsByName.keySet()));
        }
        return app;
    }

    private AppWorkerImpl requireWorker(ApplicationImpl app, int workerIndex) {
        AppWorkerImpl w = app.worker(workerIndex);
        if (w == null) {
            throw refused(SessionError.NO_SUCH_WORKER.exception("app '%s' has no worker %s (workers: %s)",
                    app.name(), workerIndex, app.workers()));
        }
        return w;
    }

    /**
     * Adds a worker to an application; it gets the lowest free worker index.
     *
     * @throws SessionException {@link SessionError#NO_SUCH_APP}, {@link SessionError#LIMIT}
     */
    public SessionWorker addWorker(String appName) {
        checkControl("addWorker");
        return newWorker(requireApp(appName));
    }

    private AppWorkerImpl newWorker(ApplicationImpl app) {
        int wi = app.nextWorkerIndex();
        if (wi >= config.maxWorkersPerApp()) {
            throw refused(SessionError.LIMIT.exception("app '%s' has %s workers, the configured maximum",
                    app.name(), config.maxWorkersPerApp()));
        }
        int global = freeSlot(dp.workersByGlobal);
        AppWorkerImpl w = new AppWorkerImpl(app, wi, global, config.appEventQueueCapacity(), threadCount(), dp::release);
        AppWorkerImpl[] ws = Arrays.copyOf(dp.workersByGlobal, Math.max(dp.workersByGlobal.length, global + 1));
        ws[global] = w;
        dp.workersByGlobal = ws;
        app.putWorker(w);
        return w;
    }


    /**
     * Removes a worker, as if that one thread of the application's process stopped: it stops
     * listening everywhere; its READY sessions are reset; its sessions still in the handshake
     * (CREATED) or not yet taken (ACCEPTING) migrate to another worker when they came through a
     * reuseport group that migrates, and are reset otherwise (see {@link #detach}).
     *
     * @throws SessionException {@link SessionError#NO_SUCH_APP}, {@link SessionError#NO_SUCH_WORKER}
     */
    public void removeWorker(String appName, int workerIndex) {
        checkControl("removeWorker");
        ApplicationImpl app = requireApp(appName);
        AppWorkerImpl w = requireWorker(app, workerIndex);
        Map<Integer, Integer> groupsByListener = migratingGroups(app);
        w.kill();
        for (AppListenerImpl al : List.copyOf(app.listenerMap().values())) {
            if (al.hasWorker(workerIndex)) {
                stopWorkerListening(al, workerIndex, false);
            }
        }
        retireWorkers(List.of(w), groupsByListener);
        app.removeWorker(workerIndex);
    }

    /**
     * Detaches an application (the model of its process exiting): every listener goes; its READY
     * sessions are reset; its sessions still in the handshake (CREATED) or accepted but not yet
     * taken (ACCEPTING) move to a live member of their reuseport group, chosen by the group's
     * selector, when the group migrates (the kernel's {@code tcp_migrate_req}; on by default) —
     * the new owner gets the accept event — and are reset otherwise. Its name and index become free.
     *
     * @throws SessionException {@link SessionError#NO_SUCH_APP}
     */
    public void detach(String appName) {
        checkControl("detach");
        ApplicationImpl app = requireApp(appName);
        Map<Integer, Integer> groupsByListener = migratingGroups(app);
        app.markDetached();
        for (AppWorkerImpl w : app.workers()) {
            w.kill();
        }
        for (AppListenerImpl al : List.copyOf(app.listenerMap().values())) {
            destroyListener(al);
        }
        retireWorkers(app.workers(), groupsByListener);
        appsByName.remove(app.name());
        ApplicationImpl[] apps = appsByIndex.clone();
        apps[app.index()] = null;
        appsByIndex = apps;
    }

    /** The app's listen session indices mapped to the FIB group they are members of, where it migrates. */
    private Map<Integer, Integer> migratingGroups(ApplicationImpl app) {
        Map<Integer, Integer> out = new java.util.HashMap<>();
        ReuseportGroups g = dp.groups;
        if (g == null) {
            return out;
        }
        for (AppListenerImpl al : app.listenerMap().values()) {
            for (ListenSession.Placement p : al.listenSession().placements()) {
                if (p.group() >= 0 && !p.tables().local() && g.migrates(p.group())) {
                    out.put(al.listenSession().index(), p.group());
                }
            }
        }
        return out;
    }

    /**
     * Sweeps every data thread for the departed workers' sessions (READY: reset; CREATED and
     * ACCEPTING: migrated where their group migrates, else reset), then frees their global indices.
     */
    private void retireWorkers(List<AppWorkerImpl> gone, Map<Integer, Integer> groupsByListener) {
        if (gone.isEmpty()) {
            return;
        }
        int[] globals = gone.stream().mapToInt(AppWorkerImpl::globalIndex).sorted().toArray();
        sweepThenReclaim(dt -> {
            SessionPool pool = dt.sessions();
            for (int s = 0; s < pool.highWater(); s++) {
                if (!pool.isLive(s) || pool.state(s) == SessionState.LISTENING
                        || Arrays.binarySearch(globals, pool.appWorker(s)) < 0) {
                    continue;
                }
                Integer group = groupsByListener.get(pool.listener(s));
                SessionState st = pool.state(s);
                if (st == SessionState.CLOSED) {
                    pool.free(s); // its transport is gone and no app is left to hear of it
                } else if (group != null && (st == SessionState.CREATED || st == SessionState.ACCEPTING)) {
                    migrate(dt, s, group);
                } else {
                    closeSession(dt, s, SessionCounter.CONTROL_CLOSES);
                }
            }
        }, () -> {
            AppWorkerImpl[] ws = dp.workersByGlobal.clone();
            for (int g : globals) {
                ws[g] = null;
            }
            dp.workersByGlobal = ws;
        });
    }

    /**
     * Moves a session of a departed worker to the worker its group's selector picks now (data
     * thread of the session). An ACCEPTING session's new owner gets the accept event. Without a
     * live choice, or if the new owner's queue is full, the connection is reset.
     */
    private void migrate(DataThread dt, int s, int group) {
        SessionPool pool = dt.sessions();
        ReuseportGroups g = dp.groups;
        FlowView flow = dp.transports[pool.proto(s)].flow(dt.index(), pool.connection(s));
        long d = g.select(group, flow, dt.index());
        if (d < 0) {
            dt.drop(Dispatch.dropReason(d));
            closeSession(dt, s, SessionCounter.CONTROL_CLOSES);
            return;
        }
        AppWorkerImpl w = dp.worker(Dispatch.worker(d));
        int listener = Dispatch.listenSession(d);
        pool.listener(s, listener);
        pool.appWorker(s, w.globalIndex());
        w.countMigratedIn(dt.index());
        g.countMigration(group);
        dt.count(SessionCounter.MIGRATED);
        if (pool.state(s) == SessionState.ACCEPTING) {
            if (!w.deliver(dt.index(), AppEventType.ACCEPT, SessionHandle.make(dt.index(), s), SessionHandle.make(0, listener))) {
                dt.drop(DropReason.APP_QUEUE_FULL);
                closeSession(dt, s, SessionCounter.CONTROL_CLOSES);
                return;
            }
            w.countAccepted(dt.index());
            dt.count(SessionCounter.ACCEPT_EVENTS);
        }
    }

    // ================================================================ listen / unlisten

    /**
     * Starts a worker listening on an endpoint (VPP's {@code vnet_listen}).
     *
     * <p>The first worker of an application to listen on an endpoint creates the app listener,
     * its listen session (thread 0), its transport listener, and its table entries (the FIB's
     * table for global scope, the namespace's local table for local scope). Another worker of the
     * same application joins that app listener (its bit is set; the handle is the same). The
     * reuseport option and selector matter for an application's first listen on an endpoint.
     *
     * @return the listen session's handle
     * @throws SessionException {@link SessionError#ALREADY_LISTENING} (the same worker again;
     *         another application without reuseport; a mix of reuseport and plain listeners),
     *         the who-may-join refusals of the reuseport group, {@link SessionError#INVALID_ENDPOINT},
     *         {@link SessionError#REUSEPORT_UNAVAILABLE}, {@link SessionError#LIMIT}
     */
    public long listen(String appName, int workerIndex, Endpoint endpoint, ListenOptions options) {
        checkControl("listen");
        requireNonNull(endpoint, "endpoint");
        requireNonNull(options, "options");
        ApplicationImpl app = requireApp(appName);
        AppWorkerImpl worker = requireWorker(app, workerIndex);
        if (endpoint.port() == 0) {
            throw refused(SessionError.INVALID_ENDPOINT.exception("app '%s' worker %s: cannot listen on port 0 (%s)",
                    app.name(), workerIndex, endpoint.toUri()));
        }
        Transport transport = dp.transports[endpoint.proto().ordinal()];
        if (transport == null) {
            throw refused(SessionError.TRANSPORT.exception("app '%s': no %s transport is registered for %s",
                    app.name(), endpoint.proto(), endpoint.toUri()));
        }

        AppListenerImpl existing = app.listenerMap().get(endpoint);
        if (existing != null) {
            if (existing.hasWorker(workerIndex)) {
                throw refused(SessionError.ALREADY_LISTENING.exception("app '%s' worker %s already listens on %s",
                        app.name(), workerIndex, endpoint.toUri()));
            }
            existing.setWorker(workerIndex, true);
            notifyWorkersChanged(existing.listenSession());
            return existing.listenSession().handle();
        }
        if (options.reuseport() && dp.groups == null) {
            throw refused(SessionError.REUSEPORT_UNAVAILABLE.exception("app '%s' asked for reuseport on %s",
                    app.name(), endpoint.toUri()));
        }

        List<ListenSession.Placement> placements = placementsFor(app, endpoint);
        for (ListenSession.Placement p : placements) {
            checkCanListen(app, endpoint, options, p);
        }

        SessionPool pool0 = dp.threads[0].sessions();
        int index = pool0.allocate();
        if (index == SessionPool.NONE) {
            throw refused(SessionError.LIMIT.exception("app '%s' listening on %s: thread 0's session pool is full (%s sessions)",
                    app.name(), endpoint.toUri(), pool0.maxSessions()));
        }
        AppListenerImpl al = new AppListenerImpl(app, endpoint, options.reuseport(), options.selector());
        ListenSession ls = new ListenSession(index, al, placements);
        al.listenSession(ls);
        al.setWorker(workerIndex, true);
        pool0.state(index, SessionState.LISTENING);
        pool0.proto(index, endpoint.proto());
        pool0.appWorker(index, worker.globalIndex());
        pool0.listener(index, index);
        try {
            ls.transportListener(transport.startListen(index, endpoint));
        } catch (RuntimeException e) {
            pool0.free(index);
            throw e;
        }
        pool0.connection(index, ls.transportListener());
        publishListenSession(index, ls);

        List<ListenSession.Placement> done = new ArrayList<>();
        try {
            for (ListenSession.Placement p : placements) {
                place(ls, p, options);
                done.add(p);
            }
        } catch (RuntimeException e) {
            for (ListenSession.Placement p : done) {
                unplace(ls, p);
            }
            ls.kill();
            transport.stopListen(ls.transportListener());
            publishListenSession(index, null);
            pool0.free(index);
            throw e;
        }
        app.listenerMap().put(endpoint, al);
        return ls.handle();
    }

    private List<ListenSession.Placement> placementsFor(ApplicationImpl app, Endpoint endpoint) {
        List<ListenSession.Placement> out = new ArrayList<>(2);
        Scope scope = app.scope();
        if (scope.global()) {
            out.add(new ListenSession.Placement(fib(app.namespace().fibIndex()), SessionKeys.listener(endpoint), endpoint.isIp4()));
        }
        if (scope.local()) {
            out.add(new ListenSession.Placement(app.namespace().localTables(), SessionKeys.listener(endpoint), endpoint.isIp4()));
        }
        return out;
    }

    private void checkCanListen(ApplicationImpl app, Endpoint endpoint, ListenOptions options, ListenSession.Placement p) {
        SessionTables tables = p.tables();
        long value = tables.table(p.ip4()).get(p.key());
        if (value == SessionHandle.INVALID) {
            return;
        }
        if (!SessionHandle.isGroupValue(value)) {
            ListenSession other = listenSession(SessionHandle.index(value));
            String owner = other == null ? "another application" : "app '" + other.app().name() + "'";
            throw refused(SessionError.ALREADY_LISTENING.exception("app '%s' cannot listen on %s in %s: %s listens there without reuseport",
                    app.name(), endpoint.toUri(), tables.name(), owner));
        }
        if (!options.reuseport()) {
            throw refused(SessionError.ALREADY_LISTENING.exception(
                    "app '%s' cannot listen on %s in %s without reuseport: a reuseport group listens there",
                    app.name(), endpoint.toUri(), tables.name()));
        }
        dp.groups.checkJoin(SessionHandle.groupIndex(value), app, options.selector());
    }

    private void place(ListenSession ls, ListenSession.Placement p, ListenOptions options) {
        SessionTables tables = p.tables();
        SessionHashTable table = tables.table(p.ip4());
        long value;
        if (options.reuseport()) {
            long existing = table.get(p.key());
            int group;
            if (existing == SessionHandle.INVALID) {
                group = dp.groups.create(ls, p, options.selector());
            } else {
                group = SessionHandle.groupIndex(existing);
                dp.groups.join(group, ls);
            }
            p.group(group);
            if (existing != SessionHandle.INVALID) {
                return;
            }
            value = SessionHandle.groupValue(group);
        } else {
            value = ls.handle();
        }
        int r = putListener(table, p.key(), value, p.group() >= 0);
        if (r != SessionHashTable.INSERTED) {
            if (p.group() >= 0) {
                dp.groups.leave(p.group(), ls);
                p.group(-1);
            }
            throw refused(SessionError.LIMIT.exception("app '%s' listening on %s: %s", ls.app().name(), ls.endpoint().toUri(),
                    r == SessionHashTable.FULL ? "table " + tables.name() + " is full" : "the entry appeared meanwhile"));
        }
        // the SYN path's index of the same entry, holding what it leads to
        tables.listeners(ls.endpoint().proto(), p.ip4()).put(ls.endpoint(),
                p.group() >= 0 ? dp.groups.target(p.group()) : ls.appListener());
    }

    /**
     * Adds a listener entry, holding the invariant that makes group values unambiguous: a
     * listener key holds a thread-0 listen session handle, or a group value added as one.
     */
    static int putListener(SessionHashTable table, long[] key, long value, boolean isGroup) {
        if (!SessionKeys.isListenerKey(key, table.keyWords())) {
            throw new IllegalStateException("not a listener key: remote address or port is set");
        }
        if (isGroup != SessionHandle.isGroupValue(value) || !isGroup && SessionHandle.thread(value) != 0) {
            throw new IllegalStateException("listener keys hold thread-0 listen session handles or group values, not "
                    + SessionHandle.format(value) + (isGroup ? " as a group" : " as a listen session"));
        }
        return table.putIfAbsent(key, value);
    }

    private void unplace(ListenSession ls, ListenSession.Placement p) {
        SessionHashTable table = p.tables().table(p.ip4());
        ListenerIndex index = p.tables().listeners(ls.endpoint().proto(), p.ip4());
        if (p.group() >= 0) {
            int g = p.group();
            p.group(-1);
            ListenTarget target = dp.groups.target(g);
            if (dp.groups.leave(g, ls)) {
                index.remove(ls.endpoint(), target);
                table.remove(p.key(), SessionHandle.groupValue(g));
            }
        } else {
            index.remove(ls.endpoint(), ls.appListener());
            table.remove(p.key(), ls.handle());
        }
    }

    private void notifyWorkersChanged(ListenSession ls) {
        for (ListenSession.Placement p : ls.placements()) {
            if (p.group() >= 0) {
                dp.groups.workersChanged(p.group(), ls);
            }
        }
    }

    /**
     * Stops a worker listening on an endpoint: its bit is cleared and its connections still in
     * the handshake (CREATED) on that listener are reset; the last worker gone destroys the app
     * listener, its listen session and its table entries (or its group membership).
     *
     * @throws SessionException {@link SessionError#NOT_LISTENING}, {@link SessionError#NO_SUCH_APP}
     */
    public void unlisten(String appName, int workerIndex, Endpoint endpoint) {
        checkControl("unlisten");
        ApplicationImpl app = requireApp(appName);
        AppListenerImpl al = app.listenerMap().get(endpoint);
        if (al == null || !al.hasWorker(workerIndex)) {
            throw refused(SessionError.NOT_LISTENING.exception("app '%s' worker %s does not listen on %s",
                    app.name(), workerIndex, endpoint.toUri()));
        }
        stopWorkerListening(al, workerIndex, true);
    }

    /**
     * Clears a worker's bit; its handshakes in progress (CREATED) on this listener migrate when the
     * listener is in a migrating group, else are reset (VPP: closed); ACCEPTING and READY sessions
     * live on. The last worker gone destroys the listener. With {@code sweep} false the caller
     * sweeps the worker's sessions itself (worker removal, detach).
     */
    private void stopWorkerListening(AppListenerImpl al, int workerIndex, boolean sweep) {
        ListenSession ls = al.listenSession();
        AppWorkerImpl w = al.application().worker(workerIndex);
        Integer group = migratingGroups(al.application()).get(ls.index());
        al.setWorker(workerIndex, false);
        boolean last = al.workerCount() == 0;
        if (!last) {
            notifyWorkersChanged(ls);
        } else {
            destroyListener(al, false);
        }
        int lsIndex = ls.index();
        Runnable reclaim = last ? () -> dp.threads[0].sessions().free(lsIndex) : () -> { };
        if (w == null || !sweep) {
            if (last) {
                sweepThenReclaim(dt -> { }, reclaim);
            }
            return;
        }
        int global = w.globalIndex();
        sweepThenReclaim(dt -> {
            SessionPool pool = dt.sessions();
            for (int s = 0; s < pool.highWater(); s++) {
                if (pool.isLive(s) && pool.state(s) == SessionState.CREATED && pool.listener(s) == lsIndex
                        && pool.appWorker(s) == global) {
                    if (group != null) {
                        migrate(dt, s, group);
                    } else {
                        closeSession(dt, s, SessionCounter.EMBRYONIC_FREED);
                    }
                }
            }
        }, reclaim);
    }

    private void destroyListener(AppListenerImpl al) {
        destroyListener(al, true);
    }

    /** Removes a listener's entries and transport listener; frees its pool-0 index now or (caller) later. */
    private void destroyListener(AppListenerImpl al, boolean freeIndexAfterSweep) {
        ListenSession ls = al.listenSession();
        ls.kill();
        for (ListenSession.Placement p : ls.placements()) {
            unplace(ls, p);
        }
        dp.transports[al.endpoint().proto().ordinal()].stopListen(ls.transportListener());
        publishListenSession(ls.index(), null);
        al.application().listenerMap().remove(al.endpoint());
        if (freeIndexAfterSweep) {
            int lsIndex = ls.index();
            sweepThenReclaim(dt -> { }, () -> dp.threads[0].sessions().free(lsIndex));
        }
    }

    private void publishListenSession(int index, ListenSession ls) {
        ListenSession[] cur = dp.listenSessions;
        if (index >= cur.length) {
            cur = Arrays.copyOf(cur, Math.max(cur.length * 2, index + 1));
        } else {
            cur = cur.clone();
        }
        cur[index] = ls;
        dp.listenSessions = cur;
    }


    /** Every live app listener, by application (control plane). */
    public List<AppListener> listeners() {
        List<AppListener> out = new ArrayList<>();
        for (ApplicationImpl app : appsByName.values()) {
            out.addAll(app.listenerMap().values());
        }
        return out;
    }

    // ================================================================ data plane: lookups



    /**
     * A local-scope lookup (VPP's {@code session_lookup_local_endpoint}): what an application of
     * namespace {@code ns} reaches at {@code endpoint}, exact address first, then the wildcard.
     * Listeners of global scope only are not in it.
     *
     * @return a listen session handle, a group value, or {@link SessionHandle#INVALID}
     */
    public long lookupLocalListener(AppNamespace ns, Endpoint endpoint) {
        AppNamespaceImpl impl = namespaces.get(ns.name());
        checkArgument(impl == ns, "namespace %s is not one of this session layer's", ns.name());
        SessionHashTable table = impl.localTables().table(endpoint.isIp4());
        long v = table.get(SessionKeys.listener(endpoint));
        return v != SessionHandle.INVALID ? v : table.get(SessionKeys.listener(endpoint.wildcard()));
    }



    // ================================================================ data plane: sessions









    // ================================================================ application calls








    /** Resets a session through its transport (data thread of the session), counting why. */
    private void closeSession(DataThread t, int s, SessionCounter counter) {
        SessionPool pool = t.sessions();
        t.count(counter);
        dp.transports[pool.proto(s)].reset(t.index(), pool.connection(s));
    }

    // ================================================================ inspection

    /**
     * Snapshots of every live session of every data thread except listen sessions. Read the pools
     * of other threads without synchronisation: call only when data threads are quiescent.
     */
    public List<Session> sessions() {
        List<Session> out = new ArrayList<>();
        for (DataThread t : dp.threads) {
            SessionPool pool = t.sessions();
            for (int s = 0; s < pool.highWater(); s++) {
                if (pool.isLive(s) && pool.state(s) != SessionState.LISTENING) {
                    out.add(snapshot(t.index(), s));
                }
            }
        }
        return out;
    }

    /** A snapshot of one session, or null if it is not live. Same rule as {@link #sessions()}. */
    public Session session(long handle) {
        int t = SessionHandle.thread(handle);
        if (t < 0 || t >= dp.threads.length || !dp.threads[t].sessions().isLive(SessionHandle.index(handle))) {
            return null;
        }
        return snapshot(t, SessionHandle.index(handle));
    }

    private Session snapshot(int thread, int s) {
        SessionPool pool = dp.threads[thread].sessions();
        Transport tp = dp.transports[pool.proto(s)];
        int conn = pool.connection(s);
        FiveTuple tuple = tp == null || conn < 0 ? null : tp.tuple(thread, conn);
        TransportConnection tc = tp == null || conn < 0 ? null : tp.describe(thread, conn);
        int ls = pool.listener(s);
        return new SessionSnapshot(SessionHandle.make(thread, s), pool.state(s), pool.appWorker(s),
                ls < 0 ? SessionHandle.INVALID : SessionHandle.make(0, ls), tuple, tc);
    }

    /** A session's snapshot. */
    private record SessionSnapshot(long handle, SessionState state, int appWorkerIndex, long listenerHandle,
                                   FiveTuple tuple, TransportConnection connection) implements Session {
    }

    /** Drops counted for a reason, summed over data threads. */
    public long drops(DropReason reason) {
        long n = 0;
        for (DataThread t : dp.threads) {
            n += t.drops(reason);
        }
        return n;
    }

    /** A session counter summed over data threads. */
    public long counter(SessionCounter counter) {
        long n = 0;
        for (DataThread t : dp.threads) {
            n += t.counter(counter);
        }
        return n;
    }
}
