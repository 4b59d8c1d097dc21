package dev.hoststack.cli;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code hoststack bench --real}: the real runtime against the kernel's own SO_REUSEPORT. */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = {"--real: starts a daemon and three worker processes (1, 2, 3 workers) that also hold a kernel",
            "SO_REUSEPORT group, then measures connections/s, server CPU µs per connection and connect-to-worker",
            "latency (p50/p99) through daemon → workers and through the kernel, same processes, same client, same run.",
            "The JMH benchmarks of the model are in the benchmarks module."})
public final class BenchCommand implements Callable<Integer> {

    @Option(names = "--real", description = "benchmark the real multi-process runtime (the only mode here)")
    boolean real;

    @Option(names = "--connections", defaultValue = "20000", description = "connections per phase (default: ${DEFAULT-VALUE})")
    int connections;

    @Option(names = "--concurrency", defaultValue = "64", description = "connections in flight (default: ${DEFAULT-VALUE})")
    int concurrency;

    @Option(names = "--rounds", defaultValue = "3", description = "rounds, each a daemon and a kernel phase (default: ${DEFAULT-VALUE})")
    int rounds;

    @Option(names = "--warmup", defaultValue = "20000", description = "warm-up connections per path (default: ${DEFAULT-VALUE})")
    int warmup;

    @Option(names = "--write", paramLabel = "FILE", description = "write the results into this Markdown file's section")
    Path write;

    @Override
    public Integer call() throws Exception {
        if (!real) {
            System.err.println("hoststack bench: only --real is implemented here; the model's JMH benchmarks are in benchmarks/");
            return 2;
        }
        if (connections < 1 || concurrency < 1 || rounds < 1 || warmup < 0) {
            System.err.println("hoststack bench: --connections, --concurrency and --rounds must be positive");
            return 2;
        }
        String command = "./hoststack bench --real --connections " + connections + " --concurrency " + concurrency
                + " --rounds " + rounds + " --warmup " + warmup + (write == null ? "" : " --write " + write);
        return RealBench.run(System.out, connections, concurrency, rounds, warmup, write, command);
    }
}
