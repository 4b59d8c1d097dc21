package dev.hoststack.it.probe;

import io.netty.channel.epoll.Epoll;
import io.netty.util.internal.PlatformDependent;

/**
 * Loads Netty's native epoll transport, as the daemon and the client library do, and prints
 * {@code epoll: available} and whether Netty has {@code sun.misc.Unsafe}
 * ({@code jdk.unsupported}); exits 1 with the cause when epoll is unavailable (a shared library
 * missing from the image, say, or a {@code /tmp} it cannot unpack into).
 */
public final class EpollProbe {

    private EpollProbe() {}

    public static void main(String[] args) {
        if (!Epoll.isAvailable()) {
            System.out.println("epoll: unavailable");
            Epoll.unavailabilityCause().printStackTrace(System.out);
            System.exit(1);
        }
        System.out.println("epoll: available");
        System.out.println("unsafe: " + PlatformDependent.hasUnsafe());
    }
}
