package dev.hoststack.daemon.internal;

import dev.hoststack.api.Endpoint;
import io.netty.channel.Channel;
import java.util.ArrayDeque;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * One app worker of a process: its control connection, its data connection (descriptors down,
 * one credit byte up per descriptor taken), its window and its counters. Event-loop thread only.
 */
final class WorkerConn {

    final ControlConn control;
    final String app;
    final int workerIndex;
    final int globalIndex;
    final int uid;
    final int pid;
    final String token;
    /** The protocol version of its control connection (1 or 2). */
    final int version;
    Channel data;
    /** Its sockets in kernel groups, by endpoint. */
    final java.util.Map<Endpoint, KernelGroup.Member> kernelSockets = new java.util.LinkedHashMap<>();
    /** What it last reported it accepted on its own sockets, by URI (version 2), or null. */
    java.util.Map<String, Long> reported;
    long reportedNanos;
    long reports;
    int window;
    boolean dead;
    /** Sent to the worker, not yet taken by it (the daemon still holds its copy), oldest first. */
    final ArrayDeque<PendingConn> inflight = new ArrayDeque<>();
    final Set<Endpoint> listens = new LinkedHashSet<>();
    /** What it listened on when it left (for show). */
    List<Endpoint> listensAtExit = List.of();

    long handed;
    long taken;
    long skipped;
    long requeuedAway;
    long requeuedIn;
    long fallbackIn;
    long lostWithIt;
    String deathReason;

    WorkerConn(ControlConn control, String app, int workerIndex, int globalIndex, int uid, int pid, String token, int version) {
        this.control = control;
        this.version = version;
        this.app = app;
        this.workerIndex = workerIndex;
        this.globalIndex = globalIndex;
        this.uid = uid;
        this.pid = pid;
        this.token = token;
    }

    /**
     * Whether it cannot take a connection now: no data connection yet, or its window is full. The
     * window is at most {@code cap}, the daemon's descriptor budget shared among its workers, so that
     * stopped workers cannot between them hold every descriptor the daemon may hold.
     */
    boolean congested(int cap) {
        return dead || data == null || inflight.size() >= Math.min(window, cap);
    }

    /** Connections sent to it and not yet taken (its listening sockets not counted). */
    int inflightConnections() {
        int n = 0;
        for (PendingConn p : inflight) {
            if (!p.isListeningSocket()) {
                n++;
            }
        }
        return n;
    }

    /** What it reported it accepted on its own sockets, all URIs together, or -1 when it never reported. */
    long reportedAccepted() {
        if (reported == null) {
            return -1;
        }
        long n = 0;
        for (long v : reported.values()) {
            n += v;
        }
        return n;
    }

    String label() {
        return app + "-w" + workerIndex;
    }
}
