package dev.hoststack.cli;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.hoststack.client.HoststackApp;
import dev.hoststack.client.HoststackException;
import dev.hoststack.protocol.Names;
import com.google.gson.JsonArray;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code hoststack status --control DIR}: a running daemon's live counters. */
@Command(name = "status", mixinStandardHelpOptions = true,
        description = {"Asks a running daemon for its live counters ('show' over the control socket): totals, drops,",
            "dispatch mode, listening sockets (a reuseport group's selector, member weights and selector failures; a",
            "kernel group's kind, sockets and selections), and per application and per worker: pid, uid, window, in",
            "flight, accepted (reported by the worker when it accepts on its own socket, marked k), handed, taken,",
            "congestion skips, requeued. Every name is printed escaped (no control character reaches the terminal).",
            "Exit code 1 when no daemon answers or this user may not connect."})
public final class StatusCommand implements Callable<Integer> {

    @Option(names = "--control", required = true, paramLabel = "DIR", description = "the daemon's control directory")
    Path control;

    @Option(names = "--json", description = "print the reply as JSON")
    boolean json;

    @Override
    public Integer call() {
        List<String> pages;
        try {
            pages = HoststackApp.showPages(control, Duration.ofSeconds(10), MAX_PAGES);
        } catch (HoststackException e) {
            System.err.println("hoststack status: " + Names.escape(e.getMessage(), 2000));
            return 1;
        }
        JsonObject merged = merge(pages);
        if (json) {
            System.out.println(merged);
        } else {
            print(System.out, merged);
        }
        return 0;
    }

    /** The most {@code show} pages read (each holds up to half a megabyte of applications). */
    static final int MAX_PAGES = 64;

    /** The first page with the applications of every page. */
    static JsonObject merge(List<String> pages) {
        JsonObject first = JsonParser.parseString(pages.get(0)).getAsJsonObject();
        JsonArray apps = first.has("apps") ? first.getAsJsonArray("apps") : new JsonArray();
        for (String p : pages.subList(1, pages.size())) {
            JsonObject o = JsonParser.parseString(p).getAsJsonObject();
            if (o.has("apps")) {
                apps.addAll(o.getAsJsonArray("apps"));
            }
            first.remove("next");
            if (o.has("next")) {
                first.add("next", o.get("next"));
            }
        }
        return first;
    }

    private static String str(JsonObject o, String key) {
        JsonElement e = o.get(key);
        return e == null || e.isJsonNull() ? "-" : Names.escape(e.isJsonPrimitive() ? e.getAsString() : e.toString(), 80);
    }

