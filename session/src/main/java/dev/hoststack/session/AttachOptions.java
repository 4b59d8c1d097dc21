package dev.hoststack.session;

import static java.util.Objects.requireNonNull;

import dev.hoststack.api.Scope;

/**
 * What an application attaches with.
 *
 * @param name      its name, unique among attached applications
 * @param namespace the namespace's name ({@code "default"} for the default namespace)
 * @param secret    the namespace's secret (the default namespace's is 0)
 * @param owner     the owner identity, a uid; reuseport groups admit one owner only
 * @param scope     where its listeners are visible
 */
public record AttachOptions(String name, String namespace, long secret, int owner, Scope scope) {

    /** Validates the fields. */
    public AttachOptions {
        requireNonNull(name, "name");
        requireNonNull(namespace, "namespace");
        requireNonNull(scope, "scope");
    }

    /** Attach {@code name} to the default namespace, owner 0, global scope. */
    public static AttachOptions of(String name) {
        return new AttachOptions(name, SessionLayer.DEFAULT_NAMESPACE, 0, 0, Scope.GLOBAL);
    }

    /** The same with another namespace and secret. */
    public AttachOptions inNamespace(String ns, long nsSecret) {
        return new AttachOptions(name, ns, nsSecret, owner, scope);
    }

    /** The same with another owner. */
    public AttachOptions withOwner(int uid) {
        return new AttachOptions(name, namespace, secret, uid, scope);
    }

    /** The same with another scope. */
    public AttachOptions withScope(Scope s) {
        return new AttachOptions(name, namespace, secret, owner, s);
    }
}
