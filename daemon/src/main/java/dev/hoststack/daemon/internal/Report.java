package dev.hoststack.daemon.internal;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import dev.hoststack.api.AppListener;
import dev.hoststack.api.DropReason;
import dev.hoststack.api.Endpoint;
import dev.hoststack.protocol.Protocol;
import dev.hoststack.reuseport.ReuseportGroup;
import dev.hoststack.session.SessionApplication;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.List;
import java.util.Map;

/** The {@code show} reply: totals, drops, listening sockets, applications and workers, recently gone workers. */
final class Report {

    private static final int GONE_KEPT = 64;
    /** The applications of one {@code show} page take at most this many bytes; the rest is on the next pages. */
    static final int APPS_PAGE_BYTES = 512 * 1024;
    /** The most listening sockets listed (each line is short); {@code listeners_total} counts them all. */
    static final int LISTENERS_SHOWN = 1000;
    /** The most uids listed under {@code limits}. */
    static final int UIDS_SHOWN = 100;

    private final Core core;
    private final ArrayDeque<JsonObject> gone = new ArrayDeque<>();

    Report(Core core) {
        this.core = core;
    }

    /** Keeps a departed worker's counters (the last {@value #GONE_KEPT}). */
    void gone(WorkerConn w) {
        gone.addLast(worker(w));
        if (gone.size() > GONE_KEPT) {
            gone.pollFirst();
        }
    }

    JsonObject show() {
        return show(0);
    }

    /**
     * The {@code show} reply with the applications from index {@code from} on, as many as fit in
     * {@value #APPS_PAGE_BYTES} bytes; {@code next} is the index of the next page's first
     * application, absent on the last page. The whole reply stays under {@code Protocol.MAX_REPLY}.
     */
    JsonObject show(int from) {
        Stats s = core.stats;
        JsonObject r = new JsonObject();
        r.addProperty("version", Protocol.VERSION);
        r.addProperty("daemon_pid", ProcessHandle.current().pid());
        r.addProperty("uptime_ms", (System.nanoTime() - core.startNanos) / 1_000_000);
        r.addProperty("open_fds", openFds());
        JsonObject dispatch = new JsonObject();
        dispatch.addProperty("mode", core.kernel.available() ? Protocol.DISPATCH_KERNEL : Protocol.DISPATCH_HANDOFF);
        dispatch.addProperty("requested", core.config.kernel().dispatch().name().toLowerCase(java.util.Locale.ROOT));
        dispatch.addProperty("why", core.kernel.summary());
        r.add("dispatch", dispatch);
        r.add("kernel", ProcNet.netstat());
        JsonObject t = new JsonObject();
        t.addProperty("accepted", s.accepted);
        t.addProperty("handed", s.handed);
        t.addProperty("taken", s.taken);
        long inflight = 0;
        for (WorkerConn w : core.byGlobal.values()) {
            inflight += w.inflightConnections();
        }
        long parkedNow = 0;
        for (RealListener l : core.listeners.all()) {
            parkedNow += l.parked.size();
        }
        t.addProperty("in_flight", inflight);
        t.addProperty("parked_now", parkedNow);
        t.addProperty("parked", s.parkedTotal);
        t.addProperty("pauses", s.pauses);
        t.addProperty("congestion_skips", s.skips);
        t.addProperty("fallbacks", s.fallbacks);
        t.addProperty("requeued", s.requeued);
        t.addProperty("workers_died", s.workersDied);
        t.addProperty("workers_left", s.workersLeft);
        t.addProperty("accept_errors", s.acceptErrors);
        t.addProperty("control_accept_errors", s.controlAcceptErrors);
        t.addProperty("descriptor_pauses", s.descriptorPauses);
        t.addProperty("held_now", core.dispatcher.held);
        t.addProperty("held_max", core.dispatcher.maxHeld);
        t.addProperty("window_cap", core.dispatcher.windowCap);
        t.addProperty("backpressure_pauses", s.backpressurePauses);
        t.addProperty("internal_errors", s.internalErrors);
        t.addProperty("connections", core.conns.size());
        long refusals = 0;
        JsonObject rf = new JsonObject();
        for (Map.Entry<String, Long> e : s.refused.entrySet()) {
            rf.addProperty(e.getKey(), e.getValue());
            refusals += e.getValue();
        }
        t.addProperty("refused", refusals);
        long dropped = s.droppedListenerClosed;
        JsonObject dr = new JsonObject();
        for (Map.Entry<DropReason, Long> e : s.drops.entrySet()) {
            dr.addProperty(e.getKey().name(), e.getValue());
            dropped += e.getValue();
        }
        if (s.droppedListenerClosed > 0) {
            dr.addProperty("LISTENER_CLOSED", s.droppedListenerClosed);
        }
        t.addProperty("dropped", dropped);
        r.add("totals", t);
        r.add("drops", dr);
        r.add("refused", rf);
        r.add("limits", core.uids.json(UIDS_SHOWN));
        r.add("reservations", core.reservations.json());
        JsonArray ls = new JsonArray();
        r.addProperty("listeners_total", core.listeners.all().size());
        for (RealListener l : core.listeners.all()) {
            if (ls.size() >= LISTENERS_SHOWN) {
                break;
            }
            JsonObject o = new JsonObject();
            o.addProperty("uri", l.endpoint.toUri());
            o.addProperty("fib", l.fib);
            o.addProperty("listens", l.refs);
            group(o, l);
            o.addProperty("accepted", l.accepted);
            o.addProperty("parked_now", l.parked.size());
            o.addProperty("paused", l.paused);
            o.addProperty("pauses", l.pauses);
            o.addProperty("dispatch", l.kernel != null ? Protocol.DISPATCH_KERNEL : Protocol.DISPATCH_HANDOFF);
            if (l.kernel != null) {
                o.add("kernel", l.kernel.json());
            }
            ls.add(o);
        }
        r.add("listeners", ls);
        JsonArray as = new JsonArray();
        List<SessionApplication> all = List.copyOf(core.layer.applications());
        r.addProperty("apps_total", all.size());
        r.addProperty("apps_from", from);
        int bytes = 0;
        int i = from;
        for (; i < all.size(); i++) {
            SessionApplication a = all.get(i);
            JsonObject o = new JsonObject();
            o.addProperty("name", a.name());
            o.addProperty("namespace", a.namespace().name());
            o.addProperty("owner", a.owner());
            JsonArray ws = new JsonArray();
            for (WorkerConn w : core.apps.getOrDefault(a.name(), List.of())) {
                ws.add(worker(w));
            }
            o.add("workers", ws);
            bytes += o.toString().length();
            if (bytes > APPS_PAGE_BYTES && !as.isEmpty()) {
                break;
            }
            as.add(o);
        }
        r.add("apps", as);
        if (i < all.size()) {
            r.addProperty("next", i);
        }
        JsonArray ds = new JsonArray();
        gone.forEach(ds::add);
        r.add("gone", ds);
        return r;
    }

