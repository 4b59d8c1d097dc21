package dev.hoststack.session;

import dev.hoststack.api.spi.FlowView;
import dev.hoststack.session.internal.AppListenerImpl;

/**
 * What a listener entry leads to on the SYN path: the object that picks the listen session and app
 * worker of a new connection. Two kinds exist: an application's own listener (VPP's round robin
 * over its worker bitmap, {@link AppListenerImpl}) and a reuseport group (its selector, in the
 * {@code reuseport} module).
 *
 * <p>The listener index of a table set ({@link SessionTables#listeners}) holds these directly, so
 * a SYN goes from its local port and address to the object that chooses, without resolving a
 * table value through another array.
 *
 * <p>Threading: {@link #dispatch} and {@link #redispatch} on data threads, lock-free and
 * allocation-free, concurrently with the control plane; everything a target reads there is
 * published by the control thread before the target becomes reachable, or replaced as a whole.
 */
public abstract class ListenTarget {

    /** Its session table value: a listen session handle (thread 0) or a group value. */
    private long value;

    /** A target whose table value is set later, before it is published. */
    protected ListenTarget() {
    }

    /** Sets the table value (control thread, before the target is published). */
    protected final void value(long tableValue) {
        this.value = tableValue;
    }

    /** Its session table value: a listen session handle, or a group value ({@code 1L << 32 | group}). */
    public final long value() {
        return value;
    }

    /**
     * Picks the listen session and app worker for a new connection of {@code flow} received by
     * data thread {@code thread}.
     *
     * @return a {@link Dispatch} result
     */
    public abstract long dispatch(FlowView flow, int thread);

    /**
     * The next choice after the worker of {@code rejected} (a {@link Dispatch} result of this
     * target) could not take the connection; {@code attempt} counts from 1.
     *
     * @return a {@link Dispatch} result
     */
    public abstract long redispatch(FlowView flow, int thread, long rejected, int attempt);
}
