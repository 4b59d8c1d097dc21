package dev.hoststack.session;

/**
 * Options of a listen.
 *
 * @param reuseport whether the listener joins (or creates) the endpoint's reuseport group, so
 *                  that other applications may listen on the same endpoint
 * @param selector  the group's selection policy by name, or null for the stack's default; only
 *                  meaningful with {@code reuseport}
 */
public record ListenOptions(boolean reuseport, String selector) {

    /** A plain listen, as VPP does it today. */
    public static final ListenOptions PLAIN = new ListenOptions(false, null);

    /** A reuseport listen with the stack's default selector. */
    public static final ListenOptions REUSEPORT = new ListenOptions(true, null);

    /** A reuseport listen naming its group's selector. */
    public static ListenOptions reuseport(String selector) {
        return new ListenOptions(true, selector);
    }
}
