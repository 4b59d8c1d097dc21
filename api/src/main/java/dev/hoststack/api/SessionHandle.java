package dev.hoststack.api;

/**
 * Packs and unpacks session handles and listener table values, as VPP does.
 *
 * <p>A session handle is {@code (long) thread << 32 | index}: the index of the session in the
 * pool of the data thread that created it, and that thread's index. Listen sessions always live
 * on thread 0, so a listener's handle equals its index.
 *
 * <p>A listener key in a session table holds one of two kinds of value: a listen session handle
 * (high 32 bits 0) or, for reuseport listeners, a <em>group value</em> {@code 1L << 32 | group}
 * (high 32 bits {@value #GROUP_TAG}). A group value has the same bits as the handle of session
 * {@code group} on thread 1; the two are told apart only by where they were found, so the
 * session layer keeps the invariant that a listener key never holds a session handle of a thread
 * other than 0 (checked where entries are added).
 *
 * <p>All methods are pure and allocation-free.
 */
public final class SessionHandle {

    /** The value returned by lookups that find nothing. Never a valid handle or group value. */
    public static final long INVALID = -1L;

    /** The high 32 bits of a listener table value that names a reuseport group. */
    public static final int GROUP_TAG = 1;

    private SessionHandle() {
    }

    /** The handle of session {@code index} in the pool of data thread {@code thread}. */
    public static long make(int thread, int index) {
        return (long) thread << 32 | (index & 0xFFFF_FFFFL);
    }

    /** The data thread whose pool holds the session. */
    public static int thread(long handle) {
        return (int) (handle >>> 32);
    }

    /** The session's index in its thread's pool. */
    public static int index(long handle) {
        return (int) handle;
    }

    /** The listener table value that names reuseport group {@code groupIndex}. */
    public static long groupValue(int groupIndex) {
        return (long) GROUP_TAG << 32 | (groupIndex & 0xFFFF_FFFFL);
    }

    /**
     * Whether a value found under a <em>listener</em> key names a reuseport group. Meaningless for
     * values found under an established 5-tuple.
     */
    public static boolean isGroupValue(long listenerValue) {
        return listenerValue >>> 32 == GROUP_TAG;
    }

    /** The group index of a group value. */
    public static int groupIndex(long groupValue) {
        return (int) groupValue;
    }

    /** {@code 0x} and 16 hex digits, the way VPP prints handles. */
    public static String format(long handle) {
        return String.format("0x%016x", handle);
    }
}
