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
import io.netty.channel.unix.DomainSocketReadMode;
import io.netty.channel.unix.FileDescriptor;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
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
 */
public final class AppWorker {

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

    AppWorker(HoststackApp app, EventLoop loop, ConnectionHandler handler, Duration timeout) {
        this.app = app;
        this.loop = loop;
        this.handler = handler;
        this.timeout = timeout;
    }

    /** Puts a confirmed pair of connections in place: the first ones, or a reconnect's. */
    synchronized void install(int workerIndex, LineConnection newControl, LineConnection newData, int grantedWindow) {
        int gen = ++generation;
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

    /** Makes every listen again on the current control connection (a reconnect). */
    void relisten() throws HoststackException {
        for (Listen l : listens) {
            listenRequest(l.uri(), l.reuseport(), l.selector());
        }
    }

    /**
     * Opens the data connection with the token of an attach or add_worker reply and waits until
     * the daemon confirms it; from then on the connection carries descriptors only, for {@code worker}.
     */
    static int openData(LineConnection data, String token, int window, Duration timeout, AppWorker worker)
            throws HoststackException {
        JsonObject req = Messages.data(token, window);
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
        return control.call(Messages.listen(uri, reuseport, selector), timeout).get("uri").getAsString();
    }

    /**
     * Stops listening on {@code uri}.
     *
     * @throws HoststackException the daemon's refusal (e.g. NOT_LISTENING)
     */
    public void unlisten(String uri) throws HoststackException {
        control.call(Messages.unlisten(uri), timeout);
        listens.removeIf(l -> l.uri().equals(uri));
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

    /** Closes the current connections and ends the worker: its close future completes with {@code why}. */
    void closeChannels(String why) {
        dropConnections();
        closed.complete(why);
    }

    @Override
    public String toString() {
        return app.name() + "-w" + index;
    }
}
