package dev.hoststack.client;

import io.netty.channel.ChannelHandler;
import io.netty.channel.epoll.EpollSocketChannel;

/**
 * Receives the connections the daemon hands to one app worker.
 *
 * <p>Called on the worker's event-loop thread, one connection at a time, after the library has
 * told the daemon the descriptor was taken. The handler owns the descriptor: it must close it
 * (or give it to something that will). Descriptors arrive non-blocking.
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
     * A handler that wraps each descriptor in a Netty {@link EpollSocketChannel}, adds
     * {@code initializer} (usually a {@link io.netty.channel.ChannelInitializer}) to its pipeline
     * and registers it on the worker's event loop: the channel is active at once, with the real
     * local and remote addresses.
     */
    static ConnectionHandler channels(ChannelHandler initializer) {
        return (worker, fd) -> {
            EpollSocketChannel ch = new EpollSocketChannel(fd);
            ch.pipeline().addLast(initializer);
            worker.eventLoop().register(ch);
        };
    }
}
