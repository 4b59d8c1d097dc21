package dev.hoststack.session;

import dev.hoststack.api.AppEventHandler;
import dev.hoststack.api.AppEventType;
import dev.hoststack.api.AppWorker;
import dev.hoststack.session.internal.MpscLongRing;
import java.util.concurrent.atomic.LongAdder;

/**
 * An app worker: its identity, its event queue, and its counters.
 *
 * <p>Data threads queue events ({@link #deliver}) and bump counters concurrently; the
 * application takes events from one thread at a time ({@link #pollEvents}).
 */
public final class AppWorkerImpl implements AppWorker {

    private final SessionLayer layer;
    private final ApplicationImpl app;
    private final int workerIndex;
    private final int globalIndex;
    private final MpscLongRing events;
    private volatile boolean alive = true;

    private final LongAdder dispatched = new LongAdder();
    private final LongAdder accepted = new LongAdder();
    private final LongAdder migratedIn = new LongAdder();
    private final LongAdder queueFull = new LongAdder();

    private AppEventHandler pollHandler;
    private final MpscLongRing.RecordHandler adapter;

    AppWorkerImpl(SessionLayer layer, ApplicationImpl app, int workerIndex, int globalIndex, int queueCapacity) {
        this.layer = layer;
        this.adapter = (type, session, listener) -> {
            AppEventType t = AppEventType.of((int) type);
            pollHandler.onEvent(t, session, listener);
            if (t == AppEventType.RESET || t == AppEventType.DISCONNECT) {
                this.layer.release(session);
            }
        };
        this.app = app;
        this.workerIndex = workerIndex;
        this.globalIndex = globalIndex;
        this.events = new MpscLongRing(queueCapacity, 3);
    }

    @Override
    public ApplicationImpl application() {
        return app;
    }

    @Override
    public int workerIndex() {
        return workerIndex;
    }

    @Override
    public int globalIndex() {
        return globalIndex;
    }

    @Override
    public boolean alive() {
        return alive;
    }

    void kill() {
        alive = false;
    }

    /**
     * {@inheritDoc}
     *
     * <p>Taking a RESET or DISCONNECT event releases its session (the layer kept it, CLOSED, until
     * then, so its handle could not name another session meanwhile).
     */
    @Override
    public int pollEvents(AppEventHandler handler, int max) {
        pollHandler = handler;
        try {
            return events.drain(adapter, max);
        } finally {
            pollHandler = null;
        }
    }

    @Override
    public int pendingEvents() {
        return events.size();
    }

    /**
     * Queues an event (data plane, any thread, allocation-free).
     *
     * @return false if the queue is full; the caller then resets the connection
     */
    boolean deliver(AppEventType type, long sessionHandle, long listenerHandle) {
        if (events.offer(type.ordinal(), sessionHandle, listenerHandle)) {
            return true;
        }
        queueFull.increment();
        return false;
    }

    void countDispatched() {
        dispatched.increment();
    }

    void countAccepted() {
        accepted.increment();
    }

    void countMigratedIn() {
        migratedIn.increment();
    }

    /** SYNs whose connection was given to this worker. */
    public long dispatched() {
        return dispatched.sum();
    }

    /** Accept events queued for it. */
    public long accepted() {
        return accepted.sum();
    }

    /** Connections moved to it from a worker that left. */
    public long migratedIn() {
        return migratedIn.sum();
    }

    /** Events refused because its queue was full. */
    public long queueFull() {
        return queueFull.sum();
    }

    /** {@code app-wN} with the 0-based worker index. */
    public String label() {
        return app.name() + "-w" + workerIndex;
    }

    @Override
    public String toString() {
        return label();
    }
}
