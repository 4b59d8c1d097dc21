package dev.hoststack.cli.compare;

import dev.hoststack.cli.scenario.ScenarioParser;
import dev.hoststack.cli.scenario.ScenarioSyntaxException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A workload for {@code hoststack compare}: who listens (applications, their workers and how long
 * each takes to serve a connection), how connections arrive, and who joins and leaves when. Parsed
 * from a small text file; every mistake is a {@link ScenarioSyntaxException} naming the file, the
 * line and what was expected.
 *
 * <pre>
 * seed 42                                   # the random numbers: arrivals, service times, probes
 * threads 2                                 # data threads (a SYN goes to hash(4-tuple) mod threads)
 * connections 20000                         # connections in the run
 * rate 1400                                 # arrivals per simulated second (Poisson)
 * probes 10000                              # flows probed before and after each membership change
 * app app1 workers 1 service exp 2ms        # an application, its workers and their service time
 * app app3 workers 3 service exp 6ms        # a slow one
 * app app4 workers 2 service exp 2ms join 40%   # joins when 40 % of the connections have arrived
 * worker app2 1 service exp 4ms             # one worker of its own speed
 * weight app2 2                             # the member's weight (for weighted)
 * leave app2 60%                            # its workers stop listening at 60 %
 * </pre>
 *
 * <p>Service times: {@code exp MEAN} (exponential), {@code fixed T}, {@code uniform LO HI},
 * {@code pareto MEAN ALPHA} (ALPHA &gt; 1; heavy-tailed); times with a unit, {@code us}, {@code ms}
 * or {@code s}.
 *
 * @param name        the file's name, for reports
 * @param text        the file's lines, for reports
 * @param seed        the random numbers' seed
 * @param threads     data threads
 * @param connections connections in the run
 * @param rate        arrivals per simulated second
 * @param probes      flows probed at each membership change
 * @param apps        the applications in file order
 * @param events      joins and leaves, by the arrival they happen before
 */
