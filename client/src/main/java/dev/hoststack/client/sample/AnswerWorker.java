package dev.hoststack.client.sample;

import dev.hoststack.client.AppWorker;
import dev.hoststack.client.AttachSpec;
import dev.hoststack.client.ConnectionHandler;
import dev.hoststack.client.HoststackApp;
import dev.hoststack.client.HoststackException;
import dev.hoststack.client.Reconnect;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.epoll.EpollChannelOption;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.util.concurrent.ScheduledFuture;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * {@code hoststack worker}: attaches an application with N workers, listens on a URI through the
 * daemon, and answers each connection with
 * {@code HTTP/1.0 200 OK ... app=NAME worker=W pid=P via=daemon}. With {@code --kernel URI} each
 * worker also holds a socket of the kernel's own SO_REUSEPORT group on that URI and answers there
 * with {@code via=kernel}, so one set of processes serves both paths. With {@code --direct HOST}
 * each worker also listens on a port of its own on HOST (a plain socket, no group) and answers
 * there with {@code via=direct}: what a userspace proxy in front of the workers connects to.
 *
 * <p>Prints {@code ready app=.. workers=.. pid=.. uri=.. [kernel_uri=..] [direct_uris=URI,URI,..]} once it
 * listens, or
 * {@code error CODE message} and exits with 3 if the daemon refuses (with 4 when the code is the
 * library's {@code UNREACHABLE}, {@code TIMEOUT} or {@code CLOSED}: no daemon answered). It exits
 * with 4 when the daemon goes away; with {@code --reconnect} it reattaches instead ({@link Reconnect#backoff()},
 * {@code --reconnect-attempts} and {@code --reconnect-max-delay} change it), prints
 * {@code reattached app=.. workers=.. pid=.. uri=.. count=N} each time, and exits with 4 only
 * when every attempt failed.
 *
 * <p>For tests: {@code --stall-after N} stops worker 0's event loop (descriptors then pile up
 * unread) on its connection N+1, for {@code --stall-for MS} (default: for ever), printing
 * {@code stalled worker=0 connection=N+1} as it stops (the connection is then taken: credited, or
 * accepted on a socket of its own) and {@code resumed worker=0 connection=N+1} when it goes on, so
 * that a test can wait for the stall itself rather than guess when it came;
 * {@code --answer-after MS} answers each connection that long after taking it; {@code --protocol 1}
 * speaks protocol version 1 (a version-1 client: never a listening socket of its own).
 */
public final class AnswerWorker {

    /** The options. */
    public static final String USAGE = "usage: hoststack worker --control DIR --app NAME --listen URI [--workers N]"
            + " [--reuseport] [--selector NAME] [--weight N] [--namespace NS --secret N] [--window N] [--kernel URI] [--direct HOST]"
            + " [--reconnect [--reconnect-attempts N] [--reconnect-max-delay MS]]"
            + " [--stall-after N [--stall-for MS]] [--answer-after MS] [--protocol 1|2]";

    private final String app;
    private final long pid = ProcessHandle.current().pid();
    private final AtomicLong answered = new AtomicLong();
    private volatile long stallAfter = -1;
    private volatile long stallForMillis = -1;
    private volatile long answerAfterMillis;
    /** Where the stall lines go (the ready line's stream). */
    private volatile PrintStream out = System.out;

    private AnswerWorker(String app) {
        this.app = app;
    }

    /** The response body for one connection. */
    public static String body(String app, int worker, long pid, String via) {
        return "app=" + app + " worker=" + worker + " pid=" + pid + " via=" + via + "\n";
    }

    /** A per-connection handler that answers with the line, shuts its output, and closes when the client does. */
    private ChannelHandler answer(int worker, String via) {
        byte[] bytes = response(body(app, worker, pid, via));
        return new ChannelInitializer<Channel>() {
            @Override
            protected void initChannel(Channel ch) {
                ch.pipeline().addLast(new Answer(bytes));
            }
        };
    }

    private final class Answer extends ChannelInboundHandlerAdapter {
        private final byte[] bytes;
        private ScheduledFuture<?> idle;
        private boolean sent;
        private boolean inputEnded;

        Answer(byte[] bytes) {
            this.bytes = bytes;
        }

        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            Channel ch = ctx.channel();
            long delay = answerAfterMillis;
            if (delay > 0) {
                // a client that has sent its request and shut its output must not close the connection before the answer
                ch.config().setOption(ChannelOption.ALLOW_HALF_CLOSURE, true);
                ch.eventLoop().schedule(() -> answer(ch), delay, TimeUnit.MILLISECONDS);
            } else {
                answer(ch);
            }
            idle = ch.eventLoop().schedule(() -> {
                ch.close();
            }, delay + 10_000, TimeUnit.MILLISECONDS);
            ch.closeFuture().addListener(f -> idle.cancel(false));
        }

        private void answer(Channel ch) {
            if (!ch.isActive()) {
                return;
            }
            ch.writeAndFlush(Unpooled.wrappedBuffer(bytes)).addListener(f -> {
                answered.incrementAndGet();
                sent = true;
                if (inputEnded) {
                    ch.close();
                } else {
                    ((EpollSocketChannel) ch).shutdownOutput();
                }
            });
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            if (evt instanceof ChannelInputShutdownEvent) {
                inputEnded = true;
                if (sent) {
                    ctx.close();
                }
            }
            ctx.fireUserEventTriggered(evt);
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ((ByteBuf) msg).release();
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }

    private static byte[] response(String body) {
        return ("HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\nContent-Length: " + body.length()
                + "\r\nConnection: close\r\n\r\n" + body).getBytes(StandardCharsets.US_ASCII);
    }

    /** Runs until the daemon goes away; returns the exit code. */
    public static int run(String[] args, PrintStream out, PrintStream err) {
        String control = null;
        String appName = null;
        String uri = null;
        String kernel = null;
        String direct = null;
        String selector = null;
        Integer weight = null;
        String namespace = "default";
        long secret = 0;
        int workers = 1;
        int window = 64;
        int protocol = dev.hoststack.protocol.Protocol.VERSION;
        long stall = -1;
        long stallFor = -1;
        long answerAfter = 0;
        boolean reuseport = false;
        Reconnect reconnect = Reconnect.NEVER;
        try {
            for (int i = 0; i < args.length; i++) {
                String a = args[i];
                if (a.equals("--reuseport")) {
                    reuseport = true;
                    continue;
                }
                if (a.equals("--reconnect")) {
                    reconnect = reconnect.enabled() ? reconnect : Reconnect.backoff();
                    continue;
                }
                if (i + 1 >= args.length) {
                    throw new IllegalArgumentException("option " + a + " needs a value");
                }
                String v = args[++i];
                switch (a) {
                    case "--control" -> control = v;
                    case "--app" -> appName = v;
                    case "--listen" -> uri = v;
                    case "--kernel" -> kernel = v;
                    case "--direct" -> direct = v;
                    case "--selector" -> selector = v;
                    case "--weight" -> weight = Integer.parseInt(v);
                    case "--namespace" -> namespace = v;
                    case "--secret" -> secret = Long.parseLong(v);
                    case "--workers" -> workers = Integer.parseInt(v);
                    case "--window" -> window = Integer.parseInt(v);
                    case "--protocol" -> protocol = Integer.parseInt(v);
                    case "--stall-after" -> stall = Long.parseLong(v);
                    case "--stall-for" -> stallFor = Long.parseLong(v);
                    case "--answer-after" -> answerAfter = Long.parseLong(v);
                    case "--reconnect-attempts" -> reconnect = (reconnect.enabled() ? reconnect : Reconnect.backoff())
                            .withMaxAttempts(Integer.parseInt(v));
                    case "--reconnect-max-delay" -> {
                        Reconnect r = reconnect.enabled() ? reconnect : Reconnect.backoff();
                        Duration max = Duration.ofMillis(Long.parseLong(v));
                        reconnect = r.withDelays(r.initialDelay().compareTo(max) > 0 ? max : r.initialDelay(), max);
                    }
                    default -> throw new IllegalArgumentException("unknown option " + a);
                }
            }
            if (control == null || appName == null || uri == null || workers < 1) {
                throw new IllegalArgumentException("--control, --app and --listen are required, --workers at least 1");
            }
            if (!dev.hoststack.protocol.Protocol.supported(protocol)) {
                throw new IllegalArgumentException("--protocol " + protocol + ": this library speaks versions "
                        + dev.hoststack.protocol.Protocol.MIN_VERSION + " to " + dev.hoststack.protocol.Protocol.VERSION);
            }
        } catch (IllegalArgumentException e) {
            err.println("hoststack worker: " + e.getMessage() + "\n" + USAGE);
            return 2;
        }
        if (System.getProperty("java.util.logging.SimpleFormatter.format") == null) {
            // one line per record, for the library's reconnect log
            System.setProperty("java.util.logging.SimpleFormatter.format", "%1$tT.%1$tL %4$s %3$s: %5$s%6$s%n");
        }
        AnswerWorker me = new AnswerWorker(appName);
        me.stallAfter = stall;
        me.stallForMillis = stallFor;
        me.answerAfterMillis = answerAfter;
        me.out = out;
        HoststackApp app = null;
        List<Channel> kernelSockets = new ArrayList<>();
        try {
            AttachSpec spec = AttachSpec.of(Path.of(control), appName).inNamespace(namespace, secret).withWindow(window)
                    .withReconnect(reconnect).withProtocolVersion(protocol);
            app = HoststackApp.attach(spec, me.handler(0));
            // SIGTERM (or SIGINT) is a clean exit: the application detaches, and the daemon counts it as left, not died
            HoststackApp stopping = app;
            Runtime.getRuntime().addShutdownHook(new Thread(stopping::close, "hoststack-worker-stop"));
            for (int w = 1; w < workers; w++) {
                app.addWorker(me.handler(w));
            }
            String bound = uri;
            for (AppWorker w : app.workers()) {
                bound = w.listen(bound, reuseport, selector);
            }
            if (weight != null) {
                app.weight(bound, weight);
            }
            String kernelBound = null;
            if (kernel != null) {
                kernelBound = kernel;
                for (AppWorker w : app.workers()) {
                    Channel s = me.kernelSocket(w, kernelBound, true, "kernel");
                    kernelSockets.add(s);
                    int port = ((InetSocketAddress) s.localAddress()).getPort();
                    kernelBound = kernelBound.substring(0, kernelBound.lastIndexOf('/') + 1) + port;
                }
            }
            StringBuilder directUris = new StringBuilder();
            if (direct != null) {
                String host = direct.contains(":") && !direct.startsWith("[") ? "[" + direct + "]" : direct;
                for (AppWorker w : app.workers()) {
                    Channel s = me.kernelSocket(w, "tcp://" + host + "/0", false, "direct");
                    kernelSockets.add(s);
                    directUris.append(directUris.length() == 0 ? "" : ",").append("tcp://").append(host).append('/')
                            .append(((InetSocketAddress) s.localAddress()).getPort());
                }
            }
            out.println("ready app=" + appName + " workers=" + workers + " pid=" + me.pid + " uri=" + bound
                    + (kernelBound != null ? " kernel_uri=" + kernelBound : "")
                    + (direct != null ? " direct_uris=" + directUris : ""));
            out.flush();
            HoststackApp attached = app;
            String served = bound;
            String reattached = "reattached app=" + appName + " workers=" + workers + " pid=" + me.pid + " uri=";
            app.onReattach(() -> {
                out.println(reattached + served
                        + " count=" + attached.reattachments());
                out.flush();
            });
            Object why = CompletableFuture.anyOf(app.workers().stream().map(AppWorker::closeFuture)
                    .toArray(CompletableFuture[]::new)).join();
            err.println("hoststack worker " + appName + ": " + why + "; exiting");
            return 4;
        } catch (HoststackException e) {
            out.println("error " + e.code() + " " + e.getMessage());
            out.flush();
            // the library's own codes mean no daemon answered (or it went away mid-request): not a refusal
            return switch (e.code()) {
                case HoststackException.UNREACHABLE, HoststackException.TIMEOUT, HoststackException.CLOSED -> 4;
                default -> 3;
            };
        } finally {
            for (Channel s : kernelSockets) {
                s.close();
            }
            if (app != null) {
                app.close();
            }
        }
    }

    private ConnectionHandler handler(int worker) {
        ConnectionHandler channels = ConnectionHandler.channels(answer(worker, "daemon"));
        if (stallAfter < 0) {
            // The library's own Channels handler, unwrapped: on a listening socket of the worker's own (kernel dispatch)
            // the library then adds the initializer to the channel it accepted, as Netty's ServerBootstrap does. Behind a
            // wrapper it could only hand the descriptor over, and the wrapper would make a second channel of it
            // (getsockname, getpeername, SO_ERROR and one more object per connection: measured 1.2-1.4x the kernel
            // group's worker CPU per connection in bench --real --dispatch kernel).
            return channels;
        }
        AtomicLong taken = new AtomicLong();
        return (w, fd) -> {
            if (stallAfter >= 0 && w.index() == 0) {
                long n = taken.incrementAndGet();
                if (stallForMillis < 0 && n > stallAfter) {
                    // a hung worker, for tests: its event loop stops, descriptors pile up unread
                    stallLine("stalled", n);
                    Thread.sleep(Long.MAX_VALUE);
                } else if (n == stallAfter + 1) {
                    // a slow worker, for tests: its event loop stops for a while, then it catches up
                    stallLine("stalled", n);
                    Thread.sleep(stallForMillis);
                    stallLine("resumed", n);
                }
            }
            channels.accepted(w, fd);
        };
    }

    private void stallLine(String what, long connection) {
        PrintStream o = out;
        o.println(what + " worker=0 connection=" + connection);
        o.flush();
    }

    /**
     * A listening socket of the worker's on {@code uri}, served on its event loop and answering with
     * {@code via}: one of the kernel's SO_REUSEPORT group ({@code reuseport}), or a port of its own.
     */
    private Channel kernelSocket(AppWorker w, String uri, boolean reuseport, String via) throws HoststackException {
        String rest = uri.substring(uri.indexOf("://") + 3);
        int slash = rest.lastIndexOf('/');
        String host = rest.substring(0, slash).replace("[", "").replace("]", "");
        int port = Integer.parseInt(rest.substring(slash + 1));
        try {
            return new ServerBootstrap().group(w.eventLoop())
                    .channelFactory(() -> new EpollServerSocketChannel(host.contains(":")
                            ? io.netty.channel.socket.SocketProtocolFamily.INET6 : io.netty.channel.socket.SocketProtocolFamily.INET))
                    .option(EpollChannelOption.SO_REUSEPORT, reuseport)
                    .option(ChannelOption.SO_BACKLOG, 4096)
                    .childHandler(answer(w.index(), via))
                    .bind(new InetSocketAddress(host, port)).sync().channel();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new HoststackException("TRANSPORT", "interrupted binding " + uri, e);
        } catch (Exception e) {
            throw new HoststackException("TRANSPORT", "the kernel refused " + uri + ": " + e.getMessage(), e);
        }
    }

    /** {@code java -cp ... dev.hoststack.client.sample.AnswerWorker --control DIR --app NAME --listen URI ...}. */
    public static void main(String[] args) {
        System.exit(run(args, System.out, System.err));
    }
}
