package dev.hoststack.daemon.internal;

import dev.hoststack.api.DropReason;
import java.util.EnumMap;

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
    long workersDied;
    long acceptErrors;
    final EnumMap<DropReason, Long> drops = new EnumMap<>(DropReason.class);
    long droppedListenerClosed;

    void drop(DropReason reason) {
        drops.merge(reason, 1L, Long::sum);
    }
}
