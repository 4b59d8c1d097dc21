package dev.hoststack.daemon.internal;

import com.google.gson.JsonObject;
import dev.hoststack.daemon.DaemonConfig;
import dev.hoststack.session.SessionLayer;
import dev.hoststack.stack.Stack;
import dev.hoststack.stack.StackConfig;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoop;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * The daemon's state and the wiring of its parts: the stack, the app workers and their
 * connections, and the four parts that act on them: {@link ControlPlane} (requests),
 * {@link Listeners} (the real listening sockets), {@link Dispatcher} (connections to workers,
 * credits, parking) and {@link Report} ({@code show}).
 *
 * <p>Confined to one event-loop thread, which created the stack (so it is the stack's control
 * thread and owns data thread 0). Nothing here is safe to call from another thread.
 */
public final class Core {

    final DaemonConfig config;
    final EventLoop loop;
    private final PrintStream log;
    final Stack stack;
    final SessionLayer layer;
    final long startNanos = System.nanoTime();
    final Stats stats = new Stats();

    /** Live app workers by application, in the order they were made. */
    final Map<String, List<WorkerConn>> apps = new LinkedHashMap<>();
    /** Live app workers by the session layer's global worker index (what dispatch answers). */
    final Map<Integer, WorkerConn> byGlobal = new HashMap<>();
    /** App workers whose data connection has not been opened yet, by token. */
    final Map<String, WorkerConn> tokens = new HashMap<>();

    /** Every open control-socket connection. */
    final Set<ControlConn> conns = new LinkedHashSet<>();
    final UidLimits uids;
    final Reservations reservations;

    final Listeners listeners;
    /** Whether reuseport groups go to the kernel, and the line that says so. */
    final KernelSupport kernel;
    /** Kernel groups a daemon before this one left (state file), by endpoint, until a listen there takes them over. */
    final Map<dev.hoststack.api.Endpoint, KernelGroup.KernelState> recovered = new HashMap<>();
    final Dispatcher dispatcher;
    final ControlPlane control;
    final Report report;
    private final Consumer<Throwable> fatal;

    /** Builds the stack with default start-up facts (tests); call on the event loop that will run everything. */
    public Core(DaemonConfig config, EventLoop loop, PrintStream log) {
        this(config, loop, log, Startup.measure(config), e -> { });
    }

    /**
     * Builds the stack; call on the event loop that will run everything.
     *
     * @param startup what the daemon found when it started (descriptor limit, its uid, the state file)
     * @param fatal   called (on the event loop) when the daemon truly cannot go on (an {@link Error} such
     *                as OutOfMemoryError): the process should exit so that a supervisor restarts it
     */
    public Core(DaemonConfig config, EventLoop loop, PrintStream log, Startup startup, Consumer<Throwable> fatal) {
        if (!loop.inEventLoop()) {
            throw new IllegalStateException("the daemon's core is made on its event loop");
        }
        this.config = config;
        this.loop = loop;
        this.log = log;
        StackConfig.Builder b = StackConfig.builder().threads(1).hashSecret(config.hashSecret());
        if (config.defaultSelector() != null) {
            b.defaultSelector(config.defaultSelector());
        }
        for (DaemonConfig.Namespace ns : config.namespaces()) {
            b.namespace(ns.name(), ns.secret(), ns.fib());
        }
        this.stack = Stack.create(b.build());
        this.layer = stack.session();
        layer.claimControl();
        this.fatal = fatal;
        int maxConnections = config.limits().maxConnections() > 0 ? config.limits().maxConnections()
                : UidLimits.derivedMaxConnections(startup.descriptorLimit(), startup.openDescriptors());
        this.uids = new UidLimits(config.limits(), startup.uid(), maxConnections);
        this.reservations = new Reservations(this, startup.state(), config.reservationGrace());
        this.kernel = KernelSupport.decide(config.kernel().dispatch());
        for (KernelGroup.KernelState k : startup.state().kernel()) {
            try {
                recovered.put(dev.hoststack.api.Endpoint.parseUri(k.uri()), k);
            } catch (IllegalArgumentException ignored) {
                // a state file entry that does not parse: nothing to take over
            }
        }
        this.listeners = new Listeners(this);
        this.dispatcher = new Dispatcher(this, startup.descriptorLimit() - startup.openDescriptors() - maxConnections
                - Dispatcher.DESCRIPTOR_MARGIN);
        this.control = new ControlPlane(this);
        this.report = new Report(this);
    }

    /** A handler for a new control-socket connection. */
    public ChannelInboundHandlerAdapter newConnection() {
        return new ControlConn(this);
    }

