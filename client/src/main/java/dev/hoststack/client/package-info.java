/**
 * The library an application links to use hoststack-daemon, as VPP applications link VCL:
 * {@link dev.hoststack.client.HoststackApp#attach attach}, add workers, listen with reuseport, and
 * receive the connections the daemon hands to each worker as file descriptors
 * ({@link dev.hoststack.client.ConnectionHandler}) or ready Netty channels
 * ({@link dev.hoststack.client.ConnectionHandler#channels}). It speaks the protocol of
 * {@code docs/protocol.md} and carries no daemon code.
 */
package dev.hoststack.client;
