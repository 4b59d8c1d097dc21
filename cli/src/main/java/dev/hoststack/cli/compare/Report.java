package dev.hoststack.cli.compare;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/** The figures of {@code hoststack compare}: a summary on the terminal, a Markdown section and its charts. */
public final class Report {

    private Report() {
    }

    /** {@code 40}, {@code 33.3}: a percentage with at most one decimal. */
    static String pct(double percent) {
        String s = String.format(Locale.ROOT, "%.1f", percent);
        return s.endsWith(".0") ? s.substring(0, s.length() - 2) : s;
    }

    /** {@code 40.0}, {@code 33.3}: a percentage with one decimal. */
    static String pct1(double percent) {
        return String.format(Locale.ROOT, "%.1f", percent);
    }

    /** A duration in nanoseconds as {@code 300 µs}, {@code 2 ms}, {@code 1.5 s}. */
    static String time(double ns) {
        if (ns >= 1e9) {
            return trim(ns / 1e9) + " s";
        }
        if (ns >= 1e6) {
            return trim(ns / 1e6) + " ms";
        }
        return trim(ns / 1e3) + " µs";
    }

    private static String trim(double v) {
        String s = String.format(Locale.ROOT, v >= 100 ? "%.0f" : v >= 10 ? "%.1f" : "%.2f", v);
        return s.contains(".") ? s.replaceAll("0+$", "").replaceAll("\\.$", "") : s;
    }

    /** A wait in milliseconds, two decimals: {@code 12.34}. */
    static String ms(long ns) {
        return String.format(Locale.ROOT, "%.2f", ns / 1e6);
    }

    /** The applications of all results, in order of first appearance. */
    private static List<String> apps(List<Simulation.Result> results) {
        Set<String> s = new LinkedHashSet<>();
        for (Simulation.Result r : results) {
            r.apps().forEach(a -> s.add(a.app()));
        }
        return new ArrayList<>(s);
    }

    private static double share(Simulation.Result r, String app) {
        return r.apps().stream().filter(a -> a.app().equals(app)).mapToDouble(Simulation.AppResult::share).findFirst().orElse(0);
    }

    /** The load the arrivals put on the workers listening, from the start and after each change. */
    public static List<String> load(Workload w) {
        List<String> out = new ArrayList<>();
        Map<String, Double> capacity = new LinkedHashMap<>();
        for (Workload.App a : w.apps()) {
            double c = 0;
            for (ServiceTime s : a.workers()) {
                c += 1e9 / s.meanNanos();
            }
            capacity.put(a.name(), c);
        }
        Set<String> listening = new LinkedHashSet<>();
        for (Workload.App a : w.apps()) {
            if (a.initial()) {
                listening.add(a.name());
            }
        }
        out.add(loadLine("from the start", listening, capacity, w.rate()));
        for (Workload.Change c : w.events()) {
            if (c.join()) {
                listening.add(c.app());
            } else {
                listening.remove(c.app());
            }
            out.add(loadLine("after " + c.app() + (c.join() ? " joins" : " leaves"), listening, capacity, w.rate()));
        }
        return out;
    }

    private static String loadLine(String when, Set<String> apps, Map<String, Double> capacity, double rate) {
        double c = 0;
        for (String a : apps) {
            c += capacity.get(a);
        }
        return String.format(Locale.ROOT, "%s: %s listen, %.0f connections/s of service for %.0f arriving (%s %% busy if"
                + " spread in proportion to speed)", when, String.join(", ", apps), c, rate, pct(100 * rate / c));
    }

    // ---------------------------------------------------------------- terminal

    /** The summary, one line per selector. */
    public static void terminal(PrintStream out, Workload w, List<Simulation.Result> results) {
        List<String> apps = apps(results);
        StringBuilder h = new StringBuilder(String.format("  %-11s %9s %9s %13s", "selector", "wait p50", "wait p99",
                "peak pending"));
        for (String a : apps) {
            h.append(String.format(" %7s", a));
        }
        for (Workload.Change c : w.events()) {
            h.append(String.format("  moved: %s", c.app() + (c.join() ? " joins" : " leaves")));
        }
        out.println(h);
        for (Simulation.Result r : results) {
            Simulation.WorkerResult b = r.busiest();
            StringBuilder l = new StringBuilder(String.format("  %-11s %6s ms %6s ms %5d %-7s", r.selector(),
                    ms(Simulation.quantile(r.waits(), 0.5)), ms(Simulation.quantile(r.waits(), 0.99)), b.peakPending(),
                    b.label()));
            for (String a : apps) {
                l.append(String.format(" %6s%%", pct1(100 * share(r, a))));
            }
            for (int i = 0; i < w.events().size(); i++) {
                String head = "  moved: " + w.events().get(i).app() + (w.events().get(i).join() ? " joins" : " leaves");
                l.append(String.format("%" + head.length() + "s", pct1(100 * r.disruptions().get(i).fraction()) + " %"));
            }
            out.println(l);
        }
        for (Simulation.Result r : results) {
            if (!r.refused().isEmpty() || r.selectorErrors() > 0) {
                out.println("  " + r.selector() + ": not dispatched " + r.refused() + ", selector exceptions "
                        + r.selectorErrors() + ", fallbacks " + r.fallbacks());
            }
        }
    }

