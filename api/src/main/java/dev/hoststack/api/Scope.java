package dev.hoststack.api;

/**
 * Where an application's listeners are visible, as VPP's attach flags
 * {@code APP_OPTIONS_FLAGS_USE_GLOBAL_SCOPE} / {@code USE_LOCAL_SCOPE} say.
 */
public enum Scope {
    /** In the namespace FIB's session tables: reachable by segments arriving on that FIB. */
    GLOBAL,
    /** Only in the namespace's local table: reachable only by applications of the same namespace. */
    LOCAL,
    /** Both of the above. */
    BOTH;

    /** Whether listeners go to the FIB's tables. */
    public boolean global() {
        return this != LOCAL;
    }

    /** Whether listeners go to the namespace's local table. */
    public boolean local() {
        return this != GLOBAL;
    }
}
