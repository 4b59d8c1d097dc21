package dev.hoststack.cli;

import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code hoststack bench --real}: the real runtime against the kernel's own SO_REUSEPORT. */
@Command(name = "bench", mixinStandardHelpOptions = true,
        header = "--real: the daemon's connection rate, CPU and latency beside the kernel's own SO_REUSEPORT.",
        description = "--real starts a daemon and three worker processes (1, 2, 3 workers) that also hold a kernel"
            + " SO_REUSEPORT group, then measures connections/s, server CPU µs per connection and connect-to-answer"
            + " latency (p50/p99) through daemon → workers and through the kernel: same processes, same client, same"
            + " run, the paths alternating round by round. With --runs N it does that N times, each with fresh"
            + " processes, and reports the spread of the daemon/kernel ratio over the runs. The JMH benchmarks of the"
            + " model are in the benchmarks module (benchmarks/run). Exits with 1 if a connection failed or the"
            + " processes could not start.",
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
            description = "rounds per run, each a daemon phase then a kernel phase, at least 1 (default: ${DEFAULT-VALUE})")
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

    @Option(names = "--dispatch", paramLabel = "MODE", defaultValue = "handoff",
            description = "the daemon's dispatch: handoff (it accepts every connection and hands it over) or kernel (an"
                + " SK_REUSEPORT program picks, each worker accepts on its own socket; needs root or CAP_BPF +"
                + " CAP_NET_ADMIN) (default: ${DEFAULT-VALUE})")
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
        if (!dispatch.equals("handoff") && !dispatch.equals("kernel")) {
            throw CliChecks.usage(spec, "--dispatch '%s': expected handoff or kernel", dispatch);
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
                + (dispatch.equals("handoff") ? "" : " --dispatch " + dispatch)
                + (write == null ? "" : " --write " + write);
        try {
            return RealBench.run(System.out, connections, concurrency, rounds, warmup, runs, write, command, selector,
                    dispatch.equals("kernel"));
        } catch (IOException e) {
            System.err.println("hoststack bench --real: " + Main.oneLine(e.getMessage()));
            return Main.FAILED;
        }
    }
}