    // ---------------------------------------------------------------- Markdown

    /**
     * One workload's section: the workload, the summary table, the charts (written to
     * {@code imgDir} as {@code PREFIX-shares.png}, {@code -wait.png}, {@code -disruption.png}),
     * the per-worker tables and what they show.
     *
     * @param imgRef how the Markdown file refers to {@code imgDir} (e.g. {@code img})
     */
    public static String section(Workload w, Path file, List<Simulation.Result> results, Path imgDir, String imgRef, String prefix)
            throws IOException {
        StringBuilder md = new StringBuilder();
        List<String> apps = apps(results);
        md.append("## Workload `").append(w.name()).append("`\n\n");
        md.append("`").append(file).append("`:\n\n```\n");
        for (String l : w.text()) {
            md.append(l).append('\n');
        }
        md.append("```\n\n");
        md.append(String.format(Locale.ROOT, "%,d connections arrive as a Poisson process of %s per simulated second on %d"
                + " data threads; %,d flows are probed at each membership change. Service capacity against arrivals:%n%n",
                w.connections(), trim(w.rate()), w.threads(), w.probes()));
        for (String l : load(w)) {
            md.append("- ").append(l).append('\n');
        }
        md.append('\n');

        // summary
        md.append("### Summary\n\n| selector | wait p50 | wait p99 | wait max | peak pending (worker) |");
        for (String a : apps) {
            md.append(" ").append(a).append(" |");
        }
        for (Workload.Change c : w.events()) {
            md.append(" moved when ").append(c.app()).append(c.join() ? " joins" : " leaves").append(" |");
        }
        md.append("\n|---|--:|--:|--:|--:|");
        md.append("--:|".repeat(apps.size() + w.events().size()));
        md.append('\n');
        for (Simulation.Result r : results) {
            Simulation.WorkerResult b = r.busiest();
            md.append("| `").append(r.selector()).append("` | ").append(ms(Simulation.quantile(r.waits(), 0.5))).append(" ms | ")
                    .append(ms(Simulation.quantile(r.waits(), 0.99))).append(" ms | ")
                    .append(ms(Simulation.quantile(r.waits(), 1.0))).append(" ms | ").append(b.peakPending()).append(" (")
                    .append(b.label()).append(") |");
            for (String a : apps) {
                md.append(' ').append(pct1(100 * share(r, a))).append(" % |");
            }
            for (Simulation.Disruption d : r.disruptions()) {
                md.append(' ').append(pct1(100 * d.fraction())).append(" % |");
            }
            md.append('\n');
        }
        md.append("\nWait: from a connection's arrival (its SYN and final ACK) to the moment its worker took it, in"
                + " simulated time, over all connections. Peak pending: the most connections one worker had dispatched to it"
                + " and not yet taken. Shares: of all connections, per application. Moved: of the probe flows whose worker"
                + " is a member before and after the change, the fraction that a new SYN would now take to another"
                + " worker.\n\n");
        for (Simulation.Result r : results) {
            if (!r.refused().isEmpty() || r.selectorErrors() > 0 || r.fallbacks() > 0) {
                md.append("`").append(r.selector()).append("`: not dispatched ").append(r.refused()).append(", selector"
                        + " exceptions ").append(r.selectorErrors()).append(", fallbacks to the kernel's hash ")
                        .append(r.fallbacks()).append(".\n\n");
            }
        }

        // charts
        Files.createDirectories(imgDir);
        Map<String, Map<String, Double>> shares = new LinkedHashMap<>();
        for (String a : apps) {
            Map<String, Double> m = new LinkedHashMap<>();
            for (Simulation.Result r : results) {
                m.put(r.selector(), 100 * share(r, a));
            }
            shares.put(a, m);
        }
        CompareCharts.bars(imgDir.resolve(prefix + "-shares.png"), "Share of the connections per application (" + w.name()
                + ")", "selector", "share of connections (%)", shares, false);
        Map<String, Map<String, Double>> waits = new LinkedHashMap<>();
        for (String[] q : new String[][] {{"p50", "0.5"}, {"p99", "0.99"}}) {
            Map<String, Double> m = new LinkedHashMap<>();
            for (Simulation.Result r : results) {
                m.put(r.selector(), Simulation.quantile(r.waits(), Double.parseDouble(q[1])) / 1e6);
            }
            waits.put("wait " + q[0], m);
        }
        CompareCharts.bars(imgDir.resolve(prefix + "-wait.png"), "Wait from arrival to accept, simulated (" + w.name() + ")",
                "selector", "ms", waits, true);
        if (!w.events().isEmpty()) {
            Map<String, Map<String, Double>> moved = new LinkedHashMap<>();
            for (int i = 0; i < w.events().size(); i++) {
                Map<String, Double> m = new LinkedHashMap<>();
                for (Simulation.Result r : results) {
                    m.put(r.selector(), 100 * r.disruptions().get(i).fraction());
                }
                moved.put(w.events().get(i).label(), m);
            }
            CompareCharts.bars(imgDir.resolve(prefix + "-disruption.png"), "Flows moved by a membership change ("
                    + w.name() + ")", "selector", "% of the flows whose worker stayed a member", moved, false);
        }
        md.append("![shares](").append(imgRef).append('/').append(prefix).append("-shares.png)\n\n");
        md.append("![wait percentiles](").append(imgRef).append('/').append(prefix).append("-wait.png)\n\n");
        if (!w.events().isEmpty()) {
            md.append("![disruption](").append(imgRef).append('/').append(prefix).append("-disruption.png)\n\n");
        }

        md.append(observations(w, results));

        // per application and worker
        md.append("### Per application and worker\n\n");
        md.append("Busy: the time the worker spent serving over the run's simulated length. Pending:"
                + " connections dispatched to it and not yet taken, time-weighted mean and peak.\n\n");
        for (Simulation.Result r : results) {
            md.append("<details><summary><code>").append(r.selector()).append("</code>: ")
                    .append(r.description().replace("<", "&lt;")).append("</summary>\n\n");
            md.append("| | service | share | busy | pending mean | pending peak | wait p50 | wait p99 |\n");
            md.append("|---|---|--:|--:|--:|--:|--:|--:|\n");
            for (Simulation.AppResult a : r.apps()) {
                md.append("| **").append(a.app()).append("** | | ").append(pct1(100 * a.share())).append(" % | | ")
                        .append(String.format(Locale.ROOT, "%.2f", a.meanPending())).append(" | ").append(a.peakPending())
                        .append(" | ").append(ms(Simulation.quantile(a.waits(), 0.5))).append(" ms | ")
                        .append(ms(Simulation.quantile(a.waits(), 0.99))).append(" ms |\n");
                for (Simulation.WorkerResult x : r.workers()) {
                    if (!x.app().equals(a.app())) {
                        continue;
                    }
                    md.append("| ").append(x.label()).append(" | ").append(x.service()).append(" | ")
                            .append(pct1(100 * x.share())).append(" % | ").append(pct1(100 * busy(x, r))).append(" % | ")
                            .append(String.format(Locale.ROOT, "%.2f", x.meanPending())).append(" | ")
                            .append(x.peakPending()).append(" | ").append(ms(Simulation.quantile(x.waits(), 0.5)))
                            .append(" ms | ").append(ms(Simulation.quantile(x.waits(), 0.99))).append(" ms |\n");
                }
            }
            md.append("\n</details>\n\n");
        }
        return md.toString();
    }