public record Workload(String name, List<String> text, long seed, int threads, int connections, double rate, int probes,
                       List<App> apps, List<Change> events) {

    /** The largest number of workers an application may have here. */
    public static final int MAX_WORKERS = 64;

    /** An application: its workers' service times (by worker index), its weight, and when it joins (0: at the start). */
    public record App(String name, List<ServiceTime> workers, int weight, double joinAt) {
        /** Whether it listens from the start. */
        public boolean initial() {
            return joinAt == 0;
        }
    }

    /** A membership change: {@code app} joins or leaves before arrival {@code atConnection}. */
    public record Change(String app, boolean join, double at, int atConnection) {
        /** {@code app4 joins at 40 %}. */
        public String label() {
            return app + (join ? " joins" : " leaves") + " at " + Report.pct(100 * at) + " %";
        }
    }

    /** Parses a workload file (UTF-8). */
    public static Workload parse(Path file) throws IOException, ScenarioSyntaxException {
        String text = ScenarioParser.decode(file.toString(), Files.readAllBytes(file));
        return parse(file.getFileName().toString(), file.toString(), text.lines().toList());
    }

    /** Parses lines; {@code where} names them in errors. */
    public static Workload parse(String name, String where, List<String> lines) throws ScenarioSyntaxException {
        long seed = 1;
        int threads = 2;
        int connections = 20_000;
        double rate = -1;
        int probes = 10_000;
        Map<String, AppBuilder> apps = new LinkedHashMap<>();
        Map<String, Double> leaves = new LinkedHashMap<>();
        for (int i = 0; i < lines.size(); i++) {
            Words w = new Words(where, i + 1, lines.get(i));
            if (!w.more()) {
                continue;
            }
            String verb = w.next("a command");
            switch (verb) {
                case "seed" -> seed = w.number("a seed", Long.MIN_VALUE, Long.MAX_VALUE);
                case "threads" -> threads = (int) w.number("data threads", 1, 64);
                case "connections" -> connections = (int) w.number("connections", 100, 10_000_000);
                case "rate" -> rate = w.decimal("arrivals per second", 1e-3, 1e9);
                case "probes" -> probes = (int) w.number("probe flows", 0, 1_000_000);
                case "app" -> {
                    String app = w.name("an application name");
                    if (apps.containsKey(app)) {
                        throw w.error("application '" + app + "' is already declared (line " + apps.get(app).line + ")");
                    }
                    w.keyword("workers");
                    int n = (int) w.number("workers", 1, MAX_WORKERS);
                    w.keyword("service");
                    ServiceTime st = ServiceTime.parse(w);
                    double join = 0;
                    if (w.more()) {
                        w.keyword("join");
                        join = w.percent();
                        if (join == 0) {
                            throw w.error("join 0% is the start: leave 'join' out");
                        }
                    }
                    w.end("app NAME workers N service DIST [join P%]");
                    apps.put(app, new AppBuilder(i + 1, n, st, join));
                }
                case "worker" -> {
                    AppBuilder a = known(w, apps, w.name("an application name"));
                    int k = (int) w.number("a worker index", 0, MAX_WORKERS - 1);
                    if (k >= a.workers.size()) {
                        throw w.error("worker " + k + ": the application has workers 0.." + (a.workers.size() - 1));
                    }
                    w.keyword("service");
                    a.workers.set(k, ServiceTime.parse(w));
                    w.end("worker APP K service DIST");
                }
                case "weight" -> {
                    AppBuilder a = known(w, apps, w.name("an application name"));
                    a.weight = (int) w.number("a weight", 1, 256);
                    w.end("weight APP N");
                }
                case "leave" -> {
                    String app = w.name("an application name");
                    known(w, apps, app);
                    if (leaves.containsKey(app)) {
                        throw w.error("application '" + app + "' already leaves");
                    }
                    double at = w.percent();
                    if (at == 0) {
                        throw w.error("leave at 0%: leave the application out instead");
                    }
                    w.end("leave APP P%");
                    leaves.put(app, at);
                }
                default -> throw w.error("unknown command '" + verb + "': expected seed, threads, connections, rate, probes,"
                        + " app, worker, weight or leave");
            }
        }
        if (rate < 0) {
            throw new ScenarioSyntaxException(where, lines.size(), "no 'rate N' (arrivals per simulated second)");
        }
        List<App> out = new ArrayList<>();
        boolean anyInitial = false;
        for (Map.Entry<String, AppBuilder> e : apps.entrySet()) {
            AppBuilder a = e.getValue();
            out.add(new App(e.getKey(), List.copyOf(a.workers), a.weight, a.join));
            anyInitial |= a.join == 0;
        }
        if (!anyInitial) {
            throw new ScenarioSyntaxException(where, lines.size(), "no application listens from the start ('app NAME"
                    + " workers N service DIST' without 'join')");
        }
        List<Change> events = new ArrayList<>();
        for (App a : out) {
            if (!a.initial()) {
                events.add(new Change(a.name(), true, a.joinAt(), (int) Math.round(a.joinAt() * connections)));
            }
        }
        for (Map.Entry<String, Double> e : leaves.entrySet()) {
            double join = apps.get(e.getKey()).join;
            if (e.getValue() <= join) {
                throw new ScenarioSyntaxException(where, apps.get(e.getKey()).line, "application '" + e.getKey()
                        + "' leaves at " + Report.pct(100 * e.getValue()) + " %, not after it joins at "
                        + Report.pct(100 * join) + " %");
            }
            events.add(new Change(e.getKey(), false, e.getValue(), (int) Math.round(e.getValue() * connections)));
        }
        events.sort((x, y) -> Double.compare(x.at(), y.at()));
        // at every moment someone listens: walk the changes
        int listening = (int) out.stream().filter(App::initial).count();
        for (Change c : events) {
            listening += c.join() ? 1 : -1;
            if (listening == 0) {
                throw new ScenarioSyntaxException(where, lines.size(), "after " + c.label() + " no application listens");
            }
        }
        return new Workload(name, List.copyOf(lines), seed, threads, connections, rate, probes, List.copyOf(out),
                List.copyOf(events));
    }

    private static AppBuilder known(Words w, Map<String, AppBuilder> apps, String app) throws ScenarioSyntaxException {
        AppBuilder a = apps.get(app);
        if (a == null) {
            throw w.error("no application '" + app + "' declared before this line (known: " + String.join(", ", apps.keySet())
                    + ")");
        }
        return a;
    }

    /** The total service capacity of the workers listening from the start, in connections per second. */
    public double initialCapacity() {
        double c = 0;
        for (App a : apps) {
            if (a.initial()) {
                for (ServiceTime s : a.workers()) {
                    c += 1e9 / s.meanNanos();
                }
            }
        }
        return c;
    }

    private static final class AppBuilder {
        final int line;
        final List<ServiceTime> workers = new ArrayList<>();
        int weight = 1;
        final double join;

        AppBuilder(int line, int n, ServiceTime st, double join) {
            this.line = line;
            for (int i = 0; i < n; i++) {
                workers.add(st);
            }
            this.join = join;
        }
    }

    /** The words of one line, with the parsing helpers and errors that name the line. */
    static final class Words {
        private final String where;
        private final int line;
        private final String[] w;
        private int i;

        Words(String where, int line, String text) {
            this.where = where;
            this.line = line;
            int hash = text.indexOf('#');
            String t = (hash >= 0 ? text.substring(0, hash) : text).strip();
            this.w = t.isEmpty() ? new String[0] : t.split("\\s+");
        }

        boolean more() {
            return i < w.length;
        }

        ScenarioSyntaxException error(String message) {
            return new ScenarioSyntaxException(where, line, message);
        }

        String next(String what) throws ScenarioSyntaxException {
            if (!more()) {
                throw error("expected " + what + " after '" + String.join(" ", w) + "'");
            }
            return w[i++];
        }

        String name(String what) throws ScenarioSyntaxException {
            String n = next(what);
            if (!n.matches("[A-Za-z0-9][A-Za-z0-9._-]{0,63}")) {
                throw error("'" + n + "' is not a name (letters, digits, '.', '_', '-'; at most 64)");
            }
            return n;
        }

        void keyword(String k) throws ScenarioSyntaxException {
            String n = next("'" + k + "'");
            if (!n.equals(k)) {
                throw error("expected '" + k + "', not '" + n + "'");
            }
        }

        long number(String what, long min, long max) throws ScenarioSyntaxException {
            String t = next(what);
            long v;
            try {
                v = Long.parseLong(t.replace("_", ""));
            } catch (NumberFormatException e) {
                throw error("expected " + what + " (a whole number), not '" + t + "'");
            }
            if (v < min || v > max) {
                throw error(what + " " + t + " is not in " + min + ".." + max);
            }
            return v;
        }

        double decimal(String what, double min, double max) throws ScenarioSyntaxException {
            String t = next(what);
            double v;
            try {
                v = Double.parseDouble(t.replace("_", ""));
            } catch (NumberFormatException e) {
                throw error("expected " + what + " (a number), not '" + t + "'");
            }
            if (!(v >= min && v <= max)) {
                throw error(what + " " + t + " is not in " + min + ".." + max);
            }
            return v;
        }

        /** {@code 40%} as 0.4; 0..100 %, exclusive of 100. */
        double percent() throws ScenarioSyntaxException {
            String t = next("a share of the connections, e.g. 40%");
            if (!t.endsWith("%")) {
                throw error("expected a share of the connections with '%', e.g. 40%, not '" + t + "'");
            }
            double v;
            try {
                v = Double.parseDouble(t.substring(0, t.length() - 1));
            } catch (NumberFormatException e) {
                throw error("expected a share of the connections, e.g. 40%, not '" + t + "'");
            }
            if (!(v >= 0 && v < 100)) {
                throw error("'" + t + "' is not in 0%..100% (exclusive)");
            }
            return v / 100;
        }

        /** A time with a unit: {@code 300us}, {@code 2ms}, {@code 0.5s}; in nanoseconds. */
        double time(String what) throws ScenarioSyntaxException {
            String t = next(what).toLowerCase(Locale.ROOT);
            double unit;
            String n;
            if (t.endsWith("us")) {
                unit = 1e3;
                n = t.substring(0, t.length() - 2);
            } else if (t.endsWith("ms")) {
                unit = 1e6;
                n = t.substring(0, t.length() - 2);
            } else if (t.endsWith("s")) {
                unit = 1e9;
                n = t.substring(0, t.length() - 1);
            } else {
                throw error("expected " + what + " with a unit (us, ms or s), e.g. 2ms, not '" + t + "'");
            }
            double v;
            try {
                v = Double.parseDouble(n);
            } catch (NumberFormatException e) {
                throw error("expected " + what + " with a unit (us, ms or s), e.g. 2ms, not '" + t + "'");
            }
            if (!(v > 0 && v * unit <= 3600e9)) {
                throw error(what + " '" + t + "' must be above 0 and at most an hour");
            }
            return v * unit;
        }

        void end(String form) throws ScenarioSyntaxException {
            if (more()) {
                throw error("unexpected '" + w[i] + "': expected " + form);
            }
        }
    }
}
