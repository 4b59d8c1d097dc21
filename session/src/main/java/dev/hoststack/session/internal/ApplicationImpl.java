package dev.hoststack.session.internal;

import dev.hoststack.api.Endpoint;
import dev.hoststack.api.Scope;
import dev.hoststack.session.SessionApplication;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * An attached application. Changed only on the control thread; data threads read its worker
 * array, which is replaced (never changed in place) on every change.
 */
public final class ApplicationImpl implements SessionApplication {

    private final int index;
    private final String name;
    private final AppNamespaceImpl namespace;
    private final int owner;
    private final Scope scope;
    private volatile AppWorkerImpl[] workers = new AppWorkerImpl[0];
    private volatile boolean attached = true;
    /** Control plane only: this app's listeners by endpoint. */
    private final Map<Endpoint, AppListenerImpl> listeners = new LinkedHashMap<>();

    public ApplicationImpl(int index, String name, AppNamespaceImpl namespace, int owner, Scope scope) {
        this.index = index;
        this.name = name;
        this.namespace = namespace;
        this.owner = owner;
        this.scope = scope;
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
    public AppNamespaceImpl namespace() {
        return namespace;
    }

    @Override
    public int owner() {
        return owner;
    }

    @Override
    public Scope scope() {
        return scope;
    }

    @Override
    public List<AppWorkerImpl> workers() {
        List<AppWorkerImpl> out = new ArrayList<>();
        for (AppWorkerImpl w : workers) {
            if (w != null) {
                out.add(w);
            }
        }
        return out;
    }

    /** The worker with the given index inside the app, or null. Data plane safe; allocation-free. */
    public AppWorkerImpl worker(int workerIndex) {
        AppWorkerImpl[] ws = workers;
        return workerIndex >= 0 && workerIndex < ws.length ? ws[workerIndex] : null;
    }

    /** The lowest free worker index. */
    public int nextWorkerIndex() {
        AppWorkerImpl[] ws = workers;
        for (int i = 0; i < ws.length; i++) {
            if (ws[i] == null) {
                return i;
            }
        }
        return ws.length;
    }

    public void putWorker(AppWorkerImpl w) {
        AppWorkerImpl[] ws = workers;
        AppWorkerImpl[] next = java.util.Arrays.copyOf(ws, Math.max(ws.length, w.workerIndex() + 1));
        next[w.workerIndex()] = w;
        workers = next;
    }

    public void removeWorker(int workerIndex) {
        AppWorkerImpl[] next = workers.clone();
        next[workerIndex] = null;
        int len = next.length;
        while (len > 0 && next[len - 1] == null) {
            len--;
        }
        workers = java.util.Arrays.copyOf(next, len);
    }

    @Override
    public boolean attached() {
        return attached;
    }

    public void markDetached() {
        attached = false;
    }

    /** The listeners by endpoint, live: the session layer's control thread changes it. */
    public Map<Endpoint, AppListenerImpl> listenerMap() {
        return listeners;
    }

    public List<AppListenerImpl> listeners() {
        return List.copyOf(listeners.values());
    }

    @Override
    public String toString() {
        return name;
    }
}
