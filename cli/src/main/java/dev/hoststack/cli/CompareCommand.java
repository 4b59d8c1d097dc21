package dev.hoststack.cli;

import dev.hoststack.cli.compare.Report;
import dev.hoststack.cli.compare.Simulation;
import dev.hoststack.cli.compare.Workload;
import dev.hoststack.cli.scenario.ScenarioSyntaxException;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code hoststack compare}: every installed selector (or those named) through the same workload. */
@Command(name = "compare", mixinStandardHelpOptions = true,
        header = "Runs every installed selector through the same workload and compares waits, shares and disruption.",
        description = "Runs every installed selector (or those --selectors names) through the same workload on a real"
            + " stack: real SYN and final ACK segments through transport-tcp, the session layer's own load counts, a"
            + " simulated clock, the same arrivals and service times for every selector. The workload file gives the"
            + " applications, their workers' service-time distributions, the arrival rate, and who joins and leaves when"
            + " (docs/selectors.md describes it; examples in docs/selectors/). It prints, per selector, the wait from"
            + " arrival to accept (p50, p99), the most pending connections of a worker, each application's share, and the"
            + " fraction of probed flows each membership change moved; --write FILE also writes a Markdown report with"
            + " PNG charts and per-worker tables (docs/selectors.md is one). Exits with 2 on a usage error (a workload"
            + " line it cannot parse: 'hoststack compare: FILE:LINE: what was expected').",
        sortOptions = false)
