package dev.hoststack.session.internal;

import dev.hoststack.api.Endpoint;
import dev.hoststack.api.SessionHandle;
import dev.hoststack.session.SessionTables;
import java.util.List;

/**
 * A listen session (a {@code session_t} in LISTENING state on thread 0): one-to-one with its app
 * listener and with its transport listener, placed in one or two session tables (the FIB's for
 * global scope, the namespace's local table for local scope).
 *
 * <p>Immutable but for {@link #live()} and group indices, which the control thread sets before
 * publishing; data threads read it after finding its index in a table.
 */
public final class ListenSession {

    /** Where a listen session is entered: one table set, its key, and its group there if any. */
    public static final class Placement {
        private final SessionTables tables;
        private final long[] key;
        private final boolean ip4;
        private volatile int group = -1;

        public Placement(SessionTables tables, long[] key, boolean ip4) {
            this.tables = tables;
            this.key = key;
            this.ip4 = ip4;
        }

        /** The table set. */
        public SessionTables tables() {
            return tables;
        }

        /** The listener key (do not modify). */
        public long[] key() {
            return key;
        }

        /** Whether the key is IPv4. */
        public boolean ip4() {
            return ip4;
        }

        /** The reuseport group it is a member of there, or -1. */
        public int group() {
            return group;
        }

        public void group(int g) {
            group = g;
        }
    }

    private final int index;
    private final AppListenerImpl appListener;
    private final List<Placement> placements;
    private int transportListener = -1;
    private volatile boolean live = true;

    public ListenSession(int index, AppListenerImpl appListener, List<Placement> placements) {
        this.index = index;
        this.appListener = appListener;
        this.placements = List.copyOf(placements);
    }

    /** Its index in thread 0's pool. */
    public int index() {
        return index;
    }

    /** Its handle: thread 0, so equal to its index. */
    public long handle() {
        return SessionHandle.make(0, index);
    }

    /** Its app listener. */
    public AppListenerImpl appListener() {
        return appListener;
    }

    /** Its application. */
    public ApplicationImpl app() {
        return appListener.application();
    }

    /** The endpoint. */
    public Endpoint endpoint() {
        return appListener.endpoint();
    }

    /** Where it is entered. */
    public List<Placement> placements() {
        return placements;
    }

    /** The transport listener's index. */
    public int transportListener() {
        return transportListener;
    }

    public void transportListener(int index) {
        this.transportListener = index;
    }

    /** False once unlistened: data threads that still reach it treat it as gone. */
    public boolean live() {
        return live;
    }

    public void kill() {
        live = false;
    }

    @Override
    public String toString() {
        return "listen session " + index + " (" + app().name() + " " + endpoint().toUri() + ")";
    }
}
