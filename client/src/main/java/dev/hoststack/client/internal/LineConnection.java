package dev.hoststack.client.internal;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.hoststack.client.HoststackException;
import dev.hoststack.protocol.Messages;
import dev.hoststack.protocol.Protocol;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoop;
import io.netty.channel.epoll.EpollDomainSocketChannel;
import io.netty.channel.unix.DomainSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;

/**
 * One connection to the daemon's socket in line mode: JSON requests out, replies matched in order,
 * events to a callback. Requests may be sent from any thread; replies and events arrive on the
 * connection's event loop.
 */
public final class LineConnection extends ChannelInboundHandlerAdapter {

    private static final int MAX_LINE = Protocol.MAX_REPLY;

    private final Channel channel;
    private final ArrayDeque<CompletableFuture<JsonObject>> waiting = new ArrayDeque<>();
    private final ArrayDeque<Consumer<JsonObject>> hooks = new ArrayDeque<>();
    private volatile Consumer<JsonObject> events = e -> { };
    /** A refusal that came before any request (a connection refused at once, then closed), or null. */
    private volatile JsonObject refusal;
    private ByteBuf acc;
    /** Set by a reply callback to stop line handling (the data connection switching to descriptors). */
    private boolean detached;

    private LineConnection(Channel channel) {
        this.channel = channel;
    }

