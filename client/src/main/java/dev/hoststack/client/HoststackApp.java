package dev.hoststack.client;

import com.google.gson.JsonObject;
import dev.hoststack.client.internal.LineConnection;
import dev.hoststack.protocol.Messages;
import dev.hoststack.protocol.Protocol;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * An application attached to hoststack-daemon, with its workers.
 *
 * <pre>{@code
 * try (HoststackApp app = HoststackApp.attach(AttachSpec.of(Path.of("/run/hoststack"), "web")
 *                 .withReconnect(Reconnect.backoff()),
 *         ConnectionHandler.channels(new MyInitializer()))) {
 *     String uri = app.worker(0).listen("tcp://0.0.0.0/8080", true, "roundrobin");
 *     app.addWorker(ConnectionHandler.channels(new MyInitializer())).listen(uri, true, "roundrobin");
 *     ...
 * }
 * }</pre>
 *
 * <p>Each worker is one control connection and one data connection to the daemon; the daemon
 * knows the application's owner from the socket's credentials (the process's uid), never from a
 * message. Closing the application (or the process dying) takes its workers out of every group
 * at once; connections the daemon had sent them but they had not taken go to other members.
 *
 * <p><b>Reconnect.</b> With a {@link Reconnect} policy ({@link AttachSpec#withReconnect}), a
 * connection of any worker closing without the application closing or detaching means the daemon
 * is lost (it stopped, crashed or restarted). A worker's own listening sockets (kernel dispatch)
 * go on accepting meanwhile: the kernel keeps the group and its program, so no connection is
 * refused until a daemon comes back and the worker's listen there brings it a new socket.
 * Then, on a thread of its own ({@code hoststack-APP-reconnect}), the application:
 * <ol>
 *   <li>lets every worker's old connections end: descriptors still queued on a data connection
 *       are read and handed to the handler first (the daemon's copies died with it, so these
 *       connections are the worker's alone); at most one second, then it closes them;</li>
 *   <li>waits the policy's delay, logs the attempt, and attaches again: {@code attach} for the
 *       worker of the lowest index, {@code add_worker} for the others in index order, each with new
 *       connections on its own event loop; then every worker makes its {@link AppWorker#listens()}
 *       again, with the reuseport flag and selector it first asked for, and the application sets
 *       its {@linkplain #weight weights} again in the groups it still listens on;</li>
 *   <li>on a refusal or a daemon that does not answer, closes what that attempt opened, logs why,
 *       and tries again after the next delay; after the policy's last attempt it gives up and
 *       every worker's {@link AppWorker#closeFuture()} completes.</li>
 * </ol>
 * The {@link AppWorker} objects stay the same; their handlers keep receiving connections
 * afterwards. Each attempt, failure, success and the giving up is logged on the
 * {@link System.Logger} {@code dev.hoststack.client}. Give every member of a reuseport group the
 * same explicit selector: after a restart the first member to listen again creates the group.
 *
 * <p>Thread-safe; the blocking calls must not be made on a worker's event loop.
 */
public final class HoststackApp implements AutoCloseable {

    /** The protocol version this library speaks. */
    public static final int PROTOCOL_VERSION = Protocol.VERSION;

    /** What {@code hello} names this library. */
    static final String CLIENT = "hoststack-java/0.1";

    private static final System.Logger LOG = System.getLogger("dev.hoststack.client");
    /** The longest wait for a lost daemon's connections to end before a reconnect closes them. */
    private static final Duration DRAIN = Duration.ofSeconds(1);

    private final AttachSpec spec;
    private final List<AppWorker> workers = new CopyOnWriteArrayList<>();
    private final List<EventLoopGroup> ownGroups = new CopyOnWriteArrayList<>();
    private final List<Runnable> onReattach = new CopyOnWriteArrayList<>();
    private final AtomicLong reattachments = new AtomicLong();
    /** The weights the application set, by the URI the daemon answered; set again after a reconnect. */
    private final Map<String, Integer> weights = new ConcurrentHashMap<>();
    /** Guards {@link #closed}, {@link #reconnecting} and the installing of connections. */
    private final Object lock = new Object();
    private volatile int owner = -1;
    private volatile boolean closed;
    private volatile boolean reconnecting;
    private volatile boolean detached;
    private Thread reconnector;

    private HoststackApp(AttachSpec spec) {
        this.spec = spec;
    }

    /**
     * Attaches an application: its worker 0 is made, with {@code handler} for its connections.
     * No reconnect here: the first attach fails at once when no daemon answers.
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
            app.newWorker(app.attachRequest(), handler);
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
        return newWorker(addWorkerRequest(), handler);
    }

    private JsonObject attachRequest() {
        return Messages.attach(spec.app(), spec.namespace(), spec.secret());
    }

    private JsonObject addWorkerRequest() {
        return Messages.addWorker(spec.app());
    }

    private AppWorker newWorker(JsonObject request, ConnectionHandler handler) throws HoststackException {
        AppWorker w = new AppWorker(this, nextLoop(), handler, spec.timeout());
        connect(w, request);
        workers.add(w);
        return w;
    }

    /** Opens a worker's control and data connections with {@code request} (attach or add_worker) and installs them. */
    private void connect(AppWorker w, JsonObject request) throws HoststackException {
        Duration t = spec.timeout();
        LineConnection control = LineConnection.connect(spec.socketPath(), w.eventLoop(), t);
        LineConnection data = null;
        int version = spec.protocolVersion();
        try {
            try {
                control.call(Messages.hello(CLIENT, version), t);
            } catch (HoststackException e) {
                if (!e.code().equals(dev.hoststack.protocol.Errors.UNSUPPORTED_VERSION) || version == Protocol.MIN_VERSION) {
                    throw e;
                }
                // a daemon of an older protocol (it closes after refusing): speak version 1 on a new connection
                control.channel().close();
                version = Protocol.MIN_VERSION;
                control = LineConnection.connect(spec.socketPath(), w.eventLoop(), t);
                control.call(Messages.hello(CLIENT, version), t);
            }
            JsonObject r = control.call(request, t);
            int index = r.get("worker").getAsInt();
            if (r.has("owner")) {
                owner = r.get("owner").getAsInt();
            }
            data = LineConnection.connect(spec.socketPath(), w.eventLoop(), t);
            int window = AppWorker.openData(data, r.get("token").getAsString(), spec.window(), version, t, w);
            synchronized (lock) {
                if (closed) {
                    throw new HoststackException(HoststackException.CLOSED, "the application was closed", (String) null);
                }
                w.install(index, control, data, window, version);
            }
        } catch (HoststackException | RuntimeException e) {
            control.channel().close();
            if (data != null) {
                data.channel().close();
            }
            throw e;
        }
    }

    // ================================================================ reconnect

    /** A worker's connection closed and the application neither closed nor detached: the daemon is lost. */
    void connectionLost(AppWorker w, String why) {
        synchronized (lock) {
            if (closed || reconnecting) {
                return;
            }
            reconnecting = true;
            String reason = w + ": " + why;
            reconnector = new Thread(() -> reconnect(reason), "hoststack-" + spec.app() + "-reconnect");
            reconnector.setDaemon(true);
            reconnector.start();
        }
    }

    private void reconnect(String why) {
        Reconnect policy = spec.reconnect();
        long lost = System.nanoTime();
        LOG.log(System.Logger.Level.WARNING, String.format("app '%s' lost the daemon on %s (%s); reattaching, at most %d"
                + " attempts", spec.app(), spec.socketPath(), why, policy.maxAttempts()));
        try {
            while (true) {
                List<AppWorker> ws = new ArrayList<>(workers);
                ws.sort(Comparator.comparingInt(AppWorker::index));
                long deadline = System.nanoTime() + DRAIN.toNanos();
                for (AppWorker w : ws) {
                    w.awaitConnectionsClosed(deadline);
                }
                int attempt = attempts(policy, ws, lost);
                if (attempt < 0) {
                    giveUp(policy, lost);
                    return;
                }
                synchronized (lock) {
                    if (closed) {
                        return;
                    }
                    if (ws.stream().allMatch(AppWorker::connected)) {
                        reconnecting = false;
                        reattachments.incrementAndGet();
                        LOG.log(System.Logger.Level.INFO, String.format("app '%s' reattached on attempt %d, %d ms after"
                                + " losing the daemon: %d worker(s), listening on %s", spec.app(), attempt,
                                (System.nanoTime() - lost) / 1_000_000, ws.size(), ws.get(0).listens()));
                        break;
                    }
                }
                LOG.log(System.Logger.Level.WARNING, String.format("app '%s' lost the daemon again right after"
                        + " reattaching; reattaching again", spec.app()));
            }
        } catch (InterruptedException e) {
            return; // closed
        }
        for (Runnable r : onReattach) {
            try {
                r.run();
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.WARNING, "an onReattach action failed", e);
            }
        }
    }

    /** Tries until one attempt succeeds; returns its number, or -1 when every attempt failed. */
    private int attempts(Reconnect policy, List<AppWorker> ws, long lost) throws InterruptedException {
        for (int attempt = 1; attempt <= policy.maxAttempts(); attempt++) {
            Duration delay = policy.delay(attempt, ThreadLocalRandom.current().nextDouble());
            LOG.log(System.Logger.Level.INFO, String.format("app '%s': reconnect attempt %d of %d in %d ms (%d ms since"
                    + " the daemon was lost)", spec.app(), attempt, policy.maxAttempts(), delay.toMillis(),
                    (System.nanoTime() - lost) / 1_000_000));
            TimeUnit.NANOSECONDS.sleep(delay.toNanos());
            if (closed) {
                throw new InterruptedException("closed");
            }
            try {
                for (AppWorker w : ws) {
                    connect(w, w == ws.get(0) ? attachRequest() : addWorkerRequest());
                }
                for (AppWorker w : ws) {
                    w.relisten();
                }
                reweigh(ws);
                return attempt;
            } catch (HoststackException e) {
                LOG.log(System.Logger.Level.WARNING, String.format("app '%s': reconnect attempt %d of %d failed: %s",
                        spec.app(), attempt, policy.maxAttempts(), e.getMessage()));
                for (AppWorker w : ws) {
                    w.dropConnections();
                }
            }
        }
        return -1;
    }

    /**
     * Sets this application's weight in the reuseport group on {@code uri}: {@code weight} of
     * {@value Protocol#MIN_WEIGHT}..{@value Protocol#MAX_WEIGHT} (every member has 1 until it sets one). Selectors
     * that use weights ({@code weighted}: smooth weighted round robin over the members) then give it
     * {@code weight} shares for each share of a member of weight 1; the others ignore it. An
     * application sets only its own weight. The weight lasts while the application is a member of
     * that group: once every worker of it has stopped listening there, it is 1 again. After a
     * reconnect it is set again in the groups the application listens on again.
     *
     * <p>Blocks; any thread but a worker's event loop.
     *
     * @param uri the group's endpoint, as a {@link AppWorker#listen} answered it
     * @throws HoststackException the daemon's refusal: INVALID_WEIGHT (out of range), NOT_LISTENING
     *         (no worker of this application listens with reuseport on {@code uri}), INVALID_ENDPOINT
     */
    public void weight(String uri, int weight) throws HoststackException {
        AppWorker w = workers.isEmpty() ? null : workers.get(0);
        if (w == null) {
            throw new HoststackException(HoststackException.CLOSED, "app '" + spec.app() + "' has no worker", "attach again");
        }
        JsonObject r = w.call(Messages.weight(uri, weight));
        weights.put(r.get("uri").getAsString(), weight);
    }

    /** Sets the weights again, after a reconnect, in the groups the application listens on again. */
    private void reweigh(List<AppWorker> ws) throws HoststackException {
        for (Map.Entry<String, Integer> e : weights.entrySet()) {
            if (ws.stream().anyMatch(w -> w.listens().contains(e.getKey()))) {
                ws.get(0).call(Messages.weight(e.getKey(), e.getValue()));
            } else {
                weights.remove(e.getKey());
            }
        }
    }

    private void giveUp(Reconnect policy, long lost) {
        String why = "the daemon did not come back: " + policy.maxAttempts() + " reconnect attempts failed in "
                + (System.nanoTime() - lost) / 1_000_000 + " ms";
        LOG.log(System.Logger.Level.ERROR, String.format("app '%s': %s; giving up", spec.app(), why));
        for (AppWorker w : workers) {
            w.closeChannels(why);
        }
    }

    /**
     * Runs {@code action} after every successful reattach, on the reconnect thread (keep it short).
     */
    public void onReattach(Runnable action) {
        onReattach.add(java.util.Objects.requireNonNull(action, "action"));
    }

    /** How many times the application reattached after losing the daemon. */
    public long reattachments() {
        return reattachments.get();
    }

    /** Whether it has lost the daemon and is reattaching (or gave up). */
    public boolean reconnecting() {
        return reconnecting;
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
        detached = true;
        try {
            w.call(Messages.detach());
        } finally {
            close();
        }
    }

    /**
     * Closes every worker's connections and the event loops it made; stops a reconnect. Idempotent.
     * While connected it first detaches (waiting at most a second for the daemon's answer), so the
     * daemon counts a clean exit rather than workers that died.
     */
    @Override
    public void close() {
        Thread r;
        boolean goodbye;
        synchronized (lock) {
            goodbye = !closed && !detached && !reconnecting;
            closed = true;
            r = reconnector;
        }
        if (goodbye) {
            detachQuietly();
        }
        if (r != null && r != Thread.currentThread()) {
            r.interrupt();
        }
        for (AppWorker w : workers) {
            w.close();
        }
        for (EventLoopGroup g : ownGroups) {
            g.shutdownGracefully(0, 1, TimeUnit.SECONDS);
        }
    }

    private void detachQuietly() {
        AppWorker first = null;
        for (AppWorker w : workers) {
            if (w.eventLoop().inEventLoop()) {
                return; // a blocking call here would wait for itself
            }
            if (first == null && w.connected()) {
                first = w;
            }
        }
        if (first == null) {
            return;
        }
        for (AppWorker w : workers) {
            w.closing();
        }
        detached = true;
        try {
            first.call(Messages.detach(), Duration.ofSeconds(1));
        } catch (HoststackException | RuntimeException e) {
            // closing anyway: the daemon sees the connections end
        }
    }

    /**
     * Asks a daemon for its live counters ({@code show}) on a connection of its own.
     *
     * @return the reply as JSON text
     * @throws HoststackException UNREACHABLE when no daemon answers
     */
    public static String show(Path controlDir, Duration timeout) throws HoststackException {
        return showPages(controlDir, timeout, 1).get(0);
    }

    /**
     * Asks a daemon for its live counters, every page of them ({@code show} lists applications a
     * page at a time, the reply's {@code next} naming the next page), on one connection of its own.
     *
     * @param maxPages the most pages fetched (a page holds up to half a megabyte of applications)
     * @return each page's reply as JSON text, the first first
     * @throws HoststackException UNREACHABLE or ACCESS_DENIED when the daemon cannot be reached
     */
    public static List<String> showPages(Path controlDir, Duration timeout, int maxPages) throws HoststackException {
        EventLoopGroup g = new MultiThreadIoEventLoopGroup(1, EpollIoHandler.newFactory());
        try {
            LineConnection c = LineConnection.connect(controlDir.resolve(AttachSpec.SOCKET_NAME), g.next(), timeout);
            try {
                c.call(Messages.hello(CLIENT), timeout);
                List<String> pages = new ArrayList<>();
                JsonObject page = c.call(Messages.show(), timeout);
                pages.add(page.toString());
                while (pages.size() < maxPages && page.has("next")) {
                    page = c.call(Messages.show(page.get("next").getAsInt()), timeout);
                    pages.add(page.toString());
                }
                return pages;
            } finally {
                c.channel().close();
            }
        } finally {
            g.shutdownGracefully(0, 1, TimeUnit.SECONDS);
        }
    }
}
