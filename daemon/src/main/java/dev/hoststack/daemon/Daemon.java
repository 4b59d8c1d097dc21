package dev.hoststack.daemon;

import com.google.gson.JsonObject;
import dev.hoststack.daemon.internal.Core;
import dev.hoststack.protocol.Protocol;
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
import java.nio.file.FileAlreadyExistsException;
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
    private final CountDownLatch closed = new CountDownLatch(1);
    private volatile boolean closing;

    private Daemon(DaemonConfig config, EventLoopGroup group, EventLoop loop, Core core, Channel server,
                   ChannelGroup connections) {
        this.config = config;
        this.group = group;
        this.loop = loop;
        this.core = core;
        this.server = server;
        this.connections = connections;
    }

    /**
     * Starts a daemon: makes the control directory if needed, replaces a stale socket file, binds
     * the control socket and sets its mode.
     *
     * @throws IOException if the directory cannot be made, a daemon already answers there, or the
     *         socket cannot be bound
     */
    public static Daemon start(DaemonConfig config, PrintStream log) throws IOException {
        if (!Epoll.isAvailable()) {
            throw new IOException("Netty's native epoll transport is not available here: " + Epoll.unavailabilityCause());
        }
        Path dir = config.controlDir();
        if (!Files.isDirectory(dir)) {
            try {
                Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwxr-xr-x")));
            } catch (FileAlreadyExistsException e) {
                throw new IOException(dir + " exists and is not a directory", e);
            }
        }
        Path socket = config.socketPath();
        if (Files.exists(socket)) {
            if (answers(socket)) {
                throw new IOException("a daemon already answers on " + socket + "; stop it or use another --control directory");
            }
            Files.delete(socket);
        }
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, r -> {
            Thread t = new Thread(r, "hoststack-daemon");
            t.setDaemon(false);
            return t;
        }, EpollIoHandler.newFactory());
        EventLoop loop = group.next();
        try {
            Core core = loop.submit(() -> new Core(config, loop, log)).get(30, TimeUnit.SECONDS);
            // the control-socket connections, closed by close(): an event loop's shutdown alone did not always close them,
            // and an application of a daemon stopped inside a JVM must see its connections end to reattach
            ChannelGroup connections = new DefaultChannelGroup("hoststack-daemon-connections", loop);
            Channel server = new ServerBootstrap()
                    .group(loop)
                    .channel(EpollServerDomainSocketChannel.class)
                    .childHandler(new ChannelInitializer<EpollDomainSocketChannel>() {
                        @Override
                        protected void initChannel(EpollDomainSocketChannel ch) {
                            connections.add(ch);
                            ch.pipeline().addLast(core.newConnection());
                        }
                    })
                    .bind(new DomainSocketAddress(socket.toFile()))
                    .sync()
                    .channel();
            Files.setPosixFilePermissions(socket, mode(config.socketMode()));
            Daemon d = new Daemon(config, group, loop, core, server, connections);
            log.println("hoststack daemon: control socket " + socket + " (mode " + String.format("%04o", config.socketMode())
                    + "), protocol version " + Protocol.VERSION + ", pid " + ProcessHandle.current().pid());
            return d;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
            throw new IOException("interrupted while starting", e);
        } catch (ExecutionException | TimeoutException | RuntimeException e) {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
            Throwable c = e instanceof ExecutionException ? e.getCause() : e;
            throw new IOException("the daemon could not start: " + c, c);
        }
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
