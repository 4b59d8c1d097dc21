package dev.hoststack.daemon.internal;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import dev.hoststack.daemon.DaemonConfig;
import dev.hoststack.protocol.Errors;
import dev.hoststack.protocol.ProtocolException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * What each uid holds (control connections, applications, app workers, listens) against what it
 * may hold, so that one local user cannot take every slot. Root and the daemon's own user also
 * keep the last {@link DaemonConfig.Limits#PRIVILEGED_RESERVE} connections when the others have
 * taken the rest. Event-loop thread only.
 */
final class UidLimits {

    /** What one uid holds now. */
    static final class Usage {
        int connections;
        int apps;
        int workers;
        int listens;

        boolean empty() {
            return connections == 0 && apps == 0 && workers == 0 && listens == 0;
        }
    }

    private final DaemonConfig.Limits limits;
    private final int daemonUid;
    /** The effective bound on control connections, all users together. */
    final int maxConnections;
    /** The effective bound on one uid's control connections. */
    final int connectionsPerUid;
    private final Map<Integer, Usage> byUid = new HashMap<>();
    int connections;

    UidLimits(DaemonConfig.Limits limits, int daemonUid, int maxConnections) {
        this.limits = limits;
        this.daemonUid = daemonUid;
        this.maxConnections = maxConnections;
        this.connectionsPerUid = limits.connectionsPerUid() > 0 ? Math.min(limits.connectionsPerUid(), maxConnections)
                : Math.max(2, Math.min(512, maxConnections / 2));
    }

    /**
     * The bound on control connections when none is configured: half of the descriptors left
     * once the daemon has started (the other half for connections in flight and parked), at most 4,096.
     */
    static int derivedMaxConnections(long descriptorLimit, long openNow) {
        long left = descriptorLimit - openNow - Dispatcher.DESCRIPTOR_MARGIN;
        return (int) Math.max(DaemonConfig.Limits.PRIVILEGED_RESERVE + 2, Math.min(4096, left / 2));
    }

    /** The soft {@code RLIMIT_NOFILE} of this process, from {@code /proc/self/limits}, or -1. */
    static long descriptorLimit() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/limits"))) {
                if (line.startsWith("Max open files")) {
                    String soft = line.substring("Max open files".length()).trim().split("\\s+")[0];
                    return soft.equals("unlimited") ? Long.MAX_VALUE / 4 : Long.parseLong(soft);
                }
            }
        } catch (IOException | RuntimeException e) {
            // unknown
        }
        return -1;
    }

    boolean privileged(int uid) {
        return uid == 0 || uid == daemonUid;
    }

    private Usage usage(int uid) {
        return byUid.computeIfAbsent(uid, k -> new Usage());
    }

    private void tidy(int uid) {
        Usage u = byUid.get(uid);
        if (u != null && u.empty()) {
            byUid.remove(uid);
        }
    }

    /**
     * A connection of {@code uid} was accepted: counts it, or refuses it.
     *
     * @return null when it may stay, else the refusal (the caller sends it and closes)
     */
    ProtocolException connectionOpened(int uid) {
        int bound = privileged(uid) ? maxConnections : maxConnections - DaemonConfig.Limits.PRIVILEGED_RESERVE;
        if (connections >= bound) {
            return new ProtocolException(Errors.CONNECTION_LIMIT, "the daemon holds " + connections
                    + " control connections, as many as it may" + (privileged(uid) ? "" : " for users other than root and its own"),
                    "close connections you do not need, or start the daemon with a higher --max-connections (and ulimit -n)");
        }
        Usage u = usage(uid);
        if (u.connections >= connectionsPerUid) {
            tidy(uid);
            return new ProtocolException(Errors.UID_CONNECTION_LIMIT, "uid " + uid + " holds " + u.connections
                    + " control connections, as many as one uid may", "close connections you do not need, or start the"
                    + " daemon with a higher --max-connections-per-uid");
        }
        u.connections++;
        connections++;
        return null;
    }

    void connectionClosed(int uid) {
        Usage u = byUid.get(uid);
        if (u != null && u.connections > 0) {
            u.connections--;
            connections--;
            tidy(uid);
        }
    }

    /** @throws ProtocolException {@link Errors#UID_APP_LIMIT} */
    void checkApp(int uid) {
        Usage u = usage(uid);
        if (u.apps >= limits.appsPerUid()) {
            throw new ProtocolException(Errors.UID_APP_LIMIT, "uid " + uid + " has " + u.apps + " applications attached,"
                    + " as many as one uid may", "detach an application first, or start the daemon with a higher"
                    + " --max-apps-per-uid");
        }
    }

    /** @throws ProtocolException {@link Errors#UID_WORKER_LIMIT} */
    void checkWorker(int uid) {
        Usage u = usage(uid);
        if (u.workers >= limits.workersPerUid()) {
            throw new ProtocolException(Errors.UID_WORKER_LIMIT, "uid " + uid + " has " + u.workers + " app workers,"
                    + " as many as one uid may", "close workers first, or start the daemon with a higher --max-workers-per-uid");
        }
    }

    /** @throws ProtocolException {@link Errors#UID_LISTEN_LIMIT} */
    void checkListen(int uid) {
        Usage u = usage(uid);
        if (u.listens >= limits.listensPerUid()) {
            throw new ProtocolException(Errors.UID_LISTEN_LIMIT, "uid " + uid + " holds " + u.listens + " listens,"
                    + " as many as one uid may", "unlisten first, or start the daemon with a higher --max-listens-per-uid");
        }
    }

    void apps(int uid, int delta) {
        usage(uid).apps += delta;
        tidy(uid);
    }

    void workers(int uid, int delta) {
        usage(uid).workers += delta;
        tidy(uid);
    }

    void listens(int uid, int delta) {
        usage(uid).listens += delta;
        tidy(uid);
    }

    /** What each uid holds (at most {@code max} uids, those with the most connections first) and the bounds. */
    JsonObject json(int max) {
        JsonObject o = new JsonObject();
        o.addProperty("max_connections", maxConnections);
        o.addProperty("connections_per_uid", connectionsPerUid);
        o.addProperty("apps_per_uid", limits.appsPerUid());
        o.addProperty("workers_per_uid", limits.workersPerUid());
        o.addProperty("listens_per_uid", limits.listensPerUid());
        o.addProperty("privileged_reserve", DaemonConfig.Limits.PRIVILEGED_RESERVE);
        o.addProperty("max_pending_output", limits.maxPendingOutput());
        o.addProperty("hello_timeout_ms", limits.helloTimeout().toMillis());
        o.addProperty("request_timeout_ms", limits.requestTimeout().toMillis());
        o.addProperty("idle_timeout_ms", limits.idleTimeout().toMillis());
        o.addProperty("write_timeout_ms", limits.writeTimeout().toMillis());
        List<Map.Entry<Integer, Usage>> es = new ArrayList<>(byUid.entrySet());
        es.sort((a, b) -> Integer.compare(b.getValue().connections, a.getValue().connections));
        JsonArray us = new JsonArray();
        for (Map.Entry<Integer, Usage> e : es.subList(0, Math.min(max, es.size()))) {
            JsonObject u = new JsonObject();
            u.addProperty("uid", e.getKey());
            u.addProperty("connections", e.getValue().connections);
            u.addProperty("apps", e.getValue().apps);
            u.addProperty("workers", e.getValue().workers);
            u.addProperty("listens", e.getValue().listens);
            us.add(u);
        }
        o.add("uids", us);
        o.addProperty("uids_total", es.size());
        return o;
    }
}
