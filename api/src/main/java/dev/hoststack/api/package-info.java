/**
 * The model of a VPP-style host stack's session layer, as interfaces and small value types.
 *
 * <p>Everything here depends on the JDK and Guava only. Numbers that are really numbers stay
 * numbers: session handles, listener table values and indices are {@code long}/{@code int} with
 * static pack/unpack helpers ({@link dev.hoststack.api.SessionHandle}), never objects per entry.
 *
 * <p>Threading, for the whole project: <em>control-plane</em> calls (namespace add, attach,
 * worker add/remove, listen, unlisten, detach) come from one main thread, which also owns data
 * thread 0; <em>data-plane</em> calls (segment input, lookups, selection) come from the thread
 * that owns the given data thread index. Lookups read tables that the control plane changes
 * concurrently, without locks.
 */
package dev.hoststack.api;
