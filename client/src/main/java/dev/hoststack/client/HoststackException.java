package dev.hoststack.client;

/**
 * The daemon refused a request, or could not be reached. {@link #code()} is the protocol's error
 * code: a session-layer name such as {@code ALREADY_LISTENING} or
 * {@code REUSEPORT_OWNER_MISMATCH}, a daemon-level one such as {@code NOT_OWNER}, or
 * {@code UNREACHABLE} / {@code ACCESS_DENIED} / {@code TIMEOUT} / {@code CLOSED} / {@code BAD_REPLY} from
 * this library.
 */
public final class HoststackException extends Exception {

    private static final long serialVersionUID = 1L;

    /** The daemon's socket could not be connected. */
    public static final String UNREACHABLE = "UNREACHABLE";
    /** No reply in time. */
    public static final String TIMEOUT = "TIMEOUT";
    /** The connection closed before the reply. */
    public static final String CLOSED = "CLOSED";
    /** The daemon's socket exists but this process may not connect to it (EACCES: its mode). */
    public static final String ACCESS_DENIED = "ACCESS_DENIED";
    /** The daemon sent something that is not the protocol (a line too long, or not JSON). */
    public static final String BAD_REPLY = "BAD_REPLY";

    private final String code;
    private final String hint;

    /**
     * @param code    the error code
     * @param message what was refused
     * @param hint    what to do about it, or null
     */
    public HoststackException(String code, String message, String hint) {
        super(code + ": " + message + (hint == null || hint.isEmpty() ? "" : " (" + hint + ")"));
        this.code = code;
        this.hint = hint;
    }

    /**
     * @param code    the error code
     * @param message what failed
     * @param cause   why
     */
    public HoststackException(String code, String message, Throwable cause) {
        super(code + ": " + message, cause);
        this.code = code;
        this.hint = null;
    }

    /** The error code. */
    public String code() {
        return code;
    }

    /** What to do about it, or null. */
    public String hint() {
        return hint;
    }
}
