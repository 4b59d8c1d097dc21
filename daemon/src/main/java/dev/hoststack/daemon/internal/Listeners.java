package dev.hoststack.daemon.internal;

import dev.hoststack.api.Endpoint;
import dev.hoststack.api.SessionError;
import dev.hoststack.api.TransportProto;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.socket.SocketProtocolFamily;
import io.netty.channel.unix.IntegerUnixChannelOption;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The real listening sockets: one per endpoint, opened by the first listen there and closed by
 * the last unlisten; each one's accepts go to the {@link Dispatcher}. Event-loop thread only.
 */
final class Listeners {

    /** IPPROTO_IPV6, IPV6_V6ONLY: an IPv6 listener takes IPv6 only, as the model's tables are per family. */
    private static final IntegerUnixChannelOption IPV6_V6ONLY = new IntegerUnixChannelOption("IPV6_V6ONLY", 41, 26);

    private final Core core;
    private final Map<Endpoint, RealListener> byEndpoint = new LinkedHashMap<>();
    /** The daemon's accepting sockets for version-1 workers of kernel groups. */
    private final List<RealListener> proxies = new ArrayList<>();
    /** Selectors already said to be unable to go to the kernel (one log line per name). */
    private final java.util.Set<String> handoffSaid = new java.util.HashSet<>();

    Listeners(Core core) {
        this.core = core;
    }

    RealListener get(Endpoint ep) {
        return byEndpoint.get(ep);
    }

    Collection<RealListener> all() {
        return byEndpoint.values();
    }

    /** A snapshot of the endpoints and the proxies, for loops that may close listeners. */
    List<RealListener> snapshot() {
        List<RealListener> all = new ArrayList<>(byEndpoint.values());
        all.addAll(proxies);
        return all;
    }

    /**
     * Opens the endpoint of a first listen, which the model has just accepted ({@code handle}): a
     * kernel group when the daemon can make one, the listen asked for reuseport and the group's
     * selector can be written as data; else a hand-off socket. {@code boundFd}, if not -1, is a
     * socket bound with SO_REUSEPORT for a port-0 listen: the kernel group's first socket, or
     * closed for the hand-off path. The worker's socket is made by the caller
     * ({@link KernelGroup#join}).
     *
     * @throws dev.hoststack.api.SessionException {@code TRANSPORT} when the kernel refuses the socket,
     *     or another process listens on the endpoint
     */
    RealListener openFirst(Endpoint ep, int fib, long handle, boolean reuseport, int boundFd) {
        String why = null;
        if (core.kernel.available() && reuseport) {
            int groupIndex = core.layer.listenSession((int) handle).placements().get(0).group();
            dev.hoststack.reuseport.ReuseportGroup g = core.stack.reuseport().group(groupIndex);
            dev.hoststack.api.spi.SelectionData data = null;
            try {
                data = g == null ? null : g.selectionData();
            } catch (RuntimeException e) {
                why = "the selector '" + (g == null ? "?" : g.selectorName()) + "' failed to write its policy as data (" + e
                        + ")";
            }
            if (data == null && why == null) {
                String sel = g == null ? "?" : g.selectorName();
                why = "the selector '" + sel + "' cannot be written as data for the kernel (it does not implement"
                        + " ExpressibleSelector): the daemon hands its connections over";
                if (handoffSaid.add(sel)) {
                    core.log(ep.toUri() + ": " + why);
                }
            }
            if (data != null) {
                RealListener real = new RealListener(ep, fib);
                try {
                    real.kernel = KernelGroup.create(core, real, groupIndex, data, core.recovered.remove(ep));
                } catch (dev.hoststack.reuseport.bpf.KernelDispatchException e) {
                    why = "the kernel refused the group's program or maps (" + e.code() + "): " + e.getMessage();
                    core.log(ep.toUri() + ": " + why + "; this group is handed off");
                }
                if (real.kernel != null) {
                    checkNoOneElseListens(real, boundFd);
                    byEndpoint.put(ep, real);
                    return real;
                }
            }
        }
        if (boundFd >= 0) {
            dev.hoststack.reuseport.bpf.ReuseportSockets.close(boundFd);
        }
        RealListener real = open(ep, fib);
        real.handoffReason = why;
        return real;
    }

