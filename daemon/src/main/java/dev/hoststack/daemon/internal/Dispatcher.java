package dev.hoststack.daemon.internal;

import dev.hoststack.api.DropReason;
import dev.hoststack.api.SessionHandle;
import dev.hoststack.session.Dispatch;
import dev.hoststack.session.SessionLayer;
import dev.hoststack.session.SessionTables;
import io.netty.channel.ChannelOption;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.unix.FileDescriptor;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Connections to workers: each accepted connection is looked up and dispatched exactly as a SYN
 * is in the model, its descriptor written to the chosen worker's data connection; credits close
 * the daemon's copies and open the window; congestion goes to the selector's next choice, then
 * parks and stops accepting; a departed worker's untaken connections are dispatched again.
 * Event-loop thread only.
 */
final class Dispatcher {

    /** Descriptors left aside for the JVM itself, jars, logs and {@code show} when budgets are computed. */
    static final int DESCRIPTOR_MARGIN = 32;

    /**
     * The most accepted connections the daemon holds at once (in flight to workers, or parked):
     * past it, it stops accepting until credits bring it back under three quarters, so that a
     * descriptor limit is never reached by connections and the control socket can still accept.
     */
    final long maxHeld;
    /** Accepted connections whose descriptor the daemon holds now. */
    long held;
    /**
     * The most descriptors in flight to one worker: the budget shared among the live workers (a
     * worker's own window is smaller unless descriptors are scarce). Updated as workers come and go.
     */
    int windowCap = Integer.MAX_VALUE;
    private boolean descriptorsPaused;

    private final Core core;
    private final Stats stats;
    private final SessionLayer layer;
    private final Set<WorkerConn> dirty = new LinkedHashSet<>();
    private final MutableFlow flow = new MutableFlow();

    Dispatcher(Core core, long budget) {
        this.maxHeld = Math.max(16, budget);
        this.core = core;
        this.stats = core.stats;
        this.layer = core.layer;
    }

    /** The kernel accepted {@code child} on {@code real}. */
    void accepted(RealListener real, EpollSocketChannel child) {
        stats.accepted++;
        if (real == null || real.closed) {
            stats.droppedListenerClosed++;
            reset(child);
            return;
        }
        real.accepted++;
        PendingConn p = new PendingConn(child, real, System.nanoTime());
        if (++held >= maxHeld && !descriptorsPaused) {
            descriptorsPaused = true;
            stats.descriptorPauses++;
            if (stats.descriptorPauses <= 10) {
                core.log("holding " + held + " connections, as many as the descriptor budget allows: accepting stops until"
                        + " workers take some");
            }
            core.listeners.updateAll();
        }
        if (!real.parked.isEmpty()) {
            park(p);
            return;
        }
        dispatch(p, false);
    }

    /**
     * Looks the connection up and hands it to the selector's choice, or its next choices while
     * the chosen worker is congested; parks it when none can take it; resets and counts it when
     * no listener or worker is left.
     *
     * @return whether it was handed or dropped (false: parked)
     */
    boolean dispatch(PendingConn p, boolean requeue) {
        RealListener real = p.listener;
        WorkerConn only = real.only;
        if (only != null && !only.dead && !real.closed) {
            // the kernel chose this worker (a version-1 worker's socket of a kernel group): no selector here
            if (!only.congested(windowCap)) {
                hand(only, p, requeue, false);
                return true;
            }
            stats.skips++;
            only.skipped++;
            return !park(p);
        }
        if (!flow.set(p.child.localAddress(), p.child.remoteAddress())) {
            drop(p, DropReason.BAD_ADDRESS);
            return true;
        }
        SessionTables tables = layer.fib(real.fib);
        long v = tables == null ? SessionHandle.INVALID : layer.dataPlane().lookupListener(tables, flow);
        if (v == SessionHandle.INVALID) {
            drop(p, DropReason.NO_LISTENER);
            return true;
        }
        long d = layer.dataPlane().dispatch(v, flow, 0);
        int members = members(real);
        int attempt = 0;
        while (d >= 0) {
            WorkerConn w = core.byGlobal.get(Dispatch.worker(d));
            if (w != null && !w.congested(windowCap)) {
                hand(w, p, requeue, false);
                return true;
            }
            stats.skips++;
            if (w != null) {
                w.skipped++;
            }
            if (++attempt >= members) {
                break;
            }
            d = layer.dataPlane().redispatch(v, flow, 0, d, attempt);
        }
        if (d < 0) {
            drop(p, Dispatch.dropReason(d));
            return true;
        }
        // the selector's choices so far were all congested: any member that can take it still does
        WorkerConn best = null;
        for (WorkerConn w : core.byGlobal.values()) {
            if (!w.congested(windowCap) && w.listens.contains(real.endpoint)
                    && (best == null || w.inflight.size() < best.inflight.size())) {
                best = w;
            }
        }
        if (best != null) {
            stats.fallbacks++;
            hand(best, p, requeue, true);
            return true;
        }
        return !park(p);
    }

    private int members(RealListener real) {
        int n = 0;
        for (WorkerConn w : core.byGlobal.values()) {
            if (w.listens.contains(real.endpoint)) {
                n++;
            }
        }
        return Math.max(1, n);
    }