    /**
     * Starts what runs by itself: the sweep that closes connections past their timeouts, and the
     * end of the reservations' grace period. Call once, on the event loop.
     */
    public void start() {
        var l = config.limits();
        long shortest = Math.min(Math.min(l.helloTimeout().toMillis(), l.requestTimeout().toMillis()),
                Math.min(l.idleTimeout().toMillis(), l.writeTimeout().toMillis()));
        long period = Math.max(50, Math.min(1000, shortest / 4));
        loop.scheduleAtFixedRate(this::sweep, period, period, TimeUnit.MILLISECONDS);
        loop.scheduleAtFixedRate(this::kernelSweep, KERNEL_SWEEP_MS, KERNEL_SWEEP_MS, TimeUnit.MILLISECONDS);
        log(kernel.line());
        reservations.start();
        log("limits: " + uids.maxConnections + " control connections (" + DaemonConfig.Limits.PRIVILEGED_RESERVE
                + " kept for root and the daemon's user), per uid " + uids.connectionsPerUid + " connections, "
                + l.appsPerUid() + " applications, " + l.workersPerUid() + " workers, " + l.listensPerUid()
                + " listens; " + dispatcher.maxHeld + " descriptors for connections in flight or parked");
    }

    /** How often the kernel groups' accept queues are read (congestion) and old sockets checked. */
    static final long KERNEL_SWEEP_MS = 100;

    private void kernelSweep() {
        try {
            for (RealListener real : listeners.all()) {
                if (real.kernel != null) {
                    real.kernel.sweep();
                }
            }
        } catch (Throwable e) {
            failed("the kernel groups' sweep", e);
        }
    }

    /** The live app worker {@code app}-w{@code index}, or null. */
    WorkerConn worker(String app, int index) {
        List<WorkerConn> ws = apps.get(app);
        if (ws != null) {
            for (WorkerConn w : ws) {
                if (w.workerIndex == index && !w.dead) {
                    return w;
                }
            }
        }
        return null;
    }

    private void sweep() {
        try {
            long now = System.nanoTime();
            for (ControlConn c : List.copyOf(conns)) {
                c.sweep(now);
            }
        } catch (Throwable e) {
            failed("the timeout sweep", e);
        }
    }

    /**
     * Writes a line to the daemon's log. Never throws: a log line must not stop the event loop
     * (under descriptor exhaustion even a lazy class load can fail).
     */
    void log(String line) {
        try {
            log.println("hoststack daemon: " + line);
        } catch (Throwable ignored) {
            // nothing to do: the log is best effort
        }
    }

    /**
     * Something unexpected was thrown on the event loop: logged (rate-limited) and counted; an
     * {@link Error} the JVM cannot recover from (OutOfMemoryError, InternalError...) is fatal.
     */
    void failed(String where, Throwable e) {
        stats.internalErrors++;
        if (stats.failuresLogged++ < 50) {
            log("unexpected failure in " + where + ": " + e);
        }
        if (e instanceof VirtualMachineError) {
            try {
                fatal.accept(e);
            } catch (Throwable ignored) {
                // the process is going down anyway
            }
        }
    }

    /** Accepting on the control socket failed (EMFILE...): counted, logged a few times. */
    public void controlAcceptFailed(Throwable cause) {
        if (stats.controlAcceptErrors++ < 10) {
            log("accept on the control socket failed: " + cause + "; pausing 100 ms");
        }
    }

    /** Adds a new app worker to the tables. */
    void add(WorkerConn w) {
        byGlobal.put(w.globalIndex, w);
        tokens.put(w.token, w);
        List<WorkerConn> list = apps.get(w.app);
        if (list == null) {
            list = new ArrayList<>();
            apps.put(w.app, list);
            uids.apps(w.uid, 1);
        }
        list.add(w);
        uids.workers(w.uid, 1);
        dispatcher.workers(byGlobal.size());
    }

    /** Takes an app worker out of the tables. */
    void remove(WorkerConn w) {
        byGlobal.remove(w.globalIndex, w);
        tokens.remove(w.token);
        dispatcher.workers(byGlobal.size());
        List<WorkerConn> list = apps.get(w.app);
        if (list != null && list.remove(w)) {
            uids.workers(w.uid, -1);
            if (list.isEmpty()) {
                apps.remove(w.app);
                uids.apps(w.uid, -1);
            }
        }
    }

    /** The live counters, as the {@code show} reply's fields. */
    public JsonObject show() {
        return report.show();
    }

    /** Flushes the data connections written to since the last flush. */
    public void flushDirty() {
        dispatcher.flushDirty();
    }

    /**
     * Closes every listening socket of the hand-off path and the daemon's copies of the connections
     * it still holds; kernel groups go on without the daemon (their handles are in the state file,
     * saved first). Call once, on the event loop.
     */
    public void shutdown() {
        reservations.saveNow();
        listeners.closeAll(true);
        dispatcher.releaseAll();
    }
}
