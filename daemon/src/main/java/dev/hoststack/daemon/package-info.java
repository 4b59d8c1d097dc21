/**
 * hoststack-daemon: the stack over real kernel TCP. Applications attach over a Unix domain
 * socket ({@code docs/protocol.md}; its names and messages in {@link dev.hoststack.protocol});
 * each connection the kernel accepts goes through the session layer's listener lookup and the
 * reuseport group's selector, and its descriptor is handed to the chosen worker process with
 * SCM_RIGHTS. Start one with {@link dev.hoststack.daemon.Daemon}.
 */
package dev.hoststack.daemon;
