package dev.hoststack.reuseport.bpf;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;

/**
 * Test fixture: {@code n} listening sockets in one reuseport group on a loopback port the kernel
 * picked, and a way to make one connection and learn which socket the kernel queued it on.
 * Owns the descriptors; close once. One test thread.
 */
final class Listeners implements AutoCloseable {

    final InetAddress address;
    final int port;
    final int[] fds;

    private Listeners(InetAddress address, int port, int[] fds) {
        this.address = address;
        this.port = port;
        this.fds = fds;
    }

    static Listeners open(InetAddress address, int n) {
        return open(address, n, 128);
    }

    static Listeners open(InetAddress address, int n, int backlog) {
        int[] fds = new int[n];
        fds[0] = ReuseportSockets.openListener(new InetSocketAddress(address, 0), backlog);
        int port = ReuseportSockets.localAddress(fds[0]).getPort();
        for (int i = 1; i < n; i++) {
            fds[i] = ReuseportSockets.openListener(new InetSocketAddress(address, port), backlog);
        }
        return new Listeners(address, port, fds);
    }

    static Listeners loopback4(int n) {
        return open(InetAddress.getLoopbackAddress(), n);
    }

    /** Connects once, finds the listener that got the connection, accepts and closes both ends; returns that listener's index. */
    int connectOnce() {
        try (Socket client = new Socket()) {
            client.setSoLinger(true, 0); // RST on close: no TIME_WAIT piling up over hundreds of connections
            client.connect(new InetSocketAddress(address, port), 2000);
            return acceptOne(fds);
        } catch (IOException e) {
            throw new UncheckedIOException("connect to " + address + ":" + port + " failed", e);
        }
    }

    /** Waits (up to 2 s) for a connection on one of {@code fds}, accepts and closes it; returns the index. */
    static int acceptOne(int[] fds) {
        int i = ReuseportSockets.awaitReadable(fds, 2000);
        assertThat(i).as("a connection queued on one of the group's listeners within 2 s").isGreaterThanOrEqualTo(0);
        int c = ReuseportSockets.accept(fds[i]);
        assertThat(c).as("accept on listener %d after poll said readable", i).isGreaterThanOrEqualTo(0);
        ReuseportSockets.close(c);
        return i;
    }

    /** Asserts that no listener has a connection queued. */
    void assertNothingQueued() {
        assertThat(ReuseportSockets.awaitReadable(fds, 0)).as("no listener has a connection left in its queue").isEqualTo(-1);
    }

    @Override
    public void close() {
        for (int fd : fds) {
            if (fd >= 0) {
                ReuseportSockets.close(fd);
            }
        }
    }
}
