package dev.hoststack.protocol;

import java.util.List;

/**
 * The control protocol's fixed names and numbers.
 *
 * <p>Every message is one line of UTF-8 JSON ending in {@code \n}. A request has an {@code op};
 * a reply has {@code ok} (and, when false, {@code error}, {@code message}, {@code hint}); an
 * unsolicited message has {@code event}. Replies come in request order on each connection.
 */
public final class Protocol {

    /**
     * The protocol version spoken here; {@code hello} and {@code data} name it. Version 2 adds
     * kernel dispatch: a worker's own listening socket, sent once on its data connection
     * ({@code listen}'s reply says {@code "dispatch":"kernel"}), and {@code report}.
     */
    public static final int VERSION = 2;

    /** The oldest version a daemon still serves: a version-1 worker never gets a listening socket. */
    public static final int MIN_VERSION = 1;

    /** {@code listen}'s {@code dispatch} when the kernel picks the worker (version 2). */
    public static final String DISPATCH_KERNEL = "kernel";

    /** {@code listen}'s {@code dispatch} when the daemon accepts and hands each connection over. */
    public static final String DISPATCH_HANDOFF = "handoff";

    /** The socket's file name inside the control directory. */
    public static final String SOCKET_NAME = "hoststack.sock";

    /** The longest request line the daemon accepts, in bytes; a longer one is {@link Errors#BAD_REQUEST} and closes. */
    public static final int MAX_LINE = 64 * 1024;

    /**
     * The longest reply line a daemon sends, in bytes ({@code show} is paginated to stay under it);
     * a client must accept lines this long.
     */
    public static final int MAX_REPLY = 1 << 20;

    /** The smallest weight of a reuseport group's member ({@code weight}); every member has 1 until it sets one. */
    public static final int MIN_WEIGHT = 1;

    /** The largest weight of a reuseport group's member ({@code weight}): the session layer's bound. */
    public static final int MAX_WEIGHT = 256;

    /** The data window a worker gets when its {@code data} request names none. */
    public static final int DEFAULT_WINDOW = 64;

    /** Opens a control connection: {@code version}. */
    public static final String HELLO = "hello";
    /** Makes worker 0 of a new application: {@code app}, {@code namespace}, {@code secret}. */
    public static final String ATTACH = "attach";
    /** Makes another worker of an application: {@code app}. */
    public static final String ADD_WORKER = "add_worker";
    /** Opens a worker's data connection: {@code version}, {@code token}, {@code window}. */
    public static final String DATA = "data";
    /** {@code uri}, {@code reuseport}, {@code selector}. */
    public static final String LISTEN = "listen";
    /** {@code uri}. */
    public static final String UNLISTEN = "unlisten";
    /**
     * Sets the sender's application's weight in the reuseport group on an endpoint: {@code uri},
     * {@code weight} (1..256). Added within version 1: a daemon without it answers
     * {@link Errors#BAD_REQUEST} (unknown op).
     */
    public static final String WEIGHT = "weight";
    /** Detaches the worker's application. */
    public static final String DETACH = "detach";
    /** The live counters. */
    public static final String SHOW = "show";
    /** A worker's own counts (version 2): {@code accepted}, per URI, on the listening sockets it was given. */
    public static final String REPORT = "report";
    /** Every op, in the order the protocol page lists them. */
    public static final List<String> OPS = List.of(HELLO, ATTACH, ADD_WORKER, LISTEN, UNLISTEN, WEIGHT, DETACH, SHOW, REPORT,
            DATA);

    /** Whether a daemon of this module serves {@code version}. */
    public static boolean supported(long version) {
        return version >= MIN_VERSION && version <= VERSION;
    }

    /** The event sent to an application's other workers when one of them detached it: {@code app}. */
    public static final String EVENT_DETACHED = "detached";

    /**
     * The event a daemon sends just before it closes a connection for a timeout: {@code error}
     * (one of the {@code *_TIMEOUT} codes of {@link Errors}) and {@code message}.
     */
    public static final String EVENT_CLOSED = "closed";

    private Protocol() {
    }
}