    private void hand(WorkerConn w, PendingConn p, boolean requeue, boolean fallback) {
        w.inflight.addLast(p);
        w.handed++;
        stats.handed++;
        if (requeue) {
            w.requeuedIn++;
        }
        if (fallback) {
            w.fallbackIn++;
        }
        // a failed write fires exceptionCaught on the data connection, which closes it: the worker dies
        w.data.write(new FileDescriptor(p.fd), w.data.voidPromise());
        dirty.add(w);
    }

    /**
     * Sends worker {@code w} its own listening socket of a kernel group (protocol version 2), once:
     * one descriptor on its data connection, flushed now, before the listen's reply goes out on its
     * control connection. It takes a credit as any descriptor does; the daemon keeps its copy.
     */
    void sendListeningSocket(WorkerConn w, int fd) {
        w.inflight.addLast(PendingConn.listeningSocket(fd));
        w.data.writeAndFlush(new FileDescriptor(fd), w.data.voidPromise());
    }

    /** Parks a connection on its listener and stops accepting there; false if the listener closed (dropped). */
    private boolean park(PendingConn p) {
        RealListener real = p.listener;
        if (real.closed && real.only != null) {
            // accepted on a version-1 worker's socket that closed since: it waits on its endpoint's group instead
            RealListener group = core.listeners.get(real.endpoint);
            if (group != null && !group.closed) {
                p.listener = group;
                real = group;
            }
        }
        if (real.closed) {
            stats.droppedListenerClosed++;
            release(p, true);
            return false;
        }
        real.parked.addLast(p);
        stats.parkedTotal++;
        if (!real.paused) {
            real.paused = true;
            real.pauses++;
            stats.pauses++;
            core.listeners.update(real);
        }
        return true;
    }

    private void drop(PendingConn p, DropReason reason) {
        stats.drop(reason);
        release(p, true);
    }

    /** Shares the budget among {@code workers} workers. */
    void workers(int workers) {
        windowCap = (int) Math.max(1, Math.min(Integer.MAX_VALUE, maxHeld / Math.max(1, workers)));
    }

    /** Whether accepting is stopped because the daemon holds as many connections as its budget allows. */
    boolean descriptorsPaused() {
        return descriptorsPaused;
    }

    /**
     * Closes the daemon's copy of a held connection: a reset (SO_LINGER 0) when no worker has it,
     * a plain close of its own copy when a worker took it or may still take it.
     */
    void release(PendingConn p, boolean reset) {
        if (reset) {
            reset(p.child);
        } else {
            p.child.unsafe().closeForcibly();
        }
        held--;
        if (descriptorsPaused && held < maxHeld * 3 / 4) {
            descriptorsPaused = false;
            core.listeners.updateAll();
        }
    }

    /** Resets a connection: SO_LINGER 0, then close. */
    static void reset(EpollSocketChannel child) {
        try {
            child.config().setOption(ChannelOption.SO_LINGER, 0);
        } catch (RuntimeException ignored) {
            // closing is what matters
        }
        child.unsafe().closeForcibly();
    }

    /** A worker took {@code n} descriptors: the daemon's copies close, its window opens. */
    void credits(WorkerConn w, int n) {
        if (w.dead) {
            return; // what it had not taken was given to other members when it left
        }
        for (int i = 0; i < n; i++) {
            PendingConn p = w.inflight.pollFirst();
            if (p == null) {
                core.log(w.label() + " returned more credits than descriptors it was sent: closing it");
                w.control.channel.close();
                return;
            }
            if (p.isListeningSocket()) {
                continue; // the daemon keeps its copy of the group's socket
            }
            release(p, false);
            w.taken++;
            stats.taken++;
        }
        resumeParked();
    }

    /** Dispatches parked connections again, oldest first, and accepts again where none is left. */
    void resumeParked() {
        for (RealListener real : core.listeners.snapshot()) {
            if (!real.paused) {
                continue;
            }
            PendingConn p;
            while ((p = real.parked.peekFirst()) != null) {
                real.parked.pollFirst();
                if (!dispatch(p, false)) {
                    // parked again, at the tail: put it back at the head to keep the order
                    real.parked.pollLast();
                    real.parked.addFirst(p);
                    stats.parkedTotal--;
                    break;
                }
            }
            if (real.parked.isEmpty() && !real.closed) {
                real.paused = false;
                core.listeners.update(real);
            }
        }
    }

    /** Gives every connection the workers had not taken to the remaining members, counted. */
    void requeue(List<WorkerConn> gone) {
        for (WorkerConn w : gone) {
            PendingConn p;
            while ((p = w.inflight.pollFirst()) != null) {
                if (p.isListeningSocket()) {
                    continue;
                }
                stats.requeued++;
                w.requeuedAway++;
                dispatch(p, true);
            }
            core.report.gone(w);
        }
    }

    /** The worker left: it is written to no more. */
    void forget(WorkerConn w) {
        dirty.remove(w);
    }

    /** Flushes the data connections written to since the last flush. */
    void flushDirty() {
        if (dirty.isEmpty()) {
            return;
        }
        for (WorkerConn w : dirty) {
            if (w.data != null) {
                w.data.flush();
            }
        }
        dirty.clear();
    }

    /** Closes the daemon's copies of every connection in flight (the workers may still take them: no reset). */
    void releaseAll() {
        for (WorkerConn w : List.copyOf(core.byGlobal.values())) {
            PendingConn p;
            while ((p = w.inflight.pollFirst()) != null) {
                if (!p.isListeningSocket()) {
                    release(p, false);
                }
            }
        }
    }
}
