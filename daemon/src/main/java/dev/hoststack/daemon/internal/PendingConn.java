package dev.hoststack.daemon.internal;

import io.netty.channel.epoll.EpollSocketChannel;

/**
 * A connection the kernel accepted and the daemon still holds: waiting for a worker (parked), or
 * sent to one that has not yet taken it (in flight). The daemon closes its copy only when the
 * worker says it took the descriptor, so a worker that dies before taking it loses nothing.
 */
final class PendingConn {

    final EpollSocketChannel child;
    final RealListener listener;
    final int fd;
    final long acceptedNanos;

    PendingConn(EpollSocketChannel child, RealListener listener, long acceptedNanos) {
        this.child = child;
        this.listener = listener;
        this.fd = child.fd().intValue();
        this.acceptedNanos = acceptedNanos;
    }
}
