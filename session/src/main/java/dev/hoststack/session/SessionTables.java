package dev.hoststack.session;

import dev.hoststack.api.TransportProto;
import dev.hoststack.session.table.SessionHashTable;
import dev.hoststack.session.table.SessionKeys;

/**
 * One set of session tables: for a FIB, the IPv4 and IPv6 tables of established connections and
 * listeners plus the two half-open tables; for a namespace's local scope, the IPv4 and IPv6
 * listener tables only. Beside the tables, a {@link ListenerIndex} per protocol and family holds
 * the same listeners by port for the SYN path.
 */
public final class SessionTables {

    private final int id;
    private final String name;
    private final boolean local;
    private final SessionHashTable ip4;
    private final SessionHashTable ip6;
    private final SessionHashTable halfOpen4;
    private final SessionHashTable halfOpen6;
    /** By {@code proto.ordinal() * 2 + (ip4 ? 0 : 1)}. */
    private final ListenerIndex[] listeners = new ListenerIndex[TransportProto.values().length * 2];

    SessionTables(int id, String name, boolean local, int initialEntries, int maxEntries) {
        this.id = id;
        this.name = name;
        this.local = local;
        this.ip4 = new SessionHashTable(SessionKeys.IP4_WORDS, initialEntries, maxEntries);
        this.ip6 = new SessionHashTable(SessionKeys.IP6_WORDS, initialEntries, maxEntries);
        this.halfOpen4 = local ? null : new SessionHashTable(SessionKeys.IP4_WORDS, initialEntries, maxEntries);
        this.halfOpen6 = local ? null : new SessionHashTable(SessionKeys.IP6_WORDS, initialEntries, maxEntries);
        for (int i = 0; i < listeners.length; i++) {
            listeners[i] = new ListenerIndex((i & 1) == 0);
        }
    }

    /** A stack-wide id, part of a reuseport group's identity. */
    public int id() {
        return id;
    }

    /** {@code fib N} or {@code NAMESPACE local}. */
    public String name() {
        return name;
    }

    /** Whether this is a namespace's local table. */
    public boolean local() {
        return local;
    }

    /** The established-and-listener table of a family. */
    public SessionHashTable table(boolean ip4Family) {
        return ip4Family ? ip4 : ip6;
    }

    /** The half-open table of a family; null for a local table set. */
    public SessionHashTable halfOpen(boolean ip4Family) {
        return ip4Family ? halfOpen4 : halfOpen6;
    }

    /** The listener index of a protocol and family (the SYN path's lookup). */
    public ListenerIndex listeners(TransportProto proto, boolean ip4Family) {
        return listeners[proto.ordinal() * 2 + (ip4Family ? 0 : 1)];
    }

    @Override
    public String toString() {
        return name;
    }
}