    /** Prints a show reply as tables; every string from the daemon is escaped. */
    static void print(PrintStream out, JsonObject s) {
        out.printf("daemon pid %s, up %.1f s, %s open descriptors%n", s.get("daemon_pid"), s.get("uptime_ms").getAsLong() / 1000.0,
                s.get("open_fds"));
        StringBuilder t = new StringBuilder("totals:");
        for (Map.Entry<String, JsonElement> e : s.getAsJsonObject("totals").entrySet()) {
            t.append(' ').append(Names.escape(e.getKey(), 40)).append('=').append(Names.escape(e.getValue().toString(), 40));
        }
        out.println(t);
        if (s.has("dispatch") && s.get("dispatch").isJsonObject()) {
            out.println("dispatch: " + str(s.getAsJsonObject("dispatch"), "mode") + " (--dispatch "
                    + str(s.getAsJsonObject("dispatch"), "requested") + ")");
        }
        if (!s.getAsJsonObject("drops").isEmpty()) {
            out.println("drops: " + Names.escape(s.getAsJsonObject("drops").toString(), 2000));
        }
        if (s.has("refused") && !s.getAsJsonObject("refused").isEmpty()) {
            out.println("refused: " + Names.escape(s.getAsJsonObject("refused").toString(), 2000));
        }
        if (s.has("reservations") && s.getAsJsonObject("reservations").get("active").getAsBoolean()) {
            JsonObject r = s.getAsJsonObject("reservations");
            out.printf("reserved after the restart for %s s more: %s application name(s), %s port(s)%n", r.get("seconds_left"),
                    r.get("apps"), r.get("ports"));
        }
        out.println("listening sockets:");
        for (JsonElement e : s.getAsJsonArray("listeners")) {
            JsonObject l = e.getAsJsonObject();
            out.printf("  %-28s fib %s  listens %s  accepted %s  parked %s%s%s%n", str(l, "uri"), str(l, "fib"),
                    str(l, "listens"), str(l, "accepted"), str(l, "parked_now"),
                    l.has("paused") && l.get("paused").getAsBoolean() ? "  PAUSED" : "", kernel(l));
            if (l.has("weights") && l.get("weights").isJsonObject()) {
                StringBuilder w = new StringBuilder();
                for (Map.Entry<String, JsonElement> m : l.getAsJsonObject("weights").entrySet()) {
                    w.append(' ').append(Names.escape(m.getKey(), 40)).append('=').append(Names.escape(m.getValue().toString(), 8));
                }
                out.printf("    group: selector %s  weights%s  selector errors %s  fallbacks %s%n", str(l, "selector"), w,
                        str(l, "selector_errors"), str(l, "selector_fallbacks"));
            }
        }
        if (s.has("listeners_total") && s.get("listeners_total").getAsInt() > s.getAsJsonArray("listeners").size()) {
            out.printf("  ... %d listening sockets in all%n", s.get("listeners_total").getAsInt());
        }
        out.printf("  %-10s %-3s %8s %6s %6s %8s %10s %10s %10s %6s %8s %8s%n", "app", "w", "pid", "uid", "window",
                "inflight", "accepted", "handed", "taken", "skips", "req.away", "req.in");
        for (JsonElement e : s.getAsJsonArray("apps")) {
            for (JsonElement we : e.getAsJsonObject().getAsJsonArray("workers")) {
                row(out, we.getAsJsonObject(), "");
            }
        }
        if (s.has("next")) {
            out.printf("  ... more applications than %d pages hold (%s in all); hoststack status --json shows these pages%n",
                    MAX_PAGES, str(s, "apps_total"));
        }
        for (JsonElement we : s.getAsJsonArray("gone")) {
            row(out, we.getAsJsonObject(), "  gone: " + str(we.getAsJsonObject(), "gone"));
        }
    }

    /**
     * A worker's row. {@code accepted}: what it reported accepting on its own sockets (kernel
     * dispatch, marked {@code k}), or what it took from the daemon.
     */
    private static void row(PrintStream out, JsonObject w, String tail) {
        String accepted = str(w, "accepted") + ("worker".equals(str(w, "accepted_from")) ? " k" : "");
        out.printf("  %-10s %-3s %8s %6s %6s %8s %10s %10s %10s %6s %8s %8s%s%n", str(w, "app"), str(w, "worker"),
                str(w, "pid"), str(w, "uid"), str(w, "window"), str(w, "in_flight"), accepted, str(w, "handed"),
                str(w, "taken"), str(w, "congestion_skips"), str(w, "requeued_away"), str(w, "requeued_in"), tail);
    }

    /** A kernel group's figures for its listener's line, or nothing. */
    private static String kernel(JsonObject l) {
        if (!l.has("kernel") || !l.get("kernel").isJsonObject()) {
            return "";
        }
        JsonObject k = l.getAsJsonObject("kernel");
        return "  kernel " + str(k, "kind") + ", " + str(k, "sockets") + " sockets"
                + (k.has("selections") ? ", " + str(k, "selections") + " selections" : "")
                + (k.has("congestion_outs") && k.get("congestion_outs").getAsLong() > 0
                ? ", " + str(k, "congestion_outs") + " congestion outs" : "");
    }
}
