package dev.hoststack.daemon;

/**
 * The control protocol's fixed names and numbers (documented in {@code docs/protocol.md}).
 *
 * <p>Every message is one line of UTF-8 JSON ending in {@code \n}. A request has an {@code op};
 * a reply has {@code ok} (and, when false, {@code error}, {@code message}, {@code hint}); an
 * unsolicited message has {@code event}. Replies come in request order on each connection.
 */
public final class Protocol {

    /** The protocol version this daemon speaks; {@code hello} and {@code data} name it. */
    public static final int VERSION = 1;

    /** The socket's file name inside the control directory. */
    public static final String SOCKET_NAME = "hoststack.sock";

    /** The longest line accepted, in bytes; a longer one is {@link #BAD_REQUEST} and closes. */
    public static final int MAX_LINE = 64 * 1024;

    /** The data window a worker gets when its {@code data} request names none. */
    public static final int DEFAULT_WINDOW = 64;

    // daemon-level error codes; the session layer's refusals keep their SessionError names

    /** Malformed JSON, a missing or mistyped field, an unknown op, or a line too long. */
    public static final String BAD_REQUEST = "BAD_REQUEST";
    /** The {@code hello} or {@code data} request names a version this daemon does not speak. */
    public static final String UNSUPPORTED_VERSION = "UNSUPPORTED_VERSION";
    /** A request before {@code hello}. */
    public static final String NO_HELLO = "NO_HELLO";
    /** listen / unlisten / detach on a connection that is no app worker. */
    public static final String NOT_ATTACHED = "NOT_ATTACHED";
    /** attach or add_worker on a connection that is an app worker already. */
    public static final String ALREADY_ATTACHED = "ALREADY_ATTACHED";
    /** add_worker from a peer whose uid is not the application's owner. */
    public static final String NOT_OWNER = "NOT_OWNER";
    /** A data connection with an unknown, used, or foreign token. */
    public static final String BAD_TOKEN = "BAD_TOKEN";
    /** A listen below the kernel's unprivileged port start from a peer that is not root. */
    public static final String PERMISSION_DENIED = "PERMISSION_DENIED";
    /** The daemon failed unexpectedly on the request (a bug); the connection stays usable. */
    public static final String INTERNAL = "INTERNAL";

    private Protocol() {
    }
}
