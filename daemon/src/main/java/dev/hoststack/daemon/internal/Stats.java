package dev.hoststack.daemon.internal;

import dev.hoststack.api.DropReason;
import java.util.EnumMap;
import java.util.TreeMap;

/** The daemon's totals, as {@code show} reports them. Event-loop thread only. */
final class Stats {

    long accepted;
    long handed;
    long taken;
    long skips;
    long fallbacks;
    long parkedTotal;
    long pauses;
    long requeued;
    /** Workers whose connections closed without a detach while they listened or held connections. */
    long workersDied;
    /** Workers that left otherwise: detached, or closed before they listened anywhere. */
    long workersLeft;
    long acceptErrors;
    long controlAcceptErrors;
    /** Times accepting stopped because the daemon held as many descriptors as its budget allows. */
    long descriptorPauses;
    /** Times a connection's requests stopped being read because its replies were not. */
    long backpressurePauses;
    /** Unexpected failures caught in a handler (each logged, the connection closed or answered INTERNAL). */
    long internalErrors;
    final EnumMap<DropReason, Long> drops = new EnumMap<>(DropReason.class);
    long droppedListenerClosed;
    /** Every refusal sent and every connection closed for a limit or timeout, by error code. */
    final TreeMap<String, Long> refused = new TreeMap<>();

    // rate limits of log lines a client can cause
    int refusalsLogged;
    int timeoutsLogged;
    int connectionErrorsLogged;
    int failuresLogged;

    void drop(DropReason reason) {
        drops.merge(reason, 1L, Long::sum);
    }

    void refused(String code) {
        refused.merge(code, 1L, Long::sum);
    }
}
