/**
 * The TCP transport of the model: segment parsing from bytes, the TCP listener pool, per-thread
 * connection pools, and the three-way handshake that creates sessions. Entry point:
 * {@link dev.hoststack.tcp.TcpTransport}.
 */
package dev.hoststack.tcp;
