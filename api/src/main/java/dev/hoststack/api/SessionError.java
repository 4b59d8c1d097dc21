package dev.hoststack.api;

/**
 * Errors of control-plane calls, in the spirit of VPP's {@code SESSION_E_*} codes.
 *
 * <p>Each code carries a hint saying what the caller can do; the {@link SessionException} built
 * from it carries a message naming the endpoint, application and worker concerned.
 */
public enum SessionError {
    /** VPP {@code SESSION_E_ALREADY_LISTENING}; apps see it as EADDRINUSE. */
    ALREADY_LISTENING("unlisten first, listen on another endpoint, or have every listener use reuseport"),
    /** VPP {@code SESSION_E_NOLISTEN}. */
    NOT_LISTENING("check the endpoint, the application and its listening workers"),
    /** VPP {@code SESSION_E_INVALID_NS}. */
    INVALID_NAMESPACE("add the namespace first (namespace add NAME secret N)"),
    /** VPP {@code SESSION_E_WRONG_NS_SECRET}. */
    WRONG_NAMESPACE_SECRET("attach with the secret the namespace was added with"),
    /** A namespace of that name exists already. */
    NAMESPACE_EXISTS("pick another name"),
    /** VPP {@code SESSION_E_APP_ATTACHED}-like: the name is taken. */
    APP_EXISTS("detach the other application or pick another name"),
    /** No application of that name or index. */
    NO_SUCH_APP("attach it first"),
    /** No worker of that index in the application. */
    NO_SUCH_WORKER("add a worker first; worker 0 exists from attach"),
    /** The URI or endpoint is not one the stack can use. */
    INVALID_ENDPOINT("listen on proto://address/port with a port in 1..65535"),
    /** The application's scope does not allow what was asked. */
    SCOPE("attach with the scope that allows it"),
    /** A listen asked for reuseport but no reuseport group module is installed. */
    REUSEPORT_UNAVAILABLE("compose the stack with the reuseport module"),
    /** Who-may-join: the group's members have another owner (the kernel's same-uid rule). */
    REUSEPORT_OWNER_MISMATCH("only applications of the group's owner may join it (port hijacking is refused)"),
    /** Who-may-join: the group's members belong to another namespace. */
    REUSEPORT_NAMESPACE_MISMATCH("only applications of the group's namespace may join it"),
    /** The group has its maximum number of members. */
    REUSEPORT_GROUP_FULL("raise the group capacity or unlisten another member"),
    /** The listen names a selector other than the one the group already uses. */
    SELECTOR_MISMATCH("listen with the group's selector, or with none"),
    /** No selector provider of that name was found. */
    UNKNOWN_SELECTOR("install the selector's jar with hoststack --plugins or on the class path, or use one of the known names"),
    /** A bound configured for the stack would be exceeded. */
    LIMIT("raise the configured limit"),
    /** The session is not in a state that allows the call. */
    INVALID_STATE("check the session's state first"),
    /** A transport refused the call. */
    TRANSPORT("see the message"),
    /** A reuseport member's weight outside 1..256. */
    INVALID_WEIGHT("give a weight of 1..256"),
    /** A selector's provider or selector threw on the control thread (creating it, or telling it of a change). */
    SELECTOR_FAILED("fix the selector or remove its plug-in; the message says what it threw");

    private final String hint;

    SessionError(String hint) {
        this.hint = hint;
    }

    /** What the caller can do about it. */
    public String hint() {
        return hint;
    }

    /** A {@link SessionException} of this code with a message formatted from the arguments. */
    public SessionException exception(String format, Object... args) {
        return new SessionException(this, String.format(format, args));
    }
}
