package dev.hoststack.cli;

import dev.hoststack.client.sample.AnswerWorker;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code hoststack worker}: a ready worker process that answers each connection with who it is. */
@Command(name = "worker", mixinStandardHelpOptions = true,
        description = {"Attaches an application with N workers to a running daemon, listens on URI, and answers each",
            "connection with one HTTP/1.0 line naming the app, the worker and the pid (curl shows who answered).",
            "Prints 'ready app=.. workers=.. pid=.. uri=..' (uri with the port the daemon bound for port 0), or",
            "'error CODE message' and exits 3 when the daemon refuses; exits 4 when the daemon goes away."})
public final class WorkerCommand implements Callable<Integer> {

    @Option(names = "--control", required = true, paramLabel = "DIR", description = "the daemon's control directory")
    String control;

    @Option(names = "--app", required = true, paramLabel = "NAME", description = "the application's name")
    String app;

    @Option(names = "--workers", paramLabel = "N", defaultValue = "1", description = "app workers (default: ${DEFAULT-VALUE})")
    int workers;

    @Option(names = "--listen", required = true, paramLabel = "URI", description = "e.g. tcp://127.0.0.1/8080 (port 0: any)")
    String listen;

    @Option(names = "--reuseport", description = "join (or create) the endpoint's reuseport group")
    boolean reuseport;

    @Option(names = "--selector", paramLabel = "NAME", description = "the group's selector (roundrobin, hash, ...)")
    String selector;

    @Option(names = "--namespace", paramLabel = "NS", defaultValue = "default", description = "namespace (default: ${DEFAULT-VALUE})")
    String namespace;

    @Option(names = "--secret", paramLabel = "N", defaultValue = "0", description = "the namespace's secret")
    long secret;

    @Option(names = "--window", paramLabel = "N", defaultValue = "64", description = "descriptors in flight per worker")
    int window;

    @Option(names = "--kernel", paramLabel = "URI",
            description = "also hold one socket per worker in the kernel's own SO_REUSEPORT group on URI (for comparisons)")
    String kernel;

    @Option(names = "--reconnect", description = "when the daemon goes away, reattach with backoff instead of exiting")
    boolean reconnect;

    @Option(names = "--reconnect-attempts", paramLabel = "N",
            description = "attempts before giving up (implies --reconnect; default 30)")
    Integer reconnectAttempts;

    @Option(names = "--reconnect-max-delay", paramLabel = "MS",
            description = "longest wait between attempts, ms (implies --reconnect; default 5000)")
    Long reconnectMaxDelay;

    @Override
    public Integer call() {
        List<String> args = new ArrayList<>(List.of("--control", control, "--app", app, "--workers", String.valueOf(workers),
                "--listen", listen, "--namespace", namespace, "--secret", String.valueOf(secret), "--window", String.valueOf(window)));
        if (reuseport) {
            args.add("--reuseport");
        }
        if (selector != null) {
            args.addAll(List.of("--selector", selector));
        }
        if (kernel != null) {
            args.addAll(List.of("--kernel", kernel));
        }
        if (reconnect) {
            args.add("--reconnect");
        }
        if (reconnectAttempts != null) {
            args.addAll(List.of("--reconnect-attempts", String.valueOf(reconnectAttempts)));
        }
        if (reconnectMaxDelay != null) {
            args.addAll(List.of("--reconnect-max-delay", String.valueOf(reconnectMaxDelay)));
        }
        return AnswerWorker.run(args.toArray(String[]::new), System.out, System.err);
    }
}