    static JsonObject worker(WorkerConn w) {
        JsonObject o = new JsonObject();
        o.addProperty("app", w.app);
        o.addProperty("worker", w.workerIndex);
        o.addProperty("pid", w.pid);
        o.addProperty("uid", w.uid);
        o.addProperty("data", w.data != null);
        o.addProperty("window", w.window);
        o.addProperty("version", w.version);
        o.addProperty("in_flight", w.inflightConnections());
        o.addProperty("handed", w.handed);
        o.addProperty("taken", w.taken);
        o.addProperty("congestion_skips", w.skipped);
        o.addProperty("requeued_away", w.requeuedAway);
        o.addProperty("requeued_in", w.requeuedIn);
        o.addProperty("fallback_in", w.fallbackIn);
        // connections the worker accepted itself on its own sockets (kernel dispatch), as it last reported them
        long reported = w.reportedAccepted();
        o.addProperty("accepted", reported >= 0 ? reported : w.taken);
        o.addProperty("accepted_from", reported >= 0 ? "worker" : "daemon");
        if (reported >= 0) {
            o.addProperty("reported_ms_ago", (System.nanoTime() - w.reportedNanos) / 1_000_000);
        }
        if (!w.kernelSockets.isEmpty()) {
            JsonArray ks = new JsonArray();
            for (KernelGroup.Member m : w.kernelSockets.values()) {
                ks.add(KernelGroup.json(m));
            }
            o.add("sockets", ks);
        }
        JsonArray l = new JsonArray();
        for (Endpoint ep : w.dead ? w.listensAtExit : w.listens) {
            l.add(ep.toUri());
        }
        o.add("listens", l);
        if (w.deathReason != null) {
            o.addProperty("gone", w.deathReason);
        }
        return o;
    }

    private static long openFds() {
        try (var s = Files.list(Path.of("/proc/self/fd"))) {
            return s.count() - 1; // the directory stream's own descriptor
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    /**
     * A reuseport listener's group: its selector, each member's weight (join order), and how often
     * the selector failed (threw, or answered out of range) and the kernel's hash chose instead.
     */
    private void group(JsonObject o, RealListener l) {
        for (ReuseportGroup g : core.stack.reuseport().groups()) {
            if (g.endpoint().equals(l.endpoint) && g.namespace().fibIndex() == l.fib && !g.tables().local()) {
                o.addProperty("selector", g.selectorName());
                JsonObject weights = new JsonObject();
                int[] w = g.weights();
                List<AppListener> members = g.memberListeners();
                for (int i = 0; i < w.length && i < members.size(); i++) {
                    weights.addProperty(members.get(i).application().name(), w[i]);
                }
                o.add("weights", weights);
                o.addProperty("selector_errors", g.selectorErrors());
                o.addProperty("selector_fallbacks", g.fallbacks());
                return;
            }
        }
    }
}