    /**
     * A kernel group must hold only the daemon's sockets: another process of the daemon's uid
     * listening on the endpoint with SO_REUSEPORT (a second daemon, say) would share its
     * connections, and could replace its program. Sockets a daemon before a restart left are
     * counted as expected.
     */
    private void checkNoOneElseListens(RealListener real, int boundFd) {
        java.util.Set<Long> own = new java.util.HashSet<>();
        if (boundFd >= 0) {
            own.add(ProcNet.inode(boundFd));
        }
        for (RealListener r : byEndpoint.values()) {
            if (r.kernel != null) {
                for (KernelGroup.Member m : r.kernel.members.values()) {
                    own.add(ProcNet.inode(m.fd));
                }
            }
        }
        InetSocketAddress at = new InetSocketAddress(real.endpoint.address(), real.endpoint.port());
        List<ProcNet.Listener> others = ProcNet.foreign(at, own);
        int expected = real.kernel.legacy.size();
        if (others.size() > expected) {
            real.kernel.close();
            if (boundFd >= 0) {
                dev.hoststack.reuseport.bpf.ReuseportSockets.close(boundFd);
            }
            ProcNet.Listener l = others.get(0);
            throw SessionError.TRANSPORT.exception("%s: another process listens there (uid %s, socket inode %s%s): a kernel"
                    + " group holds the daemon's sockets only; stop it, or listen on another endpoint", real.endpoint.toUri(),
                    l.uid(), l.inode(), others.size() > 1 ? ", and " + (others.size() - 1) + " more" : "");
        }
    }

    /**
     * The daemon accepts on a version-1 worker's socket of a kernel group, for that worker only:
     * Netty takes over the daemon's copy (the channel closes it).
     */
    RealListener openProxy(RealListener group, KernelGroup.Member m) {
        EpollServerSocketChannel ch = new EpollServerSocketChannel(m.fd);
        RealListener real = new RealListener(group.endpoint, group.fib);
        real.only = m.worker;
        real.refs = 1;
        RealListener[] holder = {real};
        ch.pipeline().addLast(new AcceptHandler(holder));
        ChannelFuture reg = core.loop.register(ch);
        if (!reg.isDone() || !reg.isSuccess()) {
            throw SessionError.TRANSPORT.exception("%s: could not register %s's socket: %s", group.endpoint.toUri(),
                    m.worker.label(), reg.cause());
        }
        real.channel = ch;
        proxies.add(real);
        update(real);
        return real;
    }

    /** Stops accepting for a version-1 worker that left: what was accepted for it and not handed goes to the others. */
    void closeProxy(RealListener proxy) {
        if (proxy.closed) {
            return;
        }
        proxy.closed = true;
        proxies.remove(proxy);
        proxy.channel.close();
        RealListener group = byEndpoint.get(proxy.endpoint);
        PendingConn p;
        while ((p = proxy.parked.pollFirst()) != null) {
            core.stats.requeued++;
            if (group != null && !group.closed) {
                p.listener = group;
            }
            core.dispatcher.dispatch(p, true);
        }
    }

    /**
     * Opens, binds and registers a listening socket (port 0: a free port).
     *
     * @throws dev.hoststack.api.SessionException {@code TRANSPORT} when the kernel refuses it
     */
    RealListener open(Endpoint ep, int fib) {
        EpollServerSocketChannel ch = new EpollServerSocketChannel(ep.isIp4() ? SocketProtocolFamily.INET : SocketProtocolFamily.INET6);
        RealListener[] holder = new RealListener[1];
        ch.config().setReuseAddress(true);
        ch.config().setBacklog(core.config.backlog());
        if (!ep.isIp4()) {
            ch.config().setOption(IPV6_V6ONLY, 1);
        }
        ch.pipeline().addLast(new AcceptHandler(holder));
        ChannelFuture reg = core.loop.register(ch);
        if (!reg.isDone() || !reg.isSuccess()) {
            ch.unsafe().closeForcibly();
            throw SessionError.TRANSPORT.exception("%s: could not register the listening socket: %s", ep.toUri(), reg.cause());
        }
        ChannelFuture bind = ch.bind(new InetSocketAddress(ep.address(), ep.port()));
        if (!bind.isDone() || !bind.isSuccess()) {
            ch.close();
            Throwable cause = bind.cause();
            throw SessionError.TRANSPORT.exception("%s: the kernel refused the listening socket: %s", ep.toUri(),
                    cause == null ? "bind did not complete" : cause.getMessage());
        }
        Endpoint bound = new Endpoint(TransportProto.TCP, ep.address(), ch.localAddress().getPort());
        RealListener real = new RealListener(bound, fib);
        real.channel = ch;
        holder[0] = real;
        byEndpoint.put(bound, real);
        update(real);
        return real;
    }