    /** The fraction of the run a worker was serving connections. */
    static double busy(Simulation.WorkerResult x, Simulation.Result r) {
        return x.busy();
    }

    /** What the figures show, in sentences computed from them. */
    private static String observations(Workload w, List<Simulation.Result> results) {
        StringBuilder md = new StringBuilder("### What it shows\n\n");
        List<Simulation.Result> byP99 = new ArrayList<>(results);
        byP99.sort(Comparator.comparingLong(r -> Simulation.quantile(r.waits(), 0.99)));
        md.append("- **Wait.** p99 from lowest to highest: ");
        List<String> parts = new ArrayList<>();
        for (Simulation.Result r : byP99) {
            parts.add("`" + r.selector() + "` " + ms(Simulation.quantile(r.waits(), 0.99)) + " ms");
        }
        md.append(String.join(", ", parts)).append(".\n");
        for (Simulation.Result r : results) {
            Simulation.WorkerResult hot = null;
            for (Simulation.WorkerResult x : r.workers()) {
                if (hot == null || busy(x, r) > busy(hot, r)) {
                    hot = x;
                }
            }
            Simulation.WorkerResult b = r.busiest();
            md.append(String.format(Locale.ROOT, "- `%s`: busiest worker %s at %s %% busy (%s); the most pending, %d, on %s.%n",
                    r.selector(), hot.label(), pct1(100 * busy(hot, r)), hot.service(), b.peakPending(), b.label()));
        }
        if (!w.events().isEmpty()) {
            for (int i = 0; i < w.events().size(); i++) {
                final int k = i;
                List<Simulation.Result> byMoved = new ArrayList<>(results);
                byMoved.sort(Comparator.comparingDouble(r -> r.disruptions().get(k).fraction()));
                List<String> m = new ArrayList<>();
                for (Simulation.Result r : byMoved) {
                    Simulation.Disruption d = r.disruptions().get(k);
                    m.add("`" + r.selector() + "` " + pct1(100 * d.fraction()) + " %"
                            + (d.change().join() ? " (" + pct1(100.0 * d.toNewcomer() / Math.max(1, d.probed()))
                            + " % to " + d.change().app() + ")" : ""));
                }
                md.append("- **When ").append(w.events().get(i).label()).append("**, flows moved, fewest first: ")
                        .append(String.join(", ", m)).append(".\n");
            }
        }
        md.append('\n');
        return md.toString();
    }
}
