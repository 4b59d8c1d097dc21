package dev.hoststack.client;

import com.google.gson.JsonObject;
import dev.hoststack.client.internal.LineConnection;
import dev.hoststack.protocol.Messages;
import dev.hoststack.protocol.Protocol;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoop;
import io.netty.channel.epoll.EpollDomainSocketChannel;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.unix.DomainSocketReadMode;
import io.netty.channel.unix.FileDescriptor;
import io.netty.channel.unix.Socket;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One app worker: a control connection and a data connection to the daemon, on one event loop.
 * Connections handed to it reach its {@link ConnectionHandler} on that event loop.
 *
 * <p>{@link #listen} and {@link #unlisten} block and may be called from any thread but the
 * worker's event loop. The listens it made are kept ({@link #listens()}): when the application
 * has a {@link Reconnect} policy and the daemon goes away, the application reattaches and this
 * same object gets new connections, its index again, and its listens made again (see
 * {@link HoststackApp}). While that happens, {@code listen} and {@code unlisten} fail with
 * {@code CLOSED} or {@code UNREACHABLE}.
 *
 * <h2>Kernel dispatch (protocol version 2)</h2>
 * When the daemon dispatches an endpoint in the kernel, the listen brings this worker a listening
 * socket of its own, one member of the endpoint's SO_REUSEPORT group, over its data connection.
 * Unless its {@link ConnectionHandler} takes the socket ({@link ConnectionHandler#listeningSocket}),
 * the library accepts on it on the worker's event loop (a Netty {@link EpollServerSocketChannel})
 * and gives each connection to the handler: no daemon on the way. It tells the daemon how many it
 * accepted every {@value #REPORT_MS} ms while the count moves ({@code report}). When the daemon is
 * lost, the socket goes on accepting (the kernel keeps the group and its program), so no connection
 * is refused while a new daemon comes; a reconnect's listen brings a new socket, and the old one is
 * closed once the new one accepts (the kernel moves what was queued on it).
 */
public final class AppWorker {

    /**
     * How often a worker with sockets of its own reports its accepted counts, while they move. A
     * second: at 250 ms, six workers' reports cost the daemon 3-4.5 µs per connection at 6-9k
     * connections/s in {@code bench --real --paths kernel-dispatch} (most of it interpreted: a
     * request that comes a few times a second is slow to be compiled); at a second, 1.2.
     */
    static final long REPORT_MS = 1000;

    /** A listening socket of the worker's own (kernel dispatch). */
    private static final class OwnSocket {
        final String uri;
        final int fd;
        /** The library's accepting channel, or null when the handler took the socket. */
        final EpollServerSocketChannel channel;

        OwnSocket(String uri, int fd, EpollServerSocketChannel channel) {
            this.uri = uri;
            this.fd = fd;
            this.channel = channel;
        }
    }

    /** One listen as the application asked for it, with the URI the daemon answered; made again after a reconnect. */
    record Listen(String uri, boolean reuseport, String selector) {
    }

    private final HoststackApp app;
    private final EventLoop loop;
    private final ConnectionHandler handler;
    private final Duration timeout;
    private final List<Listen> listens = new CopyOnWriteArrayList<>();
    private final AtomicLong received = new AtomicLong();
    private final CompletableFuture<String> closed = new CompletableFuture<>();
    private volatile int index = -1;
    private volatile LineConnection control;
    private volatile LineConnection data;
    /** Counts {@link #install}s; close listeners of replaced connections see another value and do nothing. */
    private volatile int generation;
    private volatile int window;
    private volatile boolean closing;
    /** The protocol version of the current connections. */
    private volatile int version = 1;
    /** Listens waiting for their reply (a listening socket may arrive on the data connection meanwhile). */
    private final AtomicInteger listensOutstanding = new AtomicInteger();
    /** Listening sockets by cookie: arrived before their listen's reply read them, or awaited by it. */
    private final ConcurrentHashMap<Long, CompletableFuture<Integer>> arriving = new ConcurrentHashMap<>();
    /** This worker's own listening sockets, by URI. */
    private final ConcurrentHashMap<String, OwnSocket> own = new ConcurrentHashMap<>();
    /** Connections accepted on its own sockets, by URI, over the worker's life (what report sends). */
    private final ConcurrentHashMap<String, AtomicLong> acceptedOwn = new ConcurrentHashMap<>();
    private volatile Map<String, Long> lastReport = Map.of();
    private volatile io.netty.util.concurrent.ScheduledFuture<?> reporter;

    AppWorker(HoststackApp app, EventLoop loop, ConnectionHandler handler, Duration timeout) {
        this.app = app;
        this.loop = loop;
        this.handler = handler;
        this.timeout = timeout;
    }

    /** Puts a confirmed pair of connections in place: the first ones, or a reconnect's. */
    synchronized void install(int workerIndex, LineConnection newControl, LineConnection newData, int grantedWindow,
                              int protocolVersion) {
        int gen = ++generation;
        this.version = protocolVersion;
        this.lastReport = Map.of();
        this.index = workerIndex;
        this.control = newControl;
        this.data = newData;
        this.window = grantedWindow;
        newControl.onEvent(e -> {
            if (Protocol.EVENT_DETACHED.equals(e.has("event") ? e.get("event").getAsString() : "") && gen == generation) {
                closing = true;
                closeChannels("the application was detached");
            }
        });
        newControl.channel().closeFuture().addListener(f -> connectionClosed(gen, "its control connection closed"));
        newData.channel().closeFuture().addListener(f -> connectionClosed(gen, "its data connection closed"));
    }

    /**
     * One of the current connections closed. Closed by the application, or with no reconnect
     * policy: the worker is done. Otherwise the daemon is lost and the application reattaches.
     */
    private void connectionClosed(int gen, String why) {
        if (gen != generation) {
            return; // a connection a reconnect has replaced
        }
        if (closing || !app.spec().reconnect().enabled()) {
            closeChannels(why);
            return;
        }
        app.connectionLost(this, why);
    }

    /** Whether both current connections are open. */
    boolean connected() {
        LineConnection c = control;
        LineConnection d = data;
        return c != null && d != null && c.channel().isActive() && d.channel().isActive();
    }

    /**
     * Waits until both current connections have closed (the daemon's end closes them; a data
     * connection reads the descriptors it still holds before its end), at most until
     * {@code deadlineNanos} ({@link System#nanoTime()}); then closes what is still open.
     */
    void awaitConnectionsClosed(long deadlineNanos) throws InterruptedException {
        for (LineConnection c : new LineConnection[] {control, data}) {
            long left = deadlineNanos - System.nanoTime();
            if (c != null && left > 0) {
                c.channel().closeFuture().await(left, java.util.concurrent.TimeUnit.NANOSECONDS);
            }
        }
        dropConnections();
    }

    /** Closes the current connections without ending the worker (a failed reconnect attempt). */
    void dropConnections() {
        LineConnection c = control;
        LineConnection d = data;
        if (c != null) {
            c.channel().close();
        }
        if (d != null) {
            d.channel().close();
        }
    }

    /**
     * Makes every listen again on the current control connection (a reconnect). A socket of its
     * own that the worker still accepts on is replaced by the new listen's (closed once the new one
     * accepts: the kernel moves what was queued on it to the group's other sockets), or closed
     * when the new daemon hands the endpoint's connections over instead.
     */
    void relisten() throws HoststackException {
        for (Listen l : listens) {
            listenRequest(l.uri(), l.reuseport(), l.selector());
        }
    }

    /**
     * Opens the data connection with the token of an attach or add_worker reply and waits until
     * the daemon confirms it; from then on the connection carries descriptors only, for {@code worker}.
     */
    static int openData(LineConnection data, String token, int window, int version, Duration timeout, AppWorker worker)
            throws HoststackException {
        JsonObject req = Messages.data(token, window, version);
        EpollDomainSocketChannel ch = (EpollDomainSocketChannel) data.channel();
        // A credit that cannot be written (the daemon is gone) must not close the connection before it has read the
        // descriptors still queued on it: those connections are the worker's alone now. The end of input closes it.
        ch.config().setAutoClose(false);
        JsonObject r;
        try {
            r = LineConnection.check(data.send(req, reply -> {
                if (reply.has("ok") && reply.get("ok").getAsBoolean()) {
                    data.stopLines();
                    ch.config().setReadMode(DomainSocketReadMode.FILE_DESCRIPTORS);
                    ch.pipeline().addLast("descriptors", new Descriptors(worker));
                }
            }).get(timeout.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS));
        } catch (java.util.concurrent.TimeoutException e) {
            throw new HoststackException(HoststackException.TIMEOUT, "the daemon did not confirm the data connection", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new HoststackException(HoststackException.CLOSED, "interrupted", e);
        } catch (java.util.concurrent.ExecutionException e) {
            if (e.getCause() instanceof HoststackException h) {
                throw h;
            }
            throw new HoststackException(HoststackException.CLOSED, "the data connection failed", e.getCause());
        }
        return r.get("window").getAsInt();
    }

    /** Takes descriptors: one credit byte per descriptor goes back before the handler sees it. */
    static final class Descriptors extends ChannelInboundHandlerAdapter {
        private final AppWorker worker;
        private final List<FileDescriptor> batch = new ArrayList<>();

        Descriptors(AppWorker worker) {
            this.worker = worker;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (msg instanceof FileDescriptor fd) {
                long cookie = worker.listensOutstanding.get() > 0 ? listeningCookie(fd.intValue()) : 0;
                if (cookie != 0) {
                    // a listening socket of the worker's own, for the listen waiting for its reply: credited as any descriptor
                    ctx.writeAndFlush(ctx.alloc().buffer(1).writeZero(1));
                    worker.arrived(cookie, fd.intValue());
                    return;
                }
                batch.add(fd);
            } else if (msg instanceof ByteBuf b) {
                b.release();
            }
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            if (batch.isEmpty()) {
                return;
            }
            AppWorker w = worker;
            if (w.closing) {
                // not taken: no credit, so the daemon, which still holds them, gives them to another member
                batch.forEach(Descriptors::closeQuietly);
                batch.clear();
                return;
            }
            ByteBuf credits = ctx.alloc().buffer(batch.size());
            credits.writeZero(batch.size());
            ctx.writeAndFlush(credits);
            for (FileDescriptor fd : batch) {
                w.received.incrementAndGet();
                try {
                    w.handler.accepted(w, fd.intValue());
                } catch (Exception | Error e) {
                    closeQuietly(fd);
                    System.err.println("hoststack client: " + w + "'s handler failed: " + e);
                }
            }
            batch.clear();
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }

        private static void closeQuietly(FileDescriptor fd) {
            try {
                fd.close();
            } catch (IOException ignored) {
                // nothing to do
            }
        }
    }

    /** The cookie of {@code fd} if it is a listening socket ({@code SO_ACCEPTCONN}), else 0. */
    static long listeningCookie(int fd) {
        try {
            Socket s = new Socket(fd);
            if (s.getIntOpt(1 /* SOL_SOCKET */, 30 /* SO_ACCEPTCONN */) == 0) {
                return 0;
            }
            ByteBuffer b = ByteBuffer.allocateDirect(8).order(ByteOrder.nativeOrder());
            s.getRawOpt(1, 57 /* SO_COOKIE */, b);
            return b.getLong(0);
        } catch (IOException | RuntimeException e) {
            return 0;
        }
    }

    private void arrived(long cookie, int fd) {
        CompletableFuture<Integer> f = arriving.computeIfAbsent(cookie, c -> new CompletableFuture<>());
        if (!f.complete(fd)) {
            closeFd(fd);
        }
    }

    /** Waits for the listening socket of {@code cookie} on the data connection. */
    private int awaitListeningSocket(long cookie, String uri) throws HoststackException {
        CompletableFuture<Integer> f = arriving.computeIfAbsent(cookie, c -> new CompletableFuture<>());
        try {
            return f.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            throw new HoststackException(HoststackException.TIMEOUT, "the daemon answered the listen on " + uri
                    + " with a socket of this worker's own (cookie " + cookie + "), which did not arrive on its data"
                    + " connection in " + timeout, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new HoststackException(HoststackException.CLOSED, "interrupted", e);
        } catch (ExecutionException e) {
            throw new HoststackException(HoststackException.CLOSED, "the data connection failed", e.getCause());
        } finally {
            arriving.remove(cookie);
        }
    }

    /**
     * Starts serving this worker's own listening socket of {@code uri}: the handler takes it, or the
     * library accepts on it on the worker's event loop. A socket the worker had for {@code uri}
     * before (a reconnect) is closed after.
     */
    private void serveOwn(String uri, int fd) throws HoststackException {
        OwnSocket previous = own.get(uri);
        OwnSocket next;
        boolean taken;
        try {
            taken = handler.listeningSocket(this, uri, fd);
        } catch (Exception e) {
            System.err.println("hoststack client: " + this + "'s handler failed on its listening socket of " + uri + ": " + e);
            taken = false;
        }
        if (taken) {
            next = new OwnSocket(uri, fd, null);
        } else {
            EpollServerSocketChannel ch = new EpollServerSocketChannel(fd);
            ch.pipeline().addLast(new Acceptor(uri));
            try {
                loop.register(ch).sync();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                ch.close();
                throw new HoststackException(HoststackException.CLOSED, "interrupted", e);
            } catch (RuntimeException e) {
                ch.close();
                throw new HoststackException(HoststackException.CLOSED, "could not accept on the listening socket of " + uri, e);
            }
            next = new OwnSocket(uri, fd, ch);
        }
        own.put(uri, next);
        acceptedOwn.computeIfAbsent(uri, u -> new AtomicLong());
        if (previous != null) {
            closeOwn(previous);
        }
        startReporting();
    }

    /** Stops serving an own socket: the library's channel closes (its descriptor with it); a socket the handler took is its own. */
    private static void closeOwn(OwnSocket o) {
        if (o.channel != null) {
            o.channel.close();
        }
    }

    private void stopOwn(String uri) {
        OwnSocket o = own.remove(uri);
        if (o != null) {
            closeOwn(o);
        }
    }

    private static void closeFd(int fd) {
        try {
            new FileDescriptor(fd).close();
        } catch (IOException ignored) {
            // nothing to do
        }
    }

    /** Accepts on one of the worker's own listening sockets: each connection goes to the handler. */
    private final class Acceptor extends ChannelInboundHandlerAdapter {
        private final String uri;
        private final AtomicLong count;

        Acceptor(String uri) {
            this.uri = uri;
            this.count = acceptedOwn.computeIfAbsent(uri, u -> new AtomicLong());
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            EpollSocketChannel child = (EpollSocketChannel) msg;
            count.incrementAndGet();
            received.incrementAndGet();
            if (closing) {
                child.unsafe().closeForcibly();
                return;
            }
            if (handler instanceof ConnectionHandler.Channels c) {
                child.pipeline().addLast(c.initializer());
                loop.register(child);
                return;
            }
            try {
                handler.accepted(AppWorker.this, child.fd().intValue());
            } catch (Exception | Error e) {
                child.unsafe().closeForcibly();
                System.err.println("hoststack client: " + AppWorker.this + "'s handler failed: " + e);
            }
        }

        /**
         * An accept failed. Out of descriptors: pause 100 ms (the kernel's queue holds the
         * connections). Anything else means the socket no longer listens (the daemon shut it down:
         * an unlisten, or the worker left the group): close it.
         */
        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            String m = String.valueOf(cause.getMessage());
            if (m.contains("Too many open files") || m.contains("EMFILE") || m.contains("ENFILE")) {
                ctx.channel().config().setAutoRead(false);
                ctx.channel().eventLoop().schedule(() -> ctx.channel().config().setAutoRead(true), 100, TimeUnit.MILLISECONDS);
                return;
            }
            ctx.close();
            OwnSocket o = own.get(uri);
            if (o != null && o.channel == ctx.channel()) {
                own.remove(uri, o);
            }
        }
    }

    /** Reports the accepted counts every {@value #REPORT_MS} ms while they move (version 2, own sockets only). */
    private void startReporting() {
        if (reporter != null) {
            return;
        }
        synchronized (this) {
            if (reporter == null) {
                reporter = loop.scheduleAtFixedRate(this::report, REPORT_MS, REPORT_MS, TimeUnit.MILLISECONDS);
            }
        }
    }

    private void report() {
        LineConnection c = control;
        if (c == null || !c.channel().isActive() || version < 2 || acceptedOwn.isEmpty()) {
            return;
        }
        Map<String, Long> now = new LinkedHashMap<>();
        acceptedOwn.forEach((u, n) -> now.put(u, n.get()));
        if (now.equals(lastReport)) {
            return;
        }
        lastReport = now;
        c.send(Messages.report(now));
    }

    /** Connections accepted on this worker's own listening sockets (kernel dispatch), by URI, over its life. */
    public Map<String, Long> acceptedOnOwnSockets() {
        Map<String, Long> out = new LinkedHashMap<>();
        acceptedOwn.forEach((u, n) -> out.put(u, n.get()));
        return out;
    }

    /** The URIs on which this worker has a listening socket of its own (kernel dispatch). */
    public List<String> ownSockets() {
        return new ArrayList<>(own.keySet());
    }

    /** The application. */
    public HoststackApp app() {
        return app;
    }

    /** The worker's index in its application (0 for the attach's worker); the same after a reconnect. */
    public int index() {
        return index;
    }

    /** The event loop its connections and callbacks run on. */
    public EventLoop eventLoop() {
        return loop;
    }

    /** The window the daemon granted: descriptors in flight to this worker at most. */
    public int window() {
        return window;
    }

    /** Connections received so far. */
    public long received() {
        return received.get();
    }

    /** The URIs this worker listens on, as the daemon answered them (ports resolved). */
    public List<String> listens() {
        return listens.stream().map(Listen::uri).toList();
    }

    /**
     * Completes with the reason when the worker's connections to the daemon have closed for good:
     * the application closed or detached, or the daemon went away and either the application has
     * no reconnect policy or every attempt failed.
     */
    public CompletableFuture<String> closeFuture() {
        return closed;
    }

    /**
     * Listens on {@code uri} ({@code tcp://ADDRESS/PORT}; port 0 lets the daemon pick one).
     *
     * @param reuseport whether to join (or create) the endpoint's reuseport group
     * @param selector  the group's selector by name, or null for the daemon's default
     * @return the URI the daemon listens on, with the port it bound
     * @throws HoststackException the daemon's refusal (e.g. ALREADY_LISTENING, REUSEPORT_OWNER_MISMATCH)
     */
    public String listen(String uri, boolean reuseport, String selector) throws HoststackException {
        String bound = listenRequest(uri, reuseport, selector);
        listens.add(new Listen(bound, reuseport, selector));
        return bound;
    }

    private String listenRequest(String uri, boolean reuseport, String selector) throws HoststackException {
        listensOutstanding.incrementAndGet();
        try {
            JsonObject r = control.call(Messages.listen(uri, reuseport, selector), timeout);
            String bound = r.get("uri").getAsString();
            if (r.has("dispatch") && Protocol.DISPATCH_KERNEL.equals(r.get("dispatch").getAsString())) {
                serveOwn(bound, awaitListeningSocket(r.get("socket_cookie").getAsLong(), bound));
            } else {
                stopOwn(bound); // a socket of a daemon before a restart, whose successor hands this endpoint off
            }
            return bound;
        } finally {
            listensOutstanding.decrementAndGet();
        }
    }

    /**
     * Stops listening on {@code uri}.
     *
     * @throws HoststackException the daemon's refusal (e.g. NOT_LISTENING)
     */
    public void unlisten(String uri) throws HoststackException {
        control.call(Messages.unlisten(uri), timeout);
        listens.removeIf(l -> l.uri().equals(uri));
        stopOwn(uri);
    }

    /** Sends a request on this worker's control connection (detach). */
    JsonObject call(JsonObject req) throws HoststackException {
        return control.call(req, timeout);
    }

    /** Sends a request on this worker's control connection, waiting at most {@code wait}. */
    JsonObject call(JsonObject req, Duration wait) throws HoststackException {
        return control.call(req, wait);
    }

    /** Marks the worker closing: descriptors still arriving are closed unused. */
    void closing() {
        closing = true;
    }

    /** Closes both connections: the daemon takes the worker out of its groups at once. */
    void close() {
        closing = true;
        closeChannels("closed by the application");
    }

    /**
     * Closes the current connections and the worker's own listening sockets (those the handler
     * took are its own) and ends the worker: its close future completes with {@code why}.
     */
    void closeChannels(String why) {
        dropConnections();
        for (String uri : List.copyOf(own.keySet())) {
            stopOwn(uri);
        }
        io.netty.util.concurrent.ScheduledFuture<?> r = reporter;
        if (r != null) {
            r.cancel(false);
        }
        closed.complete(why);
    }

    /** The protocol version of its current connections to the daemon. */
    public int protocolVersion() {
        return version;
    }

    @Override
    public String toString() {
        return app.name() + "-w" + index;
    }
}