    /**
     * Connects to the socket at {@code path} on {@code loop}.
     *
     * @throws HoststackException {@link HoststackException#UNREACHABLE}
     */
    public static LineConnection connect(Path path, EventLoop loop, Duration timeout) throws HoststackException {
        LineConnection[] holder = new LineConnection[1];
        ChannelFuture f = new Bootstrap().group(loop).channel(EpollDomainSocketChannel.class)
                .handler(new ChannelInboundHandlerAdapter() {
                    @Override
                    public void handlerAdded(ChannelHandlerContext ctx) {
                        LineConnection c = new LineConnection(ctx.channel());
                        holder[0] = c;
                        ctx.pipeline().replace(this, "lines", c);
                    }
                })
                .connect(new DomainSocketAddress(path.toFile()));
        try {
            if (!f.await(timeout.toMillis()) || !f.isSuccess()) {
                f.channel().close();
                throw unreachable(path, f.cause());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            f.channel().close();
            throw new HoststackException(HoststackException.UNREACHABLE, "interrupted connecting to " + path, e);
        }
        return holder[0];
    }

    /**
     * Why connecting to {@code path} failed, said so that a user can act: no socket file, a
     * socket whose mode does not admit this process (EACCES), or a socket no daemon answers on.
     */
    static HoststackException unreachable(Path path, Throwable cause) {
        Throwable why = cause == null ? new TimeoutException("no answer") : cause;
        String text = String.valueOf(why.getMessage());
        if (!java.nio.file.Files.exists(path, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            Path dir = path.getParent();
            return new HoststackException(HoststackException.UNREACHABLE, "no daemon: " + path + " does not exist"
                    + (dir != null && !java.nio.file.Files.isDirectory(dir) ? " (nor does " + dir + ")" : "")
                    + "; start one with hoststack daemon --control " + dir + ", or give the --control directory it uses", why);
        }
        if (text.contains("Permission denied") || text.contains("EACCES")) {
            return new HoststackException(HoststackException.ACCESS_DENIED, "permission denied connecting to " + path
                    + describe(path) + ": connecting needs write permission on the socket and search permission on its"
                    + " directory; run as a user the socket's mode admits, or start the daemon with --socket-mode 0666", why);
        }
        if (text.contains("Connection refused") || text.contains("ECONNREFUSED")) {
            return new HoststackException(HoststackException.UNREACHABLE, "no daemon answers on " + path + " (the socket"
                    + " file is there but nothing listens: a daemon that was killed left it)", why);
        }
        return new HoststackException(HoststackException.UNREACHABLE, "no daemon answers on " + path + ": " + text, why);
    }

    private static String describe(Path path) {
        try {
            var a = java.nio.file.Files.readAttributes(path, java.nio.file.attribute.PosixFileAttributes.class,
                    java.nio.file.LinkOption.NOFOLLOW_LINKS);
            int uid = (Integer) java.nio.file.Files.getAttribute(path, "unix:uid", java.nio.file.LinkOption.NOFOLLOW_LINKS);
            int gid = (Integer) java.nio.file.Files.getAttribute(path, "unix:gid", java.nio.file.LinkOption.NOFOLLOW_LINKS);
            int self = (Integer) java.nio.file.Files.getAttribute(Path.of("/proc/self"), "unix:uid");
            return " (mode " + java.nio.file.attribute.PosixFilePermissions.toString(a.permissions()) + ", owner uid " + uid
                    + " gid " + gid + "; this process is uid " + self + ")";
        } catch (java.io.IOException | RuntimeException e) {
            return "";
        }
    }

    /** The channel. */
    public Channel channel() {
        return channel;
    }

    /** Where unsolicited messages ({@code event}) go; called on the event loop. */
    public void onEvent(Consumer<JsonObject> handler) {
        this.events = handler;
    }

    /** Sends a request; the future completes with the reply (ok or not) on the event loop. */
    public CompletableFuture<JsonObject> send(JsonObject request) {
        return send(request, null);
    }

    /**
     * Sends a request; {@code inLoop}, if not null, sees the reply on the event loop before any
     * later byte is read (the data connection switches to descriptors there).
     */
    public CompletableFuture<JsonObject> send(JsonObject request, Consumer<JsonObject> inLoop) {
        Consumer<JsonObject> hook = inLoop == null ? r -> { } : inLoop;
        CompletableFuture<JsonObject> f = new CompletableFuture<>();
        String line = request.toString() + "\n";
        channel.eventLoop().execute(() -> {
            if (!channel.isActive()) {
                f.completeExceptionally(closed());
                return;
            }
            waiting.addLast(f);
            hooks.addLast(hook);
            channel.writeAndFlush(Unpooled.copiedBuffer(line, StandardCharsets.UTF_8));
        });
        return f;
    }

    /**
     * Sends a request and waits for an ok reply.
     *
     * @throws HoststackException the daemon's refusal, or TIMEOUT / CLOSED
     */
    public JsonObject call(JsonObject request, Duration timeout) throws HoststackException {
        if (channel.eventLoop().inEventLoop()) {
            throw new IllegalStateException("a blocking call on the worker's own event loop would never return;"
                    + " call it from another thread");
        }
        try {
            return check(send(request).get(timeout.toMillis(), TimeUnit.MILLISECONDS));
        } catch (TimeoutException e) {
            throw new HoststackException(HoststackException.TIMEOUT, "no reply in " + timeout + " to " + request, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new HoststackException(HoststackException.CLOSED, "interrupted waiting for a reply", e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof HoststackException h) {
                throw h;
            }
            throw new HoststackException(HoststackException.CLOSED, "the request failed", e.getCause());
        }
    }

    /** The reply if ok; its error as an exception otherwise. */
    public static JsonObject check(JsonObject reply) throws HoststackException {
        if (Messages.isOk(reply)) {
            return reply;
        }
        throw new HoststackException(text(reply, "error", "ERROR"), text(reply, "message", reply.toString()),
                text(reply, "hint", null));
    }

    private static String text(JsonObject o, String k, String def) {
        JsonElement e = o.get(k);
        return e == null || e.isJsonNull() ? def : e.getAsString();
    }

    /**
     * Stops line handling from now on (call on the event loop, from a reply's callback): the data
     * connection does this before switching to descriptors.
     */
    public void stopLines() {
        detached = true;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        acc = ctx.alloc().buffer(512);
        ctx.fireChannelActive();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (detached) {
            ctx.fireChannelRead(msg);
            return;
        }
        ByteBuf in = (ByteBuf) msg;
        try {
            if (acc == null) {
                acc = ctx.alloc().buffer(512);
            }
            acc.writeBytes(in);
        } finally {
            in.release();
        }
        while (!detached) {
            int nl = acc.indexOf(acc.readerIndex(), acc.writerIndex(), (byte) '\n');
            if (nl < 0) {
                if (acc.readableBytes() > MAX_LINE) {
                    fail(ctx, "the daemon sent a line longer than " + MAX_LINE + " bytes (a daemon of another protocol?)");
                }
                break;
            }
            String line = acc.toString(acc.readerIndex(), nl - acc.readerIndex(), StandardCharsets.UTF_8);
            acc.readerIndex(nl + 1);
            if (line.isBlank()) {
                continue;
            }
            JsonObject o;
            try {
                o = JsonParser.parseString(line).getAsJsonObject();
            } catch (RuntimeException e) {
                fail(ctx, "the daemon sent a line that is no JSON object: " + dev.hoststack.protocol.Fields.abbreviate(line));
                return;
            }
            if (Messages.isEvent(o)) {
                events.accept(o);
            } else {
                CompletableFuture<JsonObject> f = waiting.pollFirst();
                if (f == null && !Messages.isOk(o)) {
                    refusal = o; // refused before any request: the next request gets it
                    continue;
                }
                Consumer<JsonObject> hook = hooks.pollFirst();
                if (hook != null) {
                    hook.accept(o);
                }
                if (f != null) {
                    f.complete(o);
                }
            }
        }
        acc.discardReadBytes();
    }

    /** CLOSED, or the refusal the daemon sent before it closed a connection it would not keep. */
    private HoststackException closed() {
        JsonObject r = refusal;
        if (r != null) {
            try {
                check(r);
            } catch (HoststackException e) {
                return e;
            }
        }
        return new HoststackException(HoststackException.CLOSED, "the daemon closed the connection", (String) null);
    }

    /** Fails every waiting request with {@code BAD_REPLY} and closes. */
    private void fail(ChannelHandlerContext ctx, String why) {
        CompletableFuture<JsonObject> f;
        hooks.clear();
        while ((f = waiting.pollFirst()) != null) {
            f.completeExceptionally(new HoststackException(HoststackException.BAD_REPLY, why, (String) null));
        }
        detached = true;
        ctx.close();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        if (acc != null) {
            acc.release();
            acc = null;
        }
        CompletableFuture<JsonObject> f;
        hooks.clear();
        while ((f = waiting.pollFirst()) != null) {
            f.completeExceptionally(closed());
        }
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        ctx.close();
    }
}
