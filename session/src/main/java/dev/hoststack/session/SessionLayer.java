package dev.hoststack.session;

import static com.google.common.base.Preconditions.checkArgument;
import static java.util.Objects.requireNonNull;

import dev.hoststack.api.AppEventType;
import dev.hoststack.api.DropReason;
import dev.hoststack.api.Endpoint;
import dev.hoststack.api.FiveTuple;
import dev.hoststack.api.Scope;
import dev.hoststack.api.Session;
import dev.hoststack.api.SessionError;
import dev.hoststack.api.SessionException;
import dev.hoststack.api.SessionHandle;
import dev.hoststack.api.SessionState;
import dev.hoststack.api.TransportConnection;
import dev.hoststack.api.TransportProto;
import dev.hoststack.api.spi.FlowView;
import dev.hoststack.session.internal.MpscLongRing;
import dev.hoststack.session.table.SessionHashTable;
import dev.hoststack.session.table.SessionKeys;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The session layer: namespaces, applications and their workers, listeners, per-thread session
 * pools and the session tables, with VPP's rules.
 *
 * <h2>Threading</h2>
 * <ul>
 *   <li><b>Control plane</b> — {@link #addNamespace}, {@link #attach}, {@link #detach},
 *       {@link #addWorker}, {@link #removeWorker}, {@link #listen}, {@link #unlisten}: only on the
 *       control (main) thread, the thread that created the layer unless {@link #claimControl()}
 *       moved it. Other threads get an {@link IllegalStateException}. The control thread also owns
 *       data thread 0, whose pool holds every listen session.</li>
 *   <li><b>Data plane</b> — lookups, {@link #dispatch}, session creation and notification: on the
 *       Java thread that owns the data thread concerned ({@link #claim(int)}); one Java thread may
 *       own several data threads (the command line drives them all). Lookups take no lock and do
 *       not allocate; they run while the control plane changes the tables.</li>
 *   <li><b>Applications</b> — {@link #acceptReply}, {@link #close}, {@link #reset}: any thread.
 *       They post to the session's data thread, which applies them when it next runs its mailbox
 *       ({@link #runPending}).</li>
 *   <li>What the control plane does to sessions of data threads (closing a departing worker's
 *       connections) is posted to each data thread's mailbox too, and happens when that thread
 *       next runs it.</li>
 * </ul>
 *
 * <h2>What a SYN does here</h2>
 * The transport parses it, asks {@link #lookupListener} (exact address, then wildcard), then
 * {@link #dispatch} (a listen session's app listener picks a worker round robin, or a reuseport
 * group's selector picks member and worker), then {@link #createSession} on the receiving thread;
 * on the final ACK, {@link #established} queues the accept event for the app worker.
 */
public final class SessionLayer {

    /** The default namespace's name; its secret is 0 and its FIB is 0. */
    public static final String DEFAULT_NAMESPACE = "default";

    private static final int APP_OPS_CAPACITY = 1 << 13;

    private final SessionLayerConfig config;
    private final DataThread[] threads;
    private final MpscLongRing.RecordHandler[] appOpHandlers;
    private final Transport[] transports = new Transport[TransportProto.values().length];
    private volatile ReuseportGroups groups;
    private volatile Thread controlThread;

    private final Map<String, AppNamespaceImpl> namespaces = new LinkedHashMap<>();
    private volatile SessionTables[] fibTables = new SessionTables[0];
    private int nextTableSetId;

    private final Map<String, ApplicationImpl> appsByName = new LinkedHashMap<>();
    private volatile ApplicationImpl[] appsByIndex = new ApplicationImpl[0];
    private volatile AppWorkerImpl[] workersByGlobal = new AppWorkerImpl[0];
    private volatile ListenSession[] listenSessions = new ListenSession[16];
    /** Work the data threads hand back to the control thread (index reclamation after sweeps). */
    private final java.util.Queue<Runnable> controlTasks = new java.util.concurrent.ConcurrentLinkedQueue<>();
    private final java.util.Map<SessionError, java.util.concurrent.atomic.AtomicLong> refusals =
            new java.util.EnumMap<>(SessionError.class);

    /** Creates a layer with the default namespace; the calling thread becomes the control thread. */
    public SessionLayer(SessionLayerConfig config) {
        this.config = requireNonNull(config, "config");
        this.controlThread = Thread.currentThread();
        for (SessionError e : SessionError.values()) {
            refusals.put(e, new java.util.concurrent.atomic.AtomicLong());
        }
        this.threads = new DataThread[config.threads()];
        this.appOpHandlers = new MpscLongRing.RecordHandler[config.threads()];
        for (int t = 0; t < threads.length; t++) {
            DataThread dt = new DataThread(t,
                    new SessionPool(t, config.initialSessionsPerThread(), config.maxSessionsPerThread()),
                    APP_OPS_CAPACITY);
            threads[t] = dt;
            appOpHandlers[t] = (op, handle, unused) -> applyAppOp(dt, (int) op, handle);
        }
        addNamespace(DEFAULT_NAMESPACE, 0, 0);
    }

    /** The configuration. */
    public SessionLayerConfig config() {
        return config;
    }

    // ================================================================ wiring

    /** Registers the transport for its protocol (at composition, on the control thread). */
    public void registerTransport(Transport transport) {
        checkControl("registerTransport");
        TransportProto p = transport.proto();
        checkArgument(transports[p.ordinal()] == null, "a %s transport is registered already", p);
        transports[p.ordinal()] = transport;
    }

    /** The transport of a protocol, or null. */
    public Transport transport(TransportProto proto) {
        return transports[proto.ordinal()];
    }

    /** Installs the reuseport groups (at composition, on the control thread). */
    public void installReuseport(ReuseportGroups reuseportGroups) {
        checkControl("installReuseport");
        checkArgument(groups == null, "reuseport groups are installed already");
        this.groups = requireNonNull(reuseportGroups, "reuseportGroups");
    }

    /** The installed reuseport groups, or null. */
    public ReuseportGroups reuseportGroups() {
        return groups;
    }

    /**
     * Makes the calling thread the control thread and the owner of data thread 0. Use it when the
     * control plane runs on another thread than the one that built the stack (e.g. an event loop).
     */
    public void claimControl() {
        controlThread = Thread.currentThread();
        threads[0].owner(controlThread);
    }

    /** Makes the calling thread the owner of data thread {@code thread} (not 0: see {@link #claimControl()}). */
    public DataThread claim(int thread) {
        checkArgument(thread > 0 && thread < threads.length, "data thread %s is not in 1..%s", thread, threads.length - 1);
        threads[thread].owner(Thread.currentThread());
        return threads[thread];
    }

    private void checkControl(String call) {
        Thread me = Thread.currentThread();
        if (me != controlThread) {
            throw new IllegalStateException(call + " is a control-plane call: make it on the control thread '"
                    + controlThread.getName() + "', not '" + me.getName() + "' (or claimControl() first)");
        }
        Runnable task;
        while ((task = controlTasks.poll()) != null) {
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
        java.util.concurrent.atomic.AtomicInteger remaining = new java.util.concurrent.atomic.AtomicInteger(threads.length);
        for (DataThread t : threads) {
            t.post(dt -> {
                sweep.accept(dt);
                if (remaining.decrementAndGet() == 0) {
                    controlTasks.add(reclaim);
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
    public AppNamespaceImpl addNamespace(String name, long secret, int fibIndex) {
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
    public AppNamespaceImpl namespace(String name) {
        return namespaces.get(name);
    }

    /** Every namespace, in the order added. */
    public Collection<AppNamespaceImpl> namespaces() {
        return List.copyOf(namespaces.values());
    }

    private SessionTables newTables(String name, boolean local) {
        return new SessionTables(nextTableSetId++, name, local, config.initialTableEntries(), config.maxTableEntries());
    }

    private void ensureFib(int fib) {
        SessionTables[] cur = fibTables;
        if (fib < cur.length && cur[fib] != null) {
            return;
        }
        SessionTables[] next = Arrays.copyOf(cur, Math.max(cur.length, fib + 1));
        next[fib] = newTables("fib " + fib, false);
        fibTables = next;
    }

    /** The tables of a FIB, or null if no namespace uses it. Data plane safe. */
    public SessionTables fib(int fibIndex) {
        SessionTables[] t = fibTables;
        return fibIndex >= 0 && fibIndex < t.length ? t[fibIndex] : null;
    }

    // ================================================================ applications

    /**
     * Attaches an application with worker 0 (VPP's attach, which creates the first worker).
     *
     * @throws SessionException {@link SessionError#INVALID_NAMESPACE},
     *         {@link SessionError#WRONG_NAMESPACE_SECRET}, {@link SessionError#APP_EXISTS},
     *         {@link SessionError#LIMIT}
     */
    public ApplicationImpl attach(AttachOptions options) {
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
    public ApplicationImpl app(String name) {
        return appsByName.get(name);
    }

    /** The attached application of that index, or null. Data plane safe. */
    public ApplicationImpl app(int index) {
        ApplicationImpl[] a = appsByIndex;
        return index >= 0 && index < a.length ? a[index] : null;
    }

    /** Every attached application, in attach order. */
    public List<ApplicationImpl> applications() {
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
    public AppWorkerImpl addWorker(String appName) {
        checkControl("addWorker");
        return newWorker(requireApp(appName));
    }

    private AppWorkerImpl newWorker(ApplicationImpl app) {
        int wi = app.nextWorkerIndex();
        if (wi >= config.maxWorkersPerApp()) {
            throw refused(SessionError.LIMIT.exception("app '%s' has %s workers, the configured maximum",
                    app.name(), config.maxWorkersPerApp()));
        }
        int global = freeSlot(workersByGlobal);
        AppWorkerImpl w = new AppWorkerImpl(this, app, wi, global, config.appEventQueueCapacity());
        AppWorkerImpl[] ws = Arrays.copyOf(workersByGlobal, Math.max(workersByGlobal.length, global + 1));
        ws[global] = w;
        workersByGlobal = ws;
        app.putWorker(w);
        return w;
    }

    /** The app worker of a global index, or null. Data plane safe, allocation-free. */
    public AppWorkerImpl worker(int globalIndex) {
        AppWorkerImpl[] ws = workersByGlobal;
        return globalIndex >= 0 && globalIndex < ws.length ? ws[globalIndex] : null;
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
        for (AppListenerImpl al : List.copyOf(app.listeners.values())) {
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
        for (AppListenerImpl al : List.copyOf(app.listeners.values())) {
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
        ReuseportGroups g = groups;
        if (g == null) {
            return out;
        }
        for (AppListenerImpl al : app.listeners.values()) {
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
            AppWorkerImpl[] ws = workersByGlobal.clone();
            for (int g : globals) {
                ws[g] = null;
            }
            workersByGlobal = ws;
        });
    }

    /**
     * Moves a session of a departed worker to the worker its group's selector picks now (data
     * thread of the session). An ACCEPTING session's new owner gets the accept event. Without a
     * live choice, or if the new owner's queue is full, the connection is reset.
     */
    private void migrate(DataThread dt, int s, int group) {
        SessionPool pool = dt.sessions();
        ReuseportGroups g = groups;
        FlowView flow = transports[pool.proto(s)].flow(dt.index(), pool.connection(s));
        long d = g.select(group, flow, dt.index());
        if (d < 0) {
            dt.drop(Dispatch.dropReason(d));
            closeSession(dt, s, SessionCounter.CONTROL_CLOSES);
            return;
        }
        AppWorkerImpl w = worker(Dispatch.worker(d));
        int listener = Dispatch.listenSession(d);
        pool.listener(s, listener);
        pool.appWorker(s, w.globalIndex());
        w.countMigratedIn(dt.index());
        g.countMigration(group);
        dt.count(SessionCounter.MIGRATED);
        if (pool.state(s) == SessionState.ACCEPTING) {
            if (!w.deliver(AppEventType.ACCEPT, SessionHandle.make(dt.index(), s), SessionHandle.make(0, listener))) {
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
        Transport transport = transports[endpoint.proto().ordinal()];
        if (transport == null) {
            throw refused(SessionError.TRANSPORT.exception("app '%s': no %s transport is registered for %s",
                    app.name(), endpoint.proto(), endpoint.toUri()));
        }

        AppListenerImpl existing = app.listeners.get(endpoint);
        if (existing != null) {
            if (existing.hasWorker(workerIndex)) {
                throw refused(SessionError.ALREADY_LISTENING.exception("app '%s' worker %s already listens on %s",
                        app.name(), workerIndex, endpoint.toUri()));
            }
            existing.setWorker(workerIndex, true);
            notifyWorkersChanged(existing.listenSession());
            return existing.listenSession().handle();
        }
        if (options.reuseport() && groups == null) {
            throw refused(SessionError.REUSEPORT_UNAVAILABLE.exception("app '%s' asked for reuseport on %s",
                    app.name(), endpoint.toUri()));
        }

        List<ListenSession.Placement> placements = placementsFor(app, endpoint);
        for (ListenSession.Placement p : placements) {
            checkCanListen(app, endpoint, options, p);
        }

        SessionPool pool0 = threads[0].sessions();
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
        app.listeners.put(endpoint, al);
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
        groups.checkJoin(SessionHandle.groupIndex(value), app, options.selector());
    }

    private void place(ListenSession ls, ListenSession.Placement p, ListenOptions options) {
        SessionTables tables = p.tables();
        SessionHashTable table = tables.table(p.ip4());
        long value;
        if (options.reuseport()) {
            long existing = table.get(p.key());
            int group;
            if (existing == SessionHandle.INVALID) {
                group = groups.create(ls, p, options.selector());
            } else {
                group = SessionHandle.groupIndex(existing);
                groups.join(group, ls);
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
                groups.leave(p.group(), ls);
                p.group(-1);
            }
            throw refused(SessionError.LIMIT.exception("app '%s' listening on %s: %s", ls.app().name(), ls.endpoint().toUri(),
                    r == SessionHashTable.FULL ? "table " + tables.name() + " is full" : "the entry appeared meanwhile"));
        }
        // the SYN path's index of the same entry, holding what it leads to
        tables.listeners(ls.endpoint().proto(), p.ip4()).put(ls.endpoint(),
                p.group() >= 0 ? groups.target(p.group()) : ls.appListener());
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
            ListenTarget target = groups.target(g);
            if (groups.leave(g, ls)) {
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
                groups.workersChanged(p.group(), ls);
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
        AppListenerImpl al = app.listeners.get(endpoint);
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
        Runnable reclaim = last ? () -> threads[0].sessions().free(lsIndex) : () -> { };
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
        transports[al.endpoint().proto().ordinal()].stopListen(ls.transportListener());
        publishListenSession(ls.index(), null);
        al.application().listeners.remove(al.endpoint());
        if (freeIndexAfterSweep) {
            int lsIndex = ls.index();
            sweepThenReclaim(dt -> { }, () -> threads[0].sessions().free(lsIndex));
        }
    }

    private void publishListenSession(int index, ListenSession ls) {
        ListenSession[] cur = listenSessions;
        if (index >= cur.length) {
            cur = Arrays.copyOf(cur, Math.max(cur.length * 2, index + 1));
        } else {
            cur = cur.clone();
        }
        cur[index] = ls;
        listenSessions = cur;
    }

    /** The listen session of an index, or null. Data plane safe, allocation-free. */
    public ListenSession listenSession(int index) {
        ListenSession[] ls = listenSessions;
        return index >= 0 && index < ls.length ? ls[index] : null;
    }

    /** Every live app listener, by application (control plane). */
    public List<AppListenerImpl> listeners() {
        List<AppListenerImpl> out = new ArrayList<>();
        for (ApplicationImpl app : appsByName.values()) {
            out.addAll(app.listeners.values());
        }
        return out;
    }

    // ================================================================ data plane: lookups

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
     * A local-scope lookup (VPP's {@code session_lookup_local_endpoint}): what an application of
     * namespace {@code ns} reaches at {@code endpoint}, exact address first, then the wildcard.
     * Listeners of global scope only are not in it.
     *
     * @return a listen session handle, a group value, or {@link SessionHandle#INVALID}
     */
    public long lookupLocalListener(AppNamespaceImpl ns, Endpoint endpoint) {
        SessionHashTable table = ns.localTables().table(endpoint.isIp4());
        long v = table.get(SessionKeys.listener(endpoint));
        return v != SessionHandle.INVALID ? v : table.get(SessionKeys.listener(endpoint.wildcard()));
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

    // ================================================================ data plane: sessions

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
        SessionPool pool = t.sessions();
        int s = pool.allocate();
        if (s == SessionPool.NONE) {
            return SessionPool.NONE;
        }
        pool.proto(s, proto);
        pool.listener(s, listenSessionIndex);
        pool.appWorker(s, workerGlobalIndex);
        pool.connection(s, connection);
        pool.fib(s, fib);
        if (listenSessionIndex != SessionPool.NONE) {
            AppWorkerImpl w = worker(workerGlobalIndex);
            if (w != null) {
                w.countDispatched(t.index());
            }
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
        if (!w.deliver(AppEventType.ACCEPT, handle, SessionHandle.make(0, pool.listener(session)))) {
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
        if (!w.deliver(AppEventType.CONNECTED, SessionHandle.make(t.index(), session), SessionHandle.INVALID)) {
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
            if (w != null && w.alive() && w.deliver(reset ? AppEventType.RESET : AppEventType.DISCONNECT,
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

    // ================================================================ application calls

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
     * Owner of the data thread only. Cheap when empty (two volatile reads).
     *
     * @return how many items ran
     */
    public int runPending(DataThread t) {
        int n = 0;
        if (t.hasPending()) {
            n += t.drainRpcs() + t.drainAppOps(appOpHandlers[t.index()]);
        }
        if (t.index() == 0 && !controlTasks.isEmpty() && Thread.currentThread() == controlThread) {
            Runnable task;
            while ((task = controlTasks.poll()) != null) {
                task.run();
                n++;
            }
        }
        return n;
    }

    /** Resets a session through its transport (data thread of the session), counting why. */
    private void closeSession(DataThread t, int s, SessionCounter counter) {
        SessionPool pool = t.sessions();
        t.count(counter);
        transports[pool.proto(s)].reset(t.index(), pool.connection(s));
    }

    // ================================================================ inspection

    /**
     * Snapshots of every live session of every data thread except listen sessions. Read the pools
     * of other threads without synchronisation: call only when data threads are quiescent.
     */
    public List<Session> sessions() {
        List<Session> out = new ArrayList<>();
        for (DataThread t : threads) {
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
        if (t < 0 || t >= threads.length || !threads[t].sessions().isLive(SessionHandle.index(handle))) {
            return null;
        }
        return snapshot(t, SessionHandle.index(handle));
    }

    private Session snapshot(int thread, int s) {
        SessionPool pool = threads[thread].sessions();
        Transport tp = transports[pool.proto(s)];
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
        for (DataThread t : threads) {
            n += t.drops(reason);
        }
        return n;
    }

    /** A session counter summed over data threads. */
    public long counter(SessionCounter counter) {
        long n = 0;
        for (DataThread t : threads) {
            n += t.counter(counter);
        }
        return n;
    }
}
