package dev.hoststack.protocol;

/**
 * A message that breaks the protocol, or a request refused with a protocol-level code: the code
 * (one of {@link Errors}), what was wrong, and what to do.
 */
public final class ProtocolException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final String code;
    private final String hint;

    /** A {@link Errors#BAD_REQUEST} with the protocol page as its hint. */
    public ProtocolException(String message) {
        this(Errors.BAD_REQUEST, message, "see docs/protocol.md");
    }

    /**
     * @param code    the error code
     * @param message what was refused
     * @param hint    what to do about it
     */
    public ProtocolException(String code, String message, String hint) {
        super(message);
        this.code = code;
        this.hint = hint;
    }

    /** The error code. */
    public String code() {
        return code;
    }

    /** What to do about it. */
    public String hint() {
        return hint;
    }
}
