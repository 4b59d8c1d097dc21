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
import java.util.List;
import java.util.Map;

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

    final Listeners listeners;
    final Dispatcher dispatcher;
    final ControlPlane control;
    final Report report;

    /** Builds the stack; call on the event loop that will run everything. */
    public Core(DaemonConfig config, EventLoop loop, PrintStream log) {
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
        this.listeners = new Listeners(this);
        this.dispatcher = new Dispatcher(this);
        this.control = new ControlPlane(this);
        this.report = new Report(this);
    }

    /** A handler for a new control-socket connection. */
    public ChannelInboundHandlerAdapter newConnection() {
        return new ControlConn(this);
    }

    void log(String line) {
        log.println("hoststack daemon: " + line);
    }

    /** Adds a new app worker to the tables. */
    void add(WorkerConn w) {
        byGlobal.put(w.globalIndex, w);
        tokens.put(w.token, w);
        apps.computeIfAbsent(w.app, k -> new ArrayList<>()).add(w);
    }

    /** Takes an app worker out of the tables. */
    void remove(WorkerConn w) {
        byGlobal.remove(w.globalIndex, w);
        tokens.remove(w.token);
        List<WorkerConn> list = apps.get(w.app);
        if (list != null) {
            list.remove(w);
            if (list.isEmpty()) {
                apps.remove(w.app);
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

    /** Closes every listening socket and the daemon's copies of the connections it still holds. */
    public void shutdown() {
        listeners.closeAll();
        dispatcher.releaseAll();
    }
}
