package dev.hoststack.api;

/**
 * An application namespace (VPP's {@code app_namespace_t}): a name, a secret applications must
 * present to attach, and the FIB whose session tables its global-scope listeners go to. Each
 * namespace also has a local table of its own for local-scope listeners.
 */
public interface AppNamespace {

    /** The namespace's index; {@code 0} is the default namespace {@code "default"}. */
    int index();

    /** The namespace's name. */
    String name();

    /** The FIB (VRF) index whose global session tables this namespace uses. */
    int fibIndex();
}