public final class CompareCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Parameters(paramLabel = "WORKLOAD", arity = "1..*", description = "workload files (UTF-8 text), each run in turn")
    List<Path> workloads;

    @Option(names = "--selectors", paramLabel = "NAME,...", split = ",",
            description = "the selectors to run, in this order (default: every installed one, roundrobin and hash first)")
    List<String> selectors;

    @Option(names = "--write", paramLabel = "FILE", description = "write the report as Markdown to FILE and its charts to"
            + " FILE's directory's img/ (checked before the run), e.g. docs/selectors.md")
    Path write;

    @Override
    public Integer call() throws Exception {
        PrintStream out = System.out;
        Map<String, Plugins.Installed> installed = new LinkedHashMap<>();
        for (Plugins.Installed p : Plugins.providers(Plugins.loader(), Plugins.jars())) {
            installed.put(p.name(), p);
        }
        List<String> names = selectors == null ? DemoCommand.order(installed.keySet()) : selectors;
        Set<String> seen = new LinkedHashSet<>();
        for (String n : names) {
            CliChecks.knownSelector(spec, "--selectors", n);
            if (!seen.add(n)) {
                throw CliChecks.usage(spec, "--selectors names '%s' twice", n);
            }
        }
        if (write != null) {
            CliChecks.writableFile(spec, "--write", write);
        }
        List<Workload> parsed = new ArrayList<>();
        for (Path f : workloads) {
            if (Files.isDirectory(f)) {
                System.err.println("hoststack compare: " + f + ": is a directory, not a workload file");
                return Main.USAGE;
            }
            try {
                parsed.add(Workload.parse(f));
            } catch (ScenarioSyntaxException e) {
                System.err.println("hoststack compare: " + e.getMessage());
                return Main.USAGE;
            } catch (IOException e) {
                System.err.println("hoststack compare: " + f + ": " + CliChecks.why(e));
                return Main.USAGE;
            }
        }
        boolean terminal = System.console() != null;
        long start = System.nanoTime();
        StringBuilder sections = new StringBuilder();
        for (int k = 0; k < parsed.size(); k++) {
            Workload w = parsed.get(k);
            out.printf("hoststack compare: %s: %,d connections at %s/s on %d data thread%s; %s%n", workloads.get(k),
                    w.connections(), fmt(w.rate()), w.threads(), w.threads() == 1 ? "" : "s", Report.load(w).get(0));
            Simulation.Plan plan = new Simulation.Plan(w);
            List<Simulation.Result> results = new ArrayList<>();
            for (String name : names) {
                long t0 = System.nanoTime();
                Simulation.Result r = Simulation.run(plan, name, installed.get(name).description(), i -> {
                    if (terminal) {
                        out.printf("\r  %-11s %,d / %,d connections", name, i, w.connections());
                        out.flush();
                    }
                });
                results.add(r);
                String line = String.format(Locale.ROOT, "  %-11s %,d connections, %.1f simulated s, in %.1f s", name,
                        w.connections(), r.simulatedSeconds(), (System.nanoTime() - t0) / 1e9);
                out.print(terminal ? "\r" + line + "          \n" : line + "\n");
            }
            out.println();
            Report.terminal(out, w, results);
            out.println();
            if (write != null) {
                Path dir = write.toAbsolutePath().getParent();
                String prefix = "selectors-" + w.name().replaceAll("\\.[^.]*$", "").replaceAll("[^A-Za-z0-9_-]", "-");
                sections.append(Report.section(w, workloads.get(k), results, dir.resolve("img"), "img", prefix));
            }
        }
        if (write != null) {
            Files.writeString(write, document(names, installed, sections.toString(), (System.nanoTime() - start) / 1e9));
            out.println("written to " + write + " (charts in " + write.toAbsolutePath().getParent().resolve("img") + ")");
        }
        return 0;
    }

    private static String fmt(double v) {
        return v == Math.rint(v) ? String.format(Locale.ROOT, "%,.0f", v) : String.valueOf(v);
    }

    /** The command line that reproduces this run. */
    private String commandLine() {
        StringBuilder c = new StringBuilder("./hoststack ");
        for (java.nio.file.Path j : Plugins.jars()) {
            c.append("--plugins ").append(j).append(' ');
        }
        c.append("compare");
        for (Path w : workloads) {
            c.append(' ').append(w);
        }
        if (selectors != null) {
            c.append(" --selectors ").append(String.join(",", selectors));
        }
        c.append(" --write ").append(write);
        return c.toString();
    }

    private String document(List<String> names, Map<String, Plugins.Installed> installed, String sections, double seconds) {
        StringBuilder md = new StringBuilder();
        md.append("# Choosing a selector: `hoststack compare`\n\n");
        md.append("<!-- Generated by hoststack compare (cli/src/main/java/dev/hoststack/cli/CompareCommand.java and"
                + " compare/Report.java): change those, or the workloads, and run the command again; do not edit this file."
                + " -->\n\n");
        md.append("Which selector a group should use depends on what its members are like: equal or not, fast or slow,"
                + " staying or coming and going. `hoststack compare` runs every selector through the same workload on a"
                + " real stack and reports what each did: how long connections waited for a worker, how the connections"
                + " were shared, how many a worker had waiting, and how many flows a membership change moved.\n\n");
        md.append("```\n").append(commandLine()).append("\n```\n\n");
        md.append(String.format(Locale.ROOT, "Run on %s: %s, %d cores, JDK %s (%s); %.1f s of wall time for everything"
                + " below. The figures do not depend on the machine: the clock is simulated and every random number comes"
                + " from the workload's seed, so the same command gives the same tables anywhere.%n%n",
                LocalDate.now(), cpu(), Runtime.getRuntime().availableProcessors(), Runtime.version(),
                System.getProperty("java.vendor"), seconds));
        md.append("## In short\n\n");
        md.append("- Members alike and connections short: `roundrobin` (the design note's order, an exact third per"
                + " application) or `hash` (the kernel's: a share per worker, stateless).\n");
        md.append("- Members of different speeds, or a worker that may stall: `p2c` (two reads per SYN) or `least`"
                + " (every worker read per SYN); they follow what workers actually take, and need no configuration. In"
                + " the first workload below they keep the p99 wait near the service times while `roundrobin` and the"
                + " hashes let a slow application's queue grow.\n");
        md.append("- Capacities known in advance: `weighted` with `group weight` (or `weight` in the daemon's protocol):"
                + " exact, spread-out shares; every weight 1 is `roundrobin`.\n");
        md.append("- A flow must keep its worker across membership changes (clients reconnecting from the same port, UDP,"
                + " a table in the kernel): `maglev`, which moves almost only the flows of the member that leaves, where"
                + " `hash` moves a fifth to nearly half of the others'.\n");
        md.append("- Workers pinned one per data thread (a CPU's cache): `incoming`, thread k to worker k; it leaves"
                + " workers beyond the thread count idle and ignores speed, as the first workload shows.\n\n");
        md.append("## How it is measured\n\n");
        md.append("- **A real stack per selector**: the session layer, `transport-tcp`, the reuseport group and the"
                + " selector, as `hoststack run` builds them. Each connection is a real SYN then the final ACK (bytes"
                + " parsed by `transport-tcp`) from its own client address and port, given to the data thread its"
                + " 4-tuple hashes to (a NIC's RSS); the group's selector picks the worker, as it would for any SYN.\n");
        md.append("- **Workers**: each is one server. When idle it takes its oldest accept event (`pollEvents`), replies"
                + " `acceptReply`, serves the connection for a service time drawn from its distribution, then resets the"
                + " connection. Until taken, a connection is *pending*: CREATED or ACCEPTING in the session layer, the"
                + " figure load-aware selectors (`p2c`, `least`) read through the view.\n");
        md.append("- **A simulated clock**: time jumps from event to event (an arrival, a worker finishing). Arrivals are"
                + " a Poisson process; connection *i* gets the same arrival time and the same uniform number (turned into"
                + " a service time by its worker's distribution) under every selector, so the runs differ only by the"
                + " selector (common random numbers).\n");
        md.append("- **Membership changes** happen when a given share of the connections has arrived: a member joins"
                + " (attaches, adds its workers, listens), or leaves (its workers stop listening; what it had already"
                + " accepted it still serves). At each change a second stack with the same membership and selector is"
                + " probed with a fixed set of flows (a SYN, then a RST) before and after: *moved* is the fraction of the"
                + " flows whose worker is a member both times but is not the same worker. For `hash` and `maglev` that is"
                + " where a new connection of that 4-tuple goes; the others do not map a flow to a worker at all (a"
                + " round robin's next answer is the next worker whatever the flow), so they move most flows, and"
                + " affinity is not what they offer.\n\n");
        md.append("## The selectors\n\n| name | origin | what it does |\n|---|---|---|\n");
        for (String n : names) {
            Plugins.Installed p = installed.get(n);
            md.append("| `").append(n).append("` | ").append(p.origin().equals("built in") ? "built in" : "plug-in")
                    .append(" | ").append(p.description()).append(" |\n");
        }
        md.append('\n');
        md.append(sections);
        md.append("## Disruption, more closely\n\n");
        md.append("`hash` maps a flow by a range partition of its hash over the workers (`reciprocal_scale(h, n)`): when"
                + " a member leaves, every range after it shifts, so how many of the others' flows move depends on where"
                + " the member was in join order: about a fifth for the middle one of ten, about 44 % for the first or the"
                + " last, 30 % averaged over who leaves (`MaglevSelectorTest` measures every position). `maglev`'s"
                + " table keeps almost every entry of the members that stay (well under 1 % moved at every position), and"
                + " a newcomer takes about its share, from everyone. Neither protects an established connection: a"
                + " connection stays with its worker whatever the selector; these figures are about where the next SYN of"
                + " a 4-tuple goes (a client reconnecting from the same port, a UDP flow, a kernel table being"
                + " rebuilt).\n\n");
        md.append("## Run it yourself\n\n```\n./hoststack compare docs/selectors/seed-slow-app3.workload\n"
                + "./hoststack compare docs/selectors/ten-members.workload --selectors hash,maglev\n"
                + "./hoststack --plugins examples/selector-plugin/target/selector-plugin-0.1.0-SNAPSHOT.jar compare"
                + " docs/selectors/seed-slow-app3.workload\n```\n\n");
        md.append("A workload file, one command per line (`#` starts a comment):\n\n");
        md.append("| command | |\n|---|---|\n");
        md.append("| `seed N` | the random numbers: arrivals, service draws, probe flows (default 1) |\n");
        md.append("| `threads N` | data threads, 1..64 (default 2) |\n");
        md.append("| `connections N` | connections in the run, 100..10,000,000 (default 20,000) |\n");
        md.append("| `rate R` | arrivals per simulated second (required) |\n");
        md.append("| `probes N` | flows probed before and after each membership change (default 10,000; 0: none) |\n");
        md.append("| `app NAME workers N service DIST [join P%]` | an application of N workers (1..64), each serving a"
                + " connection in DIST; with `join`, it joins when P % of the connections have arrived |\n");
        md.append("| `worker NAME K service DIST` | worker K of the application serves in DIST instead |\n");
        md.append("| `weight NAME N` | the member's weight, 1..256 (`group weight`: `weighted` reads it) |\n");
        md.append("| `leave NAME P%` | the application's workers stop listening when P % of the connections have arrived |\n");
        md.append("\nDIST is `exp MEAN` (exponential), `fixed T`, `uniform LO HI` or `pareto MEAN ALPHA` (heavy-tailed,"
                + " ALPHA > 1); times carry a unit: `300us`, `2ms`, `0.5s`. A line that cannot be parsed stops the command"
                + " before anything runs: `hoststack compare: FILE:LINE: what was expected`, exit 2.\n");
        return md.toString();
    }

    private static String cpu() {
        try {
            for (String l : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
                if (l.startsWith("model name")) {
                    return l.substring(l.indexOf(':') + 1).strip();
                }
            }
        } catch (IOException | RuntimeException e) {
            // not Linux: say less
        }
        return System.getProperty("os.arch");
    }
}
