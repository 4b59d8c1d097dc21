package dev.hoststack.daemon.internal;

import dev.hoststack.api.Endpoint;
import io.netty.channel.epoll.EpollServerSocketChannel;
import java.util.ArrayDeque;

/**
 * An endpoint the daemon's workers listen on (first listen opens it, last unlisten closes it), in
 * one of three shapes. Hand-off: one real listening socket of the daemon's, whose accepts go to the
 * selector's worker. Kernel: a {@link KernelGroup} of the workers' own sockets, no socket of the
 * daemon's ({@link #channel} null). Proxy: the daemon accepting on a version-1 worker's socket of a
 * kernel group on its behalf ({@link #only}), not listed by endpoint. Event-loop thread only.
 */
final class RealListener {

    final Endpoint endpoint;
    final int fib;
    /** The daemon's accepting socket (hand-off and proxy), or null (kernel). */
    EpollServerSocketChannel channel;
    /** The kernel group (kernel shape), or null. */
    KernelGroup kernel;
    /** The worker every connection accepted here goes to (proxy shape), or null. */
    WorkerConn only;
    /** Why a reuseport endpoint of a kernel-capable daemon is on the hand-off path (for listen's reply), or null. */
    String handoffReason;
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
