package dev.hoststack.daemon;

import com.google.gson.JsonObject;
import dev.hoststack.daemon.internal.Core;
import dev.hoststack.daemon.internal.Startup;
import dev.hoststack.protocol.Protocol;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.WriteBufferWaterMark;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.function.Consumer;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollDomainSocketChannel;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerDomainSocketChannel;
import io.netty.channel.unix.DomainSocketAddress;
import java.io.IOException;
import java.io.PrintStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.EnumSet;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A running hoststack daemon: the stack on one event-loop thread, a control socket in the control
 * directory, and a real listening socket per endpoint its applications listen on.
 *
 * <pre>{@code
 * try (Daemon d = Daemon.start(DaemonConfig.builder(Path.of("/run/hoststack")).build())) {
 *     d.awaitClosed();
 * }
 * }</pre>
 *
 * <p>Thread-safe: {@link #show()} and {@link #close()} may be called from any thread.
 */
public final class Daemon implements AutoCloseable {

    private final DaemonConfig config;
    private final EventLoopGroup group;
    private final EventLoop loop;
    private final Core core;
    private final Channel server;
    private final ChannelGroup connections;
    private final FileChannel lockFile;
    private final CountDownLatch closed = new CountDownLatch(1);
    private volatile boolean closing;
    private volatile Throwable fatal;

    private Daemon(DaemonConfig config, EventLoopGroup group, EventLoop loop, Core core, Channel server,
                   ChannelGroup connections, FileChannel lockFile) {
        this.config = config;
        this.group = group;
        this.loop = loop;
        this.core = core;
        this.server = server;
        this.connections = connections;
        this.lockFile = lockFile;
    }

    /** The lock file's name in the control directory: one daemon per directory. */
    public static final String LOCK_NAME = "hoststack.lock";

    /**
     * Loads now what logging would load lazily: under descriptor exhaustion a lazy load (the time
     * zone rules behind a log record's time stamp, say) fails, and the error would reach the event
     * loop from inside a log call.
     */
    static void warmUp() {
        try {
            java.util.logging.LogManager.getLogManager();
            java.util.logging.Logger.getLogger("io.netty").isLoggable(java.util.logging.Level.WARNING);
            new java.util.logging.SimpleFormatter().format(new java.util.logging.LogRecord(java.util.logging.Level.INFO, "warm-up"));
            java.time.ZoneId.systemDefault().getRules();
            String.format("%04o %s %.1f", 1, "x", 1.0);
        } catch (RuntimeException | Error ignored) {
            // best effort
        }
    }

    /**
     * Starts a daemon: makes the control directory if needed, replaces a stale socket file, binds
     * the control socket and sets its mode.
     *
     * @throws IOException if the directory cannot be made, a daemon already answers there, or the
     *         socket cannot be bound
     */
    public static Daemon start(DaemonConfig config, PrintStream log) throws IOException {
        return start(config, log, null);
    }

    /**
     * Starts a daemon; {@code onFatal}, if not null, is told (on the event loop) when the daemon
     * cannot go on (an {@link Error} such as OutOfMemoryError, or its event loop ended without
     * {@link #close()}); without one the daemon closes itself then.
     *
     * @throws IOException if the control directory is unsafe ({@link ControlDirectory}), a daemon
     *         already runs there, or the socket cannot be bound
     */
    public static Daemon start(DaemonConfig config, PrintStream log, Consumer<Throwable> onFatal) throws IOException {
        if (!Epoll.isAvailable()) {
            throw new IOException("Netty's native epoll transport is not available here: " + Epoll.unavailabilityCause());
        }
        warmUp();
        int uid = Startup.effectiveUid();
        Path dir = ControlDirectory.prepare(config.controlDir(), config.socketMode(), uid);
        FileChannel lock = FileChannel.open(dir.resolve(LOCK_NAME), StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                java.nio.file.LinkOption.NOFOLLOW_LINKS);
        FileLock held;
        try {
            held = lock.tryLock();
        } catch (java.nio.channels.OverlappingFileLockException e) {
            held = null; // a daemon of this JVM holds it
        } catch (IOException | RuntimeException e) {
            lock.close();
            throw new IOException("could not lock " + dir.resolve(LOCK_NAME) + ": " + e.getMessage(), e);
        }
        Path socket = config.socketPath();
        if (held == null) {
            lock.close();
            throw new IOException("a daemon already answers on " + socket + " (it holds " + dir.resolve(LOCK_NAME)
                    + "); stop it or use another --control directory");
        }
        if (Files.exists(socket, java.nio.file.LinkOption.NOFOLLOW_LINKS) && answers(socket)) {
            lock.close();
            throw new IOException("a daemon already answers on " + socket + "; stop it or use another --control directory");
        }
        try {
            return start(config, log, onFatal, socket, lock);
        } catch (IOException | RuntimeException e) {
            lock.close();
            throw e;
        }
    }

    private static Daemon start(DaemonConfig config, PrintStream log, Consumer<Throwable> onFatal, Path socket,
                                FileChannel lock) throws IOException {
        Startup startup = Startup.measure(config);
        Daemon[] self = new Daemon[1];
        Consumer<Throwable> fatal = e -> {
            Daemon d = self[0];
            if (d != null) {
                d.fatal = e;
            }
            if (onFatal != null) {
                onFatal.accept(e);
            } else if (d != null) {
                new Thread(d::close, "hoststack-daemon-fatal").start();
            }
        };
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, r -> {
            Thread t = new Thread(r, "hoststack-daemon");
            t.setDaemon(false);
            return t;
        }, EpollIoHandler.newFactory());
        EventLoop loop = group.next();
        try {
            Core core = loop.submit(() -> new Core(config, loop, log, startup, fatal)).get(30, TimeUnit.SECONDS);
            // the control-socket connections, closed by close(): an event loop's shutdown alone did not always close them,
            // and an application of a daemon stopped inside a JVM must see its connections end to reattach
            ChannelGroup connections = new DefaultChannelGroup("hoststack-daemon-connections", loop);
            int out = config.limits().maxPendingOutput();
            // bound in a directory of its own that only this user can enter, its mode set there, then renamed into
            // place: no one can swap a link in between (and the rename replaces a stale socket file atomically)
            Path privateDir = Files.createTempDirectory(socket.getParent(), ".bind-",
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            Path bound = privateDir.resolve(Protocol.SOCKET_NAME);
            Channel server;
            try {
                server = new ServerBootstrap()
                        .group(loop)
                        .channel(EpollServerDomainSocketChannel.class)
                        .handler(new ControlAcceptFailures(core))
                        .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK, new WriteBufferWaterMark(out / 2, out))
                        .childHandler(new ChannelInitializer<EpollDomainSocketChannel>() {
                            @Override
                            protected void initChannel(EpollDomainSocketChannel ch) {
                                connections.add(ch);
                                ch.pipeline().addLast(core.newConnection());
                            }
                        })
                        .bind(new DomainSocketAddress(bound.toFile()))
                        .sync()
                        .channel();
                Files.setPosixFilePermissions(bound, mode(config.socketMode()));
                Files.move(bound, socket, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } finally {
                Files.deleteIfExists(bound);
                Files.deleteIfExists(privateDir);
            }
            loop.submit(core::start).get(10, TimeUnit.SECONDS);
            Daemon d = new Daemon(config, group, loop, core, server, connections, lock);
            self[0] = d;
            group.terminationFuture().addListener(f -> {
                if (!d.closing) {
                    fatal.accept(new IllegalStateException("the daemon's event loop ended without close()"));
                }
            });
            log.println("hoststack daemon: control directory " + socket.getParent() + " checked (owner uid " + startup.uid()
                    + ", no one else may write it); descriptor limit " + startup.descriptorLimit());
            log.println("hoststack daemon: control socket " + socket + " (mode " + String.format("%04o", config.socketMode())
                    + "), protocol versions " + Protocol.MIN_VERSION + " to " + Protocol.VERSION + ", pid " + ProcessHandle.current().pid());
            return d;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
            throw new IOException("interrupted while starting", e);
        } catch (ExecutionException | TimeoutException | RuntimeException | IOException e) {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
            Throwable c = e instanceof ExecutionException ? e.getCause() : e;
            throw new IOException("the daemon could not start: " + c, c);
        }
    }

    /**
     * Failures to accept on the control socket (EMFILE, ENFILE...): counted and logged without
     * Netty's own logging, and accepting pauses 100 ms (the socket stays readable, so retrying at
     * once would spin); the backlog holds the waiting connections meanwhile.
     */
    private static final class ControlAcceptFailures extends ChannelInboundHandlerAdapter {
        private final Core core;
        private boolean paused;

        ControlAcceptFailures(Core core) {
            this.core = core;
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            core.controlAcceptFailed(cause);
            if (!paused) {
                paused = true;
                ctx.channel().config().setAutoRead(false);
                ctx.channel().eventLoop().schedule(() -> {
                    paused = false;
                    ctx.channel().config().setAutoRead(true);
                }, 100, TimeUnit.MILLISECONDS);
            }
        }
    }

    /** What made the daemon stop on its own (an Error, or its event loop ending), or null. */
    public Throwable fatal() {
        return fatal;
    }

    /** Starts a daemon logging to standard error. */
    public static Daemon start(DaemonConfig config) throws IOException {
        return start(config, System.err);
    }

    private static boolean answers(Path socket) {
        try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            ch.connect(UnixDomainSocketAddress.of(socket));
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** The permission set of a mode such as {@code 0660}. */
    static Set<PosixFilePermission> mode(int mode) {
        Set<PosixFilePermission> s = EnumSet.noneOf(PosixFilePermission.class);
        PosixFilePermission[] bits = {
            PosixFilePermission.OTHERS_EXECUTE, PosixFilePermission.OTHERS_WRITE, PosixFilePermission.OTHERS_READ,
            PosixFilePermission.GROUP_EXECUTE, PosixFilePermission.GROUP_WRITE, PosixFilePermission.GROUP_READ,
            PosixFilePermission.OWNER_EXECUTE, PosixFilePermission.OWNER_WRITE, PosixFilePermission.OWNER_READ};
        for (int i = 0; i < bits.length; i++) {
            if ((mode & 1 << i) != 0) {
                s.add(bits[i]);
            }
        }
        return s;
    }

    /** Its configuration. */
    public DaemonConfig config() {
        return config;
    }

    /** The control socket's path. */
    public Path socketPath() {
        return config.socketPath();
    }

    /** The live counters, as {@code show} answers them. */
    public JsonObject show() {
        try {
            return loop.submit(core::show).get(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("show failed: " + e, e);
        }
    }

    /** Blocks until {@link #close()} has run. */
    public void awaitClosed() throws InterruptedException {
        closed.await();
    }

    /**
     * Stops: closes the control socket and its connections (applications see them end), every
     * listening socket, and the daemon's copies of connections it holds; removes the socket file.
     * Idempotent.
     */
    @Override
    public void close() {
        if (closing) {
            return;
        }
        closing = true;
        try {
            loop.submit(() -> {
                server.close();
                core.shutdown();
                connections.close();
            }).get(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException e) {
            // closing anyway
        } finally {
            group.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
            try {
                Files.deleteIfExists(config.socketPath());
            } catch (IOException ignored) {
                // the next start replaces a stale file
            }
            try {
                lockFile.close();
            } catch (IOException ignored) {
                // the lock goes with the process anyway
            }
            closed.countDown();
        }
    }

    /**
     * {@code java -cp ... dev.hoststack.daemon.Daemon --control DIR [options]}: runs until SIGTERM
     * or SIGINT. Options as {@link DaemonMain#USAGE} lists them.
     */
    public static void main(String[] args) {
        System.exit(DaemonMain.run(args, System.out, System.err));
    }
}
