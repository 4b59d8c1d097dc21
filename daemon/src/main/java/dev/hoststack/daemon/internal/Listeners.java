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

    Listeners(Core core) {
        this.core = core;
    }

    RealListener get(Endpoint ep) {
        return byEndpoint.get(ep);
    }

    Collection<RealListener> all() {
        return byEndpoint.values();
    }

    /** A snapshot, for loops that may close listeners. */
    List<RealListener> snapshot() {
        return new ArrayList<>(byEndpoint.values());
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

    /** Closes a listening socket; connections parked on it are reset and counted. */
    void close(RealListener real) {
        if (real.closed) {
            return;
        }
        real.closed = true;
        byEndpoint.remove(real.endpoint, real);
        real.channel.close();
        PendingConn p;
        while ((p = real.parked.pollFirst()) != null) {
            core.stats.droppedListenerClosed++;
            core.dispatcher.release(p, true);
        }
        core.log("closed the listening socket of " + real.endpoint.toUri());
    }

    /** A worker's listen on {@code ep} ended: the last one closes the socket. */
    void release(WorkerConn w, Endpoint ep) {
        if (w.listens.remove(ep)) {
            core.uids.listens(w.uid, -1);
        }
        RealListener real = byEndpoint.get(ep);
        if (real != null && --real.refs == 0) {
            close(real);
        }
    }

    void closeAll() {
        for (RealListener real : snapshot()) {
            close(real);
        }
    }

    /**
     * Accepts on a socket or not, as its state says: not while it is closed, paused for congestion
     * (connections parked), paused after an accept error, or while the daemon holds as many
     * descriptors as its budget allows. When it does not, the kernel's backlog holds new connections.
     */
    void update(RealListener real) {
        if (real.channel == null) {
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
                core.log("accept on " + (holder[0] == null ? "?" : holder[0].endpoint.toUri()) + " failed: " + cause);
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
