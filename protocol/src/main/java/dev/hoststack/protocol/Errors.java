package dev.hoststack.protocol;

/**
 * The daemon-level error codes of a refusal ({@code "error"} of a reply whose {@code ok} is
 * false). The session layer's refusals keep their {@code SessionError} names
 * ({@code ALREADY_LISTENING}, {@code REUSEPORT_OWNER_MISMATCH}, {@code LIMIT}, ...).
 */
public final class Errors {

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
    /**
     * A listen whose group the kernel dispatches came before the worker's data connection was
     * open: the worker's listening socket goes over that connection.
     */
    public static final String NO_DATA_CONNECTION = "NO_DATA_CONNECTION";
    /**
     * A listen would put more sockets (or applications) in a kernel-dispatched group than its
     * maps were made for ({@code hoststack daemon --kernel-max-sockets}, {@code --kernel-max-apps}).
     */
    public static final String KERNEL_GROUP_FULL = "KERNEL_GROUP_FULL";
    /**
     * The kernel refused what a kernel-dispatched listen needs (a socket in the group, a table, the
     * program); the message has the kernel's answer.
     */
    public static final String KERNEL_DISPATCH_FAILED = "KERNEL_DISPATCH_FAILED";
    /** The daemon failed unexpectedly on the request (a bug); the connection stays usable. */
    public static final String INTERNAL = "INTERNAL";

    /** A name (application, namespace, selector) that is empty, too long, or holds a character other than visible ASCII. */
    public static final String INVALID_NAME = "INVALID_NAME";

    /** The daemon holds as many control connections as it may (all users together); the connection is closed. */
    public static final String CONNECTION_LIMIT = "CONNECTION_LIMIT";
    /** The peer's uid holds as many control connections as one uid may; the connection is closed. */
    public static final String UID_CONNECTION_LIMIT = "UID_CONNECTION_LIMIT";
    /** The peer's uid has as many applications attached as one uid may. */
    public static final String UID_APP_LIMIT = "UID_APP_LIMIT";
    /** The peer's uid has as many app workers as one uid may. */
    public static final String UID_WORKER_LIMIT = "UID_WORKER_LIMIT";
    /** The peer's uid holds as many listens as one uid may. */
    public static final String UID_LISTEN_LIMIT = "UID_LISTEN_LIMIT";
    /**
     * The endpoint's port or the application name belonged to another uid when the daemon last
     * stopped, and is kept for that uid for the grace period after the restart.
     */
    public static final String RESERVED = "RESERVED";
    /** Closing: the connection's first request did not come in time. */
    public static final String HELLO_TIMEOUT = "HELLO_TIMEOUT";
    /** Closing: a request line was begun and not finished in time. */
    public static final String REQUEST_TIMEOUT = "REQUEST_TIMEOUT";
    /** Closing: a connection that is no app worker sent nothing for too long. */
    public static final String IDLE_TIMEOUT = "IDLE_TIMEOUT";
    /** Closing: the connection left its replies unread for too long. */
    public static final String WRITE_TIMEOUT = "WRITE_TIMEOUT";

    private Errors() {
    }
}
