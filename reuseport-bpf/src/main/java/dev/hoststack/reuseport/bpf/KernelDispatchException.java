package dev.hoststack.reuseport.bpf;

import dev.hoststack.reuseport.bpf.internal.Errno;

/**
 * A kernel-dispatch operation failed; {@link #code()} says what kind of failure, the message says
 * what was asked, what the kernel answered and what to do.
 *
 * <p>Unchecked: every failure here is either a setup problem the caller reports once and falls
 * back from (no permission, old kernel, verifier refusal) or a limit the caller must respect
 * (a full group). Immutable; safe to share.
 */
public final class KernelDispatchException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    /** What kind of failure; stable names a daemon can map to its own error codes. */
    public enum Code {
        /** The kernel refused {@code bpf(2)} for lack of privilege (EPERM/EACCES). */
        NOT_PERMITTED,
        /** The kernel lacks something asked for: a map or program type, an attach type, a socket option. */
        UNSUPPORTED,
        /** The verifier refused a program; {@link #verifierLog()} holds its log. */
        VERIFIER_REJECTED,
        /** Every slot of the group's socket array is taken, or a table exceeds the limits the maps were made with. */
        LIMIT_EXCEEDED,
        /** A socket the kernel will not put in a reuseport socket array (not listening, no SO_REUSEPORT, in another array). */
        BAD_SOCKET,
        /** A socket call (socket, bind, listen, accept, setsockopt) failed. */
        SOCKET_FAILED,
        /** Any other failure of a {@code bpf(2)} command. */
        BPF_FAILED,
        /** The object was used after {@code close()}. */
        CLOSED
    }

    private final Code code;
    private final int errno;
    private final String verifierLog;

    public KernelDispatchException(Code code, String message) {
        this(code, message, 0, "");
    }

    public KernelDispatchException(Code code, String message, int errno, String verifierLog) {
        super(message);
        this.code = code;
        this.errno = errno;
        this.verifierLog = verifierLog == null ? "" : verifierLog;
    }

    /** What kind of failure this is. */
    public Code code() {
        return code;
    }

    /** The kernel's error number, 0 when the failure was found before any system call. */
    public int errno() {
        return errno;
    }

    /** The symbolic error name ({@code EPERM}, ...), empty when {@link #errno()} is 0. */
    public String errnoName() {
        return errno == 0 ? "" : Errno.name(errno);
    }

    /** The verifier's log for a refused program (log level 1), empty otherwise. Also part of the message. */
    public String verifierLog() {
        return verifierLog;
    }
}
