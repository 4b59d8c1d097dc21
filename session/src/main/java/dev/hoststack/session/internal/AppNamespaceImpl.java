package dev.hoststack.session.internal;

import dev.hoststack.api.AppNamespace;
import dev.hoststack.session.SessionTables;

/** A namespace: name, secret, FIB, and its own local tables. Control plane only, except reads. */
public final class AppNamespaceImpl implements AppNamespace {

    private final int index;
    private final String name;
    private final long secret;
    private final int fibIndex;
    private final SessionTables localTables;

    public AppNamespaceImpl(int index, String name, long secret, int fibIndex, SessionTables localTables) {
        this.index = index;
        this.name = name;
        this.secret = secret;
        this.fibIndex = fibIndex;
        this.localTables = localTables;
    }

    @Override
    public int index() {
        return index;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public int fibIndex() {
        return fibIndex;
    }

    /** Whether {@code s} is this namespace's secret. */
    public boolean secretMatches(long s) {
        return secret == s;
    }

    /** The namespace's local-scope tables. */
    public SessionTables localTables() {
        return localTables;
    }

    @Override
    public String toString() {
        return name;
    }
}
