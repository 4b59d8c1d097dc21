/**
 * The daemon's control protocol (documented in {@code docs/protocol.md}) as one small module that
 * the daemon and the client library both use: {@link dev.hoststack.protocol.Protocol} (version,
 * socket name, bounds, op and event names), {@link dev.hoststack.protocol.Errors} (the
 * daemon-level error codes), {@link dev.hoststack.protocol.Messages} (the requests, replies and
 * events as JSON objects), {@link dev.hoststack.protocol.Fields} (a message's fields read with
 * their types checked) and {@link dev.hoststack.protocol.Names} (what a name may hold, and how to
 * print one safely). Stateless; every method may be called from any thread.
 */
package dev.hoststack.protocol;
