package dev.hoststack.cli;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

/**
 * What the real Linux kernel does with a reuseport group: opens sockets listening on one loopback
 * port with SO_REUSEPORT (port 0 for the first, then that port), makes real connections to it,
 * and counts what each socket accepts. Loopback only; everything it opens, it closes.
 *
 * <p>Accepted connections are reset (SO_LINGER 0) once the client's FIN has arrived, so neither
 * side keeps TIME_WAIT state and repeated runs don't exhaust ephemeral ports, and no client is
 * reset while its connect() is still returning.
 */
public final class KernelReuseport {

    private KernelReuseport() {
    }

    /** Whether this JDK and OS support SO_REUSEPORT on server sockets. */
    public static boolean supported() {
        try (ServerSocketChannel s = ServerSocketChannel.open()) {
            return s.supportedOptions().contains(StandardSocketOptions.SO_REUSEPORT);
        } catch (IOException e) {
            return false;
        }
    }

    /**
     * What a run did: connections each socket accepted, and connects the kernel refused (a reset
     * during the handshake; counted, not retried).
     *
     * @param accepted per socket
     * @param refused  connects that failed
     */
    public record Result(long[] accepted, long refused) {

        /** Connections accepted over all sockets. */
        public long total() {
            return java.util.Arrays.stream(accepted).sum();
        }
    }

    /**
     * Opens {@code sockets} listeners in one reuseport group on 127.0.0.1, makes {@code connections}
     * connections, and returns how many each socket accepted.
     *
     * @throws IOException if a socket cannot be opened, or no connection at all succeeds
     */
    public static Result run(int sockets, int connections) throws IOException {
        InetAddress loopback = InetAddress.getByName("127.0.0.1");
        List<ServerSocketChannel> servers = new ArrayList<>();
        long[] counts = new long[sockets];
        try (Selector selector = Selector.open()) {
            int port = 0;
            for (int i = 0; i < sockets; i++) {
                ServerSocketChannel s = ServerSocketChannel.open();
                servers.add(s);
                s.setOption(StandardSocketOptions.SO_REUSEPORT, true);
                s.bind(new InetSocketAddress(loopback, port), 4096);
                port = ((InetSocketAddress) s.getLocalAddress()).getPort();
                s.configureBlocking(false);
                s.register(selector, SelectionKey.OP_ACCEPT, i);
            }
            AtomicReference<IOException> failure = new AtomicReference<>();
            java.util.concurrent.atomic.AtomicLong connected = new java.util.concurrent.atomic.AtomicLong();
            java.util.concurrent.atomic.AtomicBoolean connecting = new java.util.concurrent.atomic.AtomicBoolean(true);
            Thread acceptor = new Thread(() -> {
                long accepted = 0;
                java.nio.ByteBuffer sink = java.nio.ByteBuffer.allocate(64);
                try {
                    while ((connecting.get() || accepted < connected.get()) && !Thread.currentThread().isInterrupted()) {
                        selector.select(100);
                        for (SelectionKey key : selector.selectedKeys()) {
                            if (key.channel() instanceof ServerSocketChannel server) {
                                int i = (Integer) key.attachment();
                                SocketChannel c;
                                while ((c = server.accept()) != null) {
                                    counts[i]++;
                                    accepted++;
                                    c.configureBlocking(false);
                                    c.register(selector, SelectionKey.OP_READ);
                                }
                            } else {
                                SocketChannel c = (SocketChannel) key.channel();
                                sink.clear();
                                if (c.read(sink) < 0) {
                                    // the client has closed: reset so that neither side keeps TIME_WAIT
                                    c.setOption(StandardSocketOptions.SO_LINGER, 0);
                                    c.close();
                                }
                            }
                        }
                        selector.selectedKeys().clear();
                    }
                } catch (IOException e) {
                    failure.set(e);
                } finally {
                    // accepted connections whose FIN has not been read yet
                    for (SelectionKey key : selector.keys()) {
                        if (key.channel() instanceof SocketChannel c && c.isOpen()) {
                            try {
                                c.setOption(StandardSocketOptions.SO_LINGER, 0);
                                c.close();
                            } catch (IOException e) {
                                failure.compareAndSet(null, e);
                            }
                        }
                    }
                }
            }, "kernel-reuseport-acceptor");
            acceptor.setDaemon(true);
            acceptor.start();
            InetSocketAddress target = new InetSocketAddress(loopback, port);
            long refused = 0;
            IOException lastRefusal = null;
            for (int n = 0; n < connections && failure.get() == null; n++) {
                try (SocketChannel client = SocketChannel.open(target)) {
                    connected.incrementAndGet();
                    client.shutdownOutput();
                } catch (java.net.SocketException e) {
                    refused++;
                    lastRefusal = e;
                }
            }
            connecting.set(false);
            if (connected.get() == 0 && lastRefusal != null) {
                throw lastRefusal;
            }
            try {
                acceptor.join(30_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            acceptor.interrupt();
            if (failure.get() != null) {
                throw failure.get();
            }
            return new Result(counts, refused);
        } finally {
            for (ServerSocketChannel s : servers) {
                s.close();
            }
        }

    }
}
