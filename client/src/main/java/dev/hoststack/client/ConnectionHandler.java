package dev.hoststack.client;

import io.netty.channel.ChannelHandler;
import io.netty.channel.epoll.EpollSocketChannel;

/**
 * Receives the connections of one app worker: those the daemon hands over (its hand-off path) and,
 * when the daemon dispatches in the kernel, those the library accepts on the worker's own listening
 * socket.
 *
 * <p>Called on the worker's event-loop thread, one connection at a time; for a handed-over
 * connection, after the library has told the daemon the descriptor was taken. The handler owns
 * the descriptor: it must close it (or give it to something that will). Descriptors arrive
 * non-blocking.
 */
@FunctionalInterface
public interface ConnectionHandler {

    /**
     * A new connection.
     *
     * @param worker the app worker it was handed to
     * @param fd     the connected TCP socket's descriptor, owned by the handler from now on
     * @throws Exception to have the library close the descriptor and log the failure
     */
    void accepted(AppWorker worker, int fd) throws Exception;

    /**
     * The daemon dispatches {@code uri} in the kernel and gave this worker its own listening
     * socket (protocol version 2). Return false (the default) to have the library accept on it,
     * on the worker's event loop, and call {@link #accepted} for each connection; return true to
     * own it: accept on it yourself, or pass it to another process (as {@code hoststack serve}
     * does, as descriptor 3 of a server that knows systemd's socket activation).
     *
     * <p>The socket stays one member of the group whoever holds it (one slot, one accept queue).
     * The daemon owns the group: when the worker leaves (unlisten, close, or its connections to
     * the daemon close) the daemon shuts the socket down, which stops every copy of it, in every
     * process, and the kernel moves the connections queued on it to the other members.
     *
     * @param worker the app worker
     * @param uri    the endpoint, as the daemon answered the listen
     * @param fd     the listening socket (non-blocking, close-on-exec in this process)
     * @return whether the handler took it
     * @throws Exception as false, after logging it
     */
    default boolean listeningSocket(AppWorker worker, String uri, int fd) throws Exception {
        return false;
    }

    /**
     * A handler that wraps each descriptor in a Netty {@link EpollSocketChannel}, adds
     * {@code initializer} (usually a {@link io.netty.channel.ChannelInitializer}) to its pipeline
     * and registers it on the worker's event loop: the channel is active at once, with the real
     * local and remote addresses. On a worker's own listening socket (kernel dispatch) the library
     * adds {@code initializer} to each accepted channel directly, as Netty's {@code ServerBootstrap}
     * does.
     */
    static ConnectionHandler channels(ChannelHandler initializer) {
        return new Channels(initializer);
    }

    /** {@link #channels}: known to the library, which accepts for it without an extra wrapping. */
    final class Channels implements ConnectionHandler {
        private final ChannelHandler initializer;

        Channels(ChannelHandler initializer) {
            this.initializer = java.util.Objects.requireNonNull(initializer, "initializer");
        }

        /** The handler added to each connection's pipeline. */
        public ChannelHandler initializer() {
            return initializer;
        }

        @Override
        public void accepted(AppWorker worker, int fd) {
            EpollSocketChannel ch = new EpollSocketChannel(fd);
            ch.pipeline().addLast(initializer);
            worker.eventLoop().register(ch);
        }
    }
}
