package dev.hoststack.daemon.internal;

import dev.hoststack.api.Endpoint;
import io.netty.channel.epoll.EpollServerSocketChannel;
import java.util.ArrayDeque;

/**
 * A real listening socket for one endpoint, shared by every app worker of the daemon that listens
 * there (first listen opens it, last unlisten closes it). Event-loop thread only.
 */
final class RealListener {

    final Endpoint endpoint;
    final int fib;
    EpollServerSocketChannel channel;
    /** Worker listens on this endpoint. */
    int refs;
    /** Accepted connections no worker could take yet, oldest first. */
    final ArrayDeque<PendingConn> parked = new ArrayDeque<>();
    /** Whether accepting is stopped (autoRead off) because every worker was congested. */
    boolean paused;
    /** Whether accepting is stopped for a moment after an accept failed (EMFILE...). */
    boolean errorPaused;
    boolean closed;

    long accepted;
    long pauses;

    RealListener(Endpoint endpoint, int fib) {
        this.endpoint = endpoint;
        this.fib = fib;
    }
}
