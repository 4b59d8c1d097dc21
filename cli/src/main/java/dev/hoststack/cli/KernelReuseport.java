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
 * <p>Accepted connections are closed with SO_LINGER 0 after the client's FIN, so neither side
 * keeps TIME_WAIT state and repeated runs don't exhaust ephemeral ports.
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
     * Opens {@code sockets} listeners in one reuseport group on 127.0.0.1, makes {@code connections}
     * connections, and returns how many each socket accepted.
     *
     * @throws IOException if a socket cannot be opened or a connection fails
     */
    public static long[] run(int sockets, int connections) throws IOException {
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
            Thread acceptor = new Thread(() -> {
                long accepted = 0;
                try {
                    while (accepted < connections && !Thread.currentThread().isInterrupted()) {
                        selector.select(100);
                        for (SelectionKey key : selector.selectedKeys()) {
                            int i = (Integer) key.attachment();
                            SocketChannel c;
                            while ((c = ((ServerSocketChannel) key.channel()).accept()) != null) {
                                counts[i]++;
                                accepted++;
                                c.setOption(StandardSocketOptions.SO_LINGER, 0);
                                c.close();
                            }
                        }
                        selector.selectedKeys().clear();
                    }
                } catch (IOException e) {
                    failure.set(e);
                }
            }, "kernel-reuseport-acceptor");
            acceptor.setDaemon(true);
            acceptor.start();
            InetSocketAddress target = new InetSocketAddress(loopback, port);
            for (int n = 0; n < connections && failure.get() == null; n++) {
                try (SocketChannel client = SocketChannel.open(target)) {
                    client.shutdownOutput();
                }
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
            return counts;
        } finally {
            for (ServerSocketChannel s : servers) {
                s.close();
            }
        }
    }
}