    /** Closes a listening socket (a kernel group: every socket left of it); connections parked on it are reset and counted. */
    void close(RealListener real) {
        if (real.closed) {
            return;
        }
        real.closed = true;
        byEndpoint.remove(real.endpoint, real);
        if (real.kernel != null) {
            real.kernel.close();
        } else {
            real.channel.close();
        }
        PendingConn p;
        while ((p = real.parked.pollFirst()) != null) {
            core.stats.droppedListenerClosed++;
            core.dispatcher.release(p, true);
        }
        core.log(real.kernel != null ? "closed the kernel group of " + real.endpoint.toUri()
                : "closed the listening socket of " + real.endpoint.toUri());
    }

    /** A worker's listen on {@code ep} ended: the last one closes the socket. */
    void release(WorkerConn w, Endpoint ep) {
        if (w.listens.remove(ep)) {
            core.uids.listens(w.uid, -1);
        }
        RealListener real = byEndpoint.get(ep);
        if (real != null && real.kernel != null) {
            KernelGroup.Member m = real.kernel.leave(w);
            w.kernelSockets.remove(ep);
            if (m != null) {
                core.log(w.label() + "'s socket left the kernel group of " + ep.toUri() + " (slot " + m.slot + ", "
                        + m.queued + " queued at the last look: moved by the kernel to the others)");
            }
        }
        if (real != null && --real.refs == 0) {
            close(real);
        }
    }

    /**
     * Closes every socket of the hand-off path; when the daemon is {@code stopping}, kernel groups
     * are left to run without it (their workers' sockets stay, the program keeps selecting).
     */
    void closeAll(boolean stopping) {
        for (RealListener real : snapshot()) {
            if (stopping && real.kernel != null) {
                real.closed = true;
                byEndpoint.remove(real.endpoint, real);
                real.kernel.detachFromDaemon();
            } else if (real.only == null) {
                close(real);
            }
        }
    }

    /**
     * Accepts on a socket or not, as its state says: not while it is closed, paused for congestion
     * (connections parked), paused after an accept error, or while the daemon holds as many
     * descriptors as its budget allows. When it does not, the kernel's backlog holds new connections.
     */
    void update(RealListener real) {
        if (real.channel == null || real.channel.eventLoop() == null || !real.channel.isRegistered()) {
            return;
        }
        boolean read = !real.closed && !real.paused && !real.errorPaused && !core.dispatcher.descriptorsPaused();
        if (real.channel.config().isAutoRead() != read) {
            real.channel.config().setAutoRead(read);
        }
    }

    /** {@link #update} for every socket. */
    void updateAll() {
        for (RealListener real : byEndpoint.values()) {
            update(real);
        }
        for (RealListener real : proxies) {
            update(real);
        }
    }

    /** The accept handler of one real listening socket. */
    private final class AcceptHandler extends ChannelInboundHandlerAdapter {
        private final RealListener[] holder;

        AcceptHandler(RealListener[] holder) {
            this.holder = holder;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
                try {
                core.dispatcher.accepted(holder[0], (EpollSocketChannel) msg);
            } catch (Throwable e) {
                core.failed("dispatching a connection", e);
            }
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            try {
                core.flushDirty();
            } catch (Throwable e) {
                core.failed("flushing", e);
            }
        }

        /**
         * An accept failed (EMFILE, ENFILE, ENOBUFS...): the socket stays readable, so retrying at
         * once would spin; stop accepting for 100 ms (the backlog holds the connections).
         */
        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            if (core.stats.acceptErrors++ < 10) {
                core.log("accept on " + (holder[0] == null ? "?" : holder[0].endpoint.toUri()
                        + (holder[0].only != null ? " for " + holder[0].only.label() : "")) + " failed: " + cause);
            }
            RealListener real = holder[0];
            if (real != null && !real.closed && !real.errorPaused) {
                real.errorPaused = true;
                update(real);
                core.loop.schedule(() -> {
                    real.errorPaused = false;
                    update(real);
                }, 100, TimeUnit.MILLISECONDS);
            }
        }
    }
}
