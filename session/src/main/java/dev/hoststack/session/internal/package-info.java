/**
 * The session layer's internals, outside its API: the implementations of the model
 * ({@code ApplicationImpl}, {@code AppWorkerImpl}, {@code AppListenerImpl}, {@code AppNamespaceImpl},
 * {@code ListenSession}), the interface the reuseport module implements for the layer
 * ({@code ReuseportGroups}), and queues. Public only so that hoststack's own modules can share
 * them; not for users, and they change without notice. Program against {@link dev.hoststack.api}'s
 * interfaces and {@link dev.hoststack.session.SessionApplication} /
 * {@link dev.hoststack.session.SessionWorker} instead.
 */
package dev.hoststack.session.internal;
