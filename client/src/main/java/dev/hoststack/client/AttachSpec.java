package dev.hoststack.client;

import static java.util.Objects.requireNonNull;

import io.netty.channel.EventLoopGroup;
import java.nio.file.Path;
import java.time.Duration;

/**
 * What an application attaches with.
 *
 * @param controlDir the daemon's control directory (holding {@code hoststack.sock})
 * @param app        the application's name, unique among attached applications
 * @param namespace  the namespace's name ({@code default} unless the daemon added others)
 * @param secret     the namespace's secret (0 for {@code default})
 * @param window     descriptors the daemon may have in flight to each worker (capped by the daemon)
 * @param timeout    how long a request waits for its reply
 * @param group      the event loops the workers run on (each worker takes {@code next()}), or null
 *                   for one thread of its own per worker, stopped when the application closes
 * @param reconnect  whether and how to reattach when the daemon is lost ({@link Reconnect#NEVER}: not)
 * @param protocolVersion the highest protocol version to speak (2; 1 to act as a version-1 client, which
 *                   never gets a listening socket of its own). A daemon that refuses version 2 gets 1.
 */
public record AttachSpec(Path controlDir, String app, String namespace, long secret, int window, Duration timeout,
                         EventLoopGroup group, Reconnect reconnect, int protocolVersion) {

    /** The socket's file name in the control directory. */
    public static final String SOCKET_NAME = dev.hoststack.protocol.Protocol.SOCKET_NAME;

    /** Validates. */
    public AttachSpec {
        requireNonNull(controlDir, "controlDir");
        requireNonNull(app, "app");
        requireNonNull(namespace, "namespace");
        requireNonNull(timeout, "timeout");
        requireNonNull(reconnect, "reconnect");
        if (window < 1) {
            throw new IllegalArgumentException("window " + window + " is not positive");
        }
        if (!dev.hoststack.protocol.Protocol.supported(protocolVersion)) {
            throw new IllegalArgumentException("protocol version " + protocolVersion + " is not in "
                    + dev.hoststack.protocol.Protocol.MIN_VERSION + ".." + dev.hoststack.protocol.Protocol.VERSION);
        }
    }

    /** The same, speaking the library's own protocol version. */
    public AttachSpec(Path controlDir, String app, String namespace, long secret, int window, Duration timeout,
                      EventLoopGroup group, Reconnect reconnect) {
        this(controlDir, app, namespace, secret, window, timeout, group, reconnect, dev.hoststack.protocol.Protocol.VERSION);
    }

    /** {@code app} in the default namespace, window 64, 10 s timeout, a thread per worker, no reconnect. */
    public static AttachSpec of(Path controlDir, String app) {
        return new AttachSpec(controlDir, app, "default", 0, 64, Duration.ofSeconds(10), null, Reconnect.NEVER);
    }

    /** The same in another namespace. */
    public AttachSpec inNamespace(String ns, long nsSecret) {
        return new AttachSpec(controlDir, app, ns, nsSecret, window, timeout, group, reconnect, protocolVersion);
    }

    /** The same with another window. */
    public AttachSpec withWindow(int w) {
        return new AttachSpec(controlDir, app, namespace, secret, w, timeout, group, reconnect, protocolVersion);
    }

    /** The same with another timeout. */
    public AttachSpec withTimeout(Duration t) {
        return new AttachSpec(controlDir, app, namespace, secret, window, t, group, reconnect, protocolVersion);
    }

    /** The same on the given event loops. */
    public AttachSpec onGroup(EventLoopGroup g) {
        return new AttachSpec(controlDir, app, namespace, secret, window, timeout, g, reconnect, protocolVersion);
    }

    /**
     * The same with a reconnect policy: when the daemon goes away (its connections close without
     * the application closing or detaching), the application reattaches with its workers and
     * listens, as {@link HoststackApp} describes.
     */
    public AttachSpec withReconnect(Reconnect r) {
        return new AttachSpec(controlDir, app, namespace, secret, window, timeout, group, r, protocolVersion);
    }

    /**
     * The same speaking at most protocol {@code version}: 1 acts as a version-1 client (the daemon
     * then accepts on this application's sockets of kernel groups itself and hands connections over).
     */
    public AttachSpec withProtocolVersion(int version) {
        return new AttachSpec(controlDir, app, namespace, secret, window, timeout, group, reconnect, version);
    }

    /** The control socket's path. */
    public Path socketPath() {
        return controlDir.resolve(SOCKET_NAME);
    }
}
