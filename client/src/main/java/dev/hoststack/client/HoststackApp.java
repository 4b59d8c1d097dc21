package dev.hoststack.client;

import com.google.gson.JsonObject;
import dev.hoststack.client.internal.LineConnection;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/**
 * An application attached to hoststack-daemon, with its workers.
 *
 * <pre>{@code
 * try (HoststackApp app = HoststackApp.attach(AttachSpec.of(Path.of("/run/hoststack"), "web"),
 *         ConnectionHandler.channels(new MyInitializer()))) {
 *     String uri = app.worker(0).listen("tcp://0.0.0.0/8080", true, null);
 *     app.addWorker(ConnectionHandler.channels(new MyInitializer())).listen(uri, true, null);
 *     ...
 * }
 * }</pre>
 *
 * <p>Each worker is one control connection and one data connection to the daemon; the daemon
 * knows the application's owner from the socket's credentials (the process's uid), never from a
 * message. Closing the application (or the process dying) takes its workers out of every group
 * at once; connections the daemon had sent them but they had not taken go to other members.
 *
 * <p>Thread-safe; the blocking calls must not be made on a worker's event loop.
 */
public final class HoststackApp implements AutoCloseable {

    /** The protocol version this library speaks. */
    public static final int PROTOCOL_VERSION = 1;

    private final AttachSpec spec;
    private final List<AppWorker> workers = new CopyOnWriteArrayList<>();
    private final List<EventLoopGroup> ownGroups = new CopyOnWriteArrayList<>();
    private volatile int owner = -1;

    private HoststackApp(AttachSpec spec) {
        this.spec = spec;
    }

    /**
     * Attaches an application: its worker 0 is made, with {@code handler} for its connections.
     *
     * @throws HoststackException the daemon's refusal (e.g. WRONG_NAMESPACE_SECRET, APP_EXISTS) or
     *         UNREACHABLE when no daemon answers
     */
    public static HoststackApp attach(AttachSpec spec, ConnectionHandler handler) throws HoststackException {
        if (!Epoll.isAvailable()) {
            throw new HoststackException(HoststackException.UNREACHABLE, "Netty's native epoll transport is unavailable",
                    Epoll.unavailabilityCause());
        }
        HoststackApp app = new HoststackApp(spec);
        try {
            JsonObject req = new JsonObject();
            req.addProperty("op", "attach");
            req.addProperty("app", spec.app());
            req.addProperty("namespace", spec.namespace());
            req.addProperty("secret", spec.secret());
            app.newWorker(req, handler);
            return app;
        } catch (HoststackException | RuntimeException e) {
            app.close();
            throw e;
        }
    }

    /**
     * Adds a worker with its own connections and event loop.
     *
     * @throws HoststackException the daemon's refusal (e.g. LIMIT, NOT_OWNER)
     */
    public AppWorker addWorker(ConnectionHandler handler) throws HoststackException {
        JsonObject req = new JsonObject();
        req.addProperty("op", "add_worker");
        req.addProperty("app", spec.app());
        return newWorker(req, handler);
    }

    private AppWorker newWorker(JsonObject request, ConnectionHandler handler) throws HoststackException {
        EventLoop loop = nextLoop();
        Duration t = spec.timeout();
        LineConnection control = LineConnection.connect(spec.socketPath(), loop, t);
        LineConnection data = null;
        try {
            JsonObject hello = new JsonObject();
            hello.addProperty("op", "hello");
            hello.addProperty("version", PROTOCOL_VERSION);
            hello.addProperty("client", "hoststack-java/0.1");
            control.call(hello, t);
            JsonObject r = control.call(request, t);
            int index = r.get("worker").getAsInt();
            if (r.has("owner")) {
                owner = r.get("owner").getAsInt();
            }
            data = LineConnection.connect(spec.socketPath(), loop, t);
            AppWorker[] holder = new AppWorker[1];
            int window = AppWorker.openData(data, r.get("token").getAsString(), spec.window(), t, holder);
            AppWorker w = new AppWorker(this, index, loop, control, data, handler, t);
            w.window(window);
            holder[0] = w;
            workers.add(w);
            return w;
        } catch (HoststackException | RuntimeException e) {
            control.channel().close();
            if (data != null) {
                data.channel().close();
            }
            throw e;
        }
    }

    private EventLoop nextLoop() {
        if (spec.group() != null) {
            return spec.group().next();
        }
        EventLoopGroup g = new MultiThreadIoEventLoopGroup(1, r -> {
            Thread th = new Thread(r, "hoststack-" + spec.app() + "-w" + workers.size());
            th.setDaemon(true);
            return th;
        }, EpollIoHandler.newFactory());
        ownGroups.add(g);
        return g.next();
    }

    /** The application's name. */
    public String name() {
        return spec.app();
    }

    /** The owner uid the daemon saw (this process's), or -1 before attach answered. */
    public int owner() {
        return owner;
    }

    /** What it attached with. */
    public AttachSpec spec() {
        return spec;
    }

    /** The worker of that index, or null. */
    public AppWorker worker(int index) {
        for (AppWorker w : workers) {
            if (w.index() == index) {
                return w;
            }
        }
        return null;
    }

    /** Its workers, in the order made. */
    public List<AppWorker> workers() {
        return new ArrayList<>(workers);
    }

    /**
     * Detaches: the daemon removes the application and every worker's listens; connections it had
     * sent but the workers had not taken go to other members. Then closes.
     *
     * @throws HoststackException the daemon's refusal
     */
    public void detach() throws HoststackException {
        AppWorker w = workers.isEmpty() ? null : workers.get(0);
        if (w == null) {
            return;
        }
        for (AppWorker x : workers) {
            x.closing();
        }
        JsonObject req = new JsonObject();
        req.addProperty("op", "detach");
        try {
            w.call(req);
        } finally {
            close();
        }
    }

    /** Closes every worker's connections and the event loops it made. Idempotent. */
    @Override
    public void close() {
        for (AppWorker w : workers) {
            w.close();
        }
        for (EventLoopGroup g : ownGroups) {
            g.shutdownGracefully(0, 1, TimeUnit.SECONDS);
        }
    }

    /**
     * Asks a daemon for its live counters ({@code show}) on a connection of its own.
     *
     * @return the reply as JSON text
     * @throws HoststackException UNREACHABLE when no daemon answers
     */
    public static String show(Path controlDir, Duration timeout) throws HoststackException {
        EventLoopGroup g = new MultiThreadIoEventLoopGroup(1, EpollIoHandler.newFactory());
        try {
            LineConnection c = LineConnection.connect(controlDir.resolve(AttachSpec.SOCKET_NAME), g.next(), timeout);
            try {
                JsonObject hello = new JsonObject();
                hello.addProperty("op", "hello");
                hello.addProperty("version", PROTOCOL_VERSION);
                c.call(hello, timeout);
                JsonObject show = new JsonObject();
                show.addProperty("op", "show");
                return c.call(show, timeout).toString();
            } finally {
                c.channel().close();
            }
        } finally {
            g.shutdownGracefully(0, 1, TimeUnit.SECONDS);
        }
    }
}
