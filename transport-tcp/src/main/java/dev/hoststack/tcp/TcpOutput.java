package dev.hoststack.tcp;

import java.nio.ByteBuffer;

/**
 * Receives the segments the stack sends (SYN-ACK, RST, FIN) as real IP packets. Optional: with
 * none set the stack only counts what it sends and builds no bytes.
 *
 * <p>Called on the data thread that sends; the buffer is that thread's scratch and valid only
 * during the call (copy what you keep).
 */
@FunctionalInterface
public interface TcpOutput {

    /** One outgoing IP packet, {@code packet[position, limit)}. */
    void transmit(int thread, ByteBuffer packet);
}
