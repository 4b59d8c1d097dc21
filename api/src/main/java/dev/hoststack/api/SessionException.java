package dev.hoststack.api;

import static java.util.Objects.requireNonNull;

/**
 * A refused control-plane call: an error code, what was refused (endpoint, application, worker),
 * and what to do about it. Never thrown on the data path, where failures are counted drops.
 */
public final class SessionException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final SessionError code;
    private final String detail;

    /**
     * @param code   the error code
     * @param detail what was refused, naming the endpoint and application
     */
    public SessionException(SessionError code, String detail) {
        super(code + ": " + detail + " (" + code.hint() + ")");
        this.code = requireNonNull(code, "code");
        this.detail = detail;
    }

    /** The error code. */
    public SessionError code() {
        return code;
    }

    /** What was refused, without the code and hint. */
    public String detail() {
        return detail;
    }
}
