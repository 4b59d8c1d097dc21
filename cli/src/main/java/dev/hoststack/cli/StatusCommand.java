package dev.hoststack.cli;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.hoststack.client.HoststackApp;
import dev.hoststack.client.HoststackException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code hoststack status --control DIR}: a running daemon's live counters. */
@Command(name = "status", mixinStandardHelpOptions = true,
        description = {"Asks a running daemon for its live counters ('show' over the control socket): totals, drops,",
            "listening sockets, and per application and per worker: pid, uid, window, in flight, handed, taken,",
            "congestion skips, requeued. Exit code 1 when no daemon answers."})
public final class StatusCommand implements Callable<Integer> {

    @Option(names = "--control", required = true, paramLabel = "DIR", description = "the daemon's control directory")
    Path control;

    @Option(names = "--json", description = "print the reply as JSON")
    boolean json;

    @Override
    public Integer call() {
        String reply;
        try {
            reply = HoststackApp.show(control, Duration.ofSeconds(10));
        } catch (HoststackException e) {
            System.err.println("hoststack status: " + e.getMessage());
            return 1;
        }
        if (json) {
            System.out.println(reply);
        } else {
            print(System.out, JsonParser.parseString(reply).getAsJsonObject());
        }
        return 0;
    }

    /** Prints a show reply as tables. */
    static void print(PrintStream out, JsonObject s) {
        out.printf("daemon pid %s, up %.1f s, %s open descriptors%n", s.get("daemon_pid"), s.get("uptime_ms").getAsLong() / 1000.0,
                s.get("open_fds"));
        StringBuilder t = new StringBuilder("totals:");
        for (Map.Entry<String, JsonElement> e : s.getAsJsonObject("totals").entrySet()) {
            t.append(' ').append(e.getKey()).append('=').append(e.getValue());
        }
        out.println(t);
        if (!s.getAsJsonObject("drops").isEmpty()) {
            out.println("drops: " + s.getAsJsonObject("drops"));
        }
        out.println("listening sockets:");
        for (JsonElement e : s.getAsJsonArray("listeners")) {
            JsonObject l = e.getAsJsonObject();
            out.printf("  %-28s fib %s  listens %s  accepted %s  parked %s%s%n", l.get("uri").getAsString(), l.get("fib"),
                    l.get("listens"), l.get("accepted"), l.get("parked_now"), l.get("paused").getAsBoolean() ? "  PAUSED" : "");
        }
        out.printf("  %-10s %-3s %8s %6s %6s %8s %10s %10s %6s %8s %8s%n", "app", "w", "pid", "uid", "window", "inflight",
                "handed", "taken", "skips", "req.away", "req.in");
        for (JsonElement e : s.getAsJsonArray("apps")) {
            for (JsonElement we : e.getAsJsonObject().getAsJsonArray("workers")) {
                row(out, we.getAsJsonObject(), "");
            }
        }
        for (JsonElement we : s.getAsJsonArray("gone")) {
            row(out, we.getAsJsonObject(), "  gone: " + we.getAsJsonObject().get("gone").getAsString());
        }
    }

    private static void row(PrintStream out, JsonObject w, String tail) {
        out.printf("  %-10s %-3s %8s %6s %6s %8s %10s %10s %6s %8s %8s%s%n", w.get("app").getAsString(), w.get("worker"),
                w.get("pid"), w.get("uid"), w.get("window"), w.get("in_flight"), w.get("handed"), w.get("taken"),
                w.get("congestion_skips"), w.get("requeued_away"), w.get("requeued_in"), tail);
    }
}
