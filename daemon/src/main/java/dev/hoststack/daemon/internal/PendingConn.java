package dev.hoststack.daemon.internal;

import io.netty.channel.epoll.EpollSocketChannel;

/**
 * A connection the kernel accepted and the daemon still holds: waiting for a worker (parked), or
 * sent to one that has not yet taken it (in flight). The daemon closes its copy only when the
 * worker says it took the descriptor, so a worker that dies before taking it loses nothing.
 */
final class PendingConn {

    final EpollSocketChannel child;
    /** Where it was accepted; a version-1 worker's socket that closed hands it to its endpoint's group. */
    RealListener listener;
    final int fd;
    final long acceptedNanos;

    PendingConn(EpollSocketChannel child, RealListener listener, long acceptedNanos) {
        this.child = child;
        this.listener = listener;
        this.fd = child.fd().intValue();
        this.acceptedNanos = acceptedNanos;
    }

    private PendingConn(int listeningFd) {
        this.child = null;
        this.listener = null;
        this.fd = listeningFd;
        this.acceptedNanos = System.nanoTime();
    }

    /**
     * A worker's own listening socket sent on its data connection: it takes a credit as any
     * descriptor does, but the daemon keeps its copy (it is the group's, not a connection).
     */
    static PendingConn listeningSocket(int fd) {
        return new PendingConn(fd);
    }

    /** Whether this is a listening socket rather than a connection. */
    boolean isListeningSocket() {
        return child == null;
    }
}
