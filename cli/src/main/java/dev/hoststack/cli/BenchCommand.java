package dev.hoststack.cli;

import java.io.IOException;
import dev.hoststack.reuseport.bpf.KernelDispatchProbe;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code hoststack bench --real}: the real runtime against the kernel's own SO_REUSEPORT. */
@Command(name = "bench", mixinStandardHelpOptions = true,
        header = "--real: each path's connection rate, CPU and latency beside the kernel's own SO_REUSEPORT.",
        description = "--real starts worker processes (three: 1, 2, 3 workers) that also hold a kernel SO_REUSEPORT"
            + " group, and in front of them each path of --paths: a daemon with kernel dispatch, a daemon handing"
            + " connections off (with three worker processes of its own), HAProxy (mode tcp, roundrobin) over a port of"
            + " each worker's own. It measures connections/s, server CPU µs per connection and connect-to-answer"
            + " latency (p50/p99) through each path and through the kernel's group: same client, same run, the paths'"
            + " order rotating round by round, and gives each path's ratio to the kernel's. HAProxy is the haproxy on"
            + " the PATH or in /usr/sbin (or $HOSTSTACK_HAPROXY); without one that path is skipped with one line. With"
            + " --runs N it does that N times, each with fresh processes, and reports the spread of the ratios over the"
            + " runs. The JMH benchmarks of the model are in the benchmarks module (benchmarks/run). Exits with 1 if a"
            + " connection failed or the processes could not start.",
        sortOptions = false)
public final class BenchCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--real", description = "benchmark the real multi-process runtime (the only mode; required)")
    boolean real;

    @Option(names = "--connections", paramLabel = "N", defaultValue = "20000",
            description = "connections per phase (one path, one round), at least 1 (default: ${DEFAULT-VALUE})")
    int connections;

    @Option(names = "--concurrency", paramLabel = "N", defaultValue = "64",
            description = "connections in flight, at least 1 (default: ${DEFAULT-VALUE})")
    int concurrency;

    @Option(names = "--rounds", paramLabel = "N", defaultValue = "3",
            description = "rounds per run, each one phase per path and one of the kernel's group, at least 1 (default:"
                + " ${DEFAULT-VALUE})")
    int rounds;

    @Option(names = "--warmup", paramLabel = "N", defaultValue = "20000",
            description = "warm-up connections per path at the start of each run, not measured (default: ${DEFAULT-VALUE})")
    int warmup;

    @Option(names = "--runs", paramLabel = "N", defaultValue = "1",
            description = "runs, at least 1, each with fresh processes; the report gives the ratio's median and range over them"
                + " (default: ${DEFAULT-VALUE})")
    int runs;

    @Option(names = "--selector", paramLabel = "NAME", defaultValue = "roundrobin",
            description = "the daemon's selector for the workers' group, any installed one ('hoststack selectors' lists"
                + " them; a plug-in's with --plugins before the command) (default: ${DEFAULT-VALUE})")
    String selector;

    @Option(names = "--paths", paramLabel = "LIST", defaultValue = "kernel-dispatch,handoff,haproxy", split = ",",
            description = "the paths measured beside the kernel's group, any of kernel-dispatch (a daemon's group run by"
                + " its SK_REUSEPORT program, each worker accepting on its own socket; root or CAP_BPF + CAP_NET_ADMIN),"
                + " handoff (the daemon accepts every connection and hands it over), haproxy (default: ${DEFAULT-VALUE})")
    List<String> paths;

    @Option(names = "--dispatch", paramLabel = "MODE",
            description = "measure one daemon path only: kernel (as --paths kernel-dispatch) or handoff (as --paths"
                + " handoff); not with --paths (default: none, --paths decides)")
    String dispatch;

    @Option(names = "--write", paramLabel = "FILE",
            description = "replace the results' section of this Markdown file (made if missing; checked before the"
                + " run), e.g. docs/benchmarks-real.md")
    Path write;

    @Override
    public Integer call() throws InterruptedException {
        if (!real) {
            throw CliChecks.usage(spec, "give --real: it is the only mode here (the model's JMH benchmarks are in"
                    + " benchmarks/: benchmarks/run)");
        }
        CliChecks.range(spec, "--connections", connections, 1, Integer.MAX_VALUE);
        CliChecks.range(spec, "--concurrency", concurrency, 1, Integer.MAX_VALUE);
        CliChecks.range(spec, "--rounds", rounds, 1, Integer.MAX_VALUE);
        CliChecks.range(spec, "--warmup", warmup, 0, Integer.MAX_VALUE);
        CliChecks.range(spec, "--runs", runs, 1, Integer.MAX_VALUE);
        CliChecks.knownSelector(spec, "--selector", selector);
        List<RealBench.Route> routes = new ArrayList<>();
        if (dispatch != null) {
            if (spec.commandLine().getParseResult().hasMatchedOption("--paths")) {
                throw CliChecks.usage(spec, "--dispatch and --paths do not go together: --dispatch %s is --paths %s", dispatch,
                        dispatch.equals("kernel") ? "kernel-dispatch" : dispatch);
            }
            if (!dispatch.equals("handoff") && !dispatch.equals("kernel")) {
                throw CliChecks.usage(spec, "--dispatch '%s': expected handoff or kernel", dispatch);
            }
            routes.add(dispatch.equals("kernel") ? RealBench.Route.DISPATCH : RealBench.Route.HANDOFF);
        } else {
            for (String p : paths) {
                RealBench.Route r = RealBench.Route.of(p.trim());
                if (r == null) {
                    throw CliChecks.usage(spec, "--paths: unknown path '%s' (expected kernel-dispatch, handoff or haproxy)", p);
                }
                if (routes.contains(r)) {
                    throw CliChecks.usage(spec, "--paths: '%s' is given twice", p);
                }
                routes.add(r);
            }
        }
        if (write != null) {
            CliChecks.writableFile(spec, "--write", write);
        }
        StringBuilder plugins = new StringBuilder();
        for (Path jar : Plugins.jars()) {
            plugins.append("--plugins ").append(jar).append(' ');
        }
        String command = "./hoststack " + plugins + "bench --real --connections " + connections + " --concurrency " + concurrency
                + " --rounds " + rounds + " --warmup " + warmup + (runs == 1 ? "" : " --runs " + runs)
                + (selector.equals("roundrobin") ? "" : " --selector " + selector)
                + (dispatch != null ? " --dispatch " + dispatch : routes.equals(RealBench.DEFAULT_PATHS) ? ""
                        : " --paths " + String.join(",", routes.stream().map(r -> r.key).toList()))
                + (write == null ? "" : " --write " + write);
        try {
            RealBench.Settings settings = new RealBench.Settings(connections, concurrency, rounds, warmup, runs, selector,
                    routes, command);
            String kernelWhyNot = null;
            if (routes.contains(RealBench.Route.DISPATCH)) {
                KernelDispatchProbe.Result probe = KernelDispatchProbe.probe();
                kernelWhyNot = probe.available() ? null : probe.code() + ": " + probe.reason();
            }
            return RealBench.run(System.out, settings, write, Haproxy.find(System.getenv()), kernelWhyNot);
        } catch (IOException e) {
            System.err.println("hoststack bench --real: " + Main.oneLine(e.getMessage()));
            return Main.FAILED;
        }
    }
}
