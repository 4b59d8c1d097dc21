package dev.hoststack.cli;

import dev.hoststack.api.AppEventType;
import dev.hoststack.api.Ip;
import dev.hoststack.api.SessionHandle;
import dev.hoststack.session.AttachOptions;
import dev.hoststack.session.ListenOptions;
import dev.hoststack.session.SessionWorker;
import dev.hoststack.stack.Stack;
import dev.hoststack.stack.StackConfig;
import dev.hoststack.tcp.TcpPeer;
import java.io.IOException;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParseResult;
import picocli.CommandLine.Spec;

/**
 * {@code hoststack demo}: the design note's example on a real stack built from the modules, for
 * every installed selector (built in or plugged in), beside what the real kernel's SO_REUSEPORT
 * does with the same layout.
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
        header = "The design note's example: three applications share one endpoint; each selector beside the kernel's.",
        description = "The design note's example: app1, app2 and app3 with 1, 2 and 3 workers listen with reuseport on one endpoint; real SYN and"
            + " final ACK segments from distinct clients go through transport-tcp. For every installed selector (built in,"
            + " and those of --plugins) it prints the first 12 dispatches beside the design note's order, then every"
            + " selector's share of the connections per application and per worker in one table, beside what the Linux"
            + " kernel's SO_REUSEPORT does with six real sockets on a loopback port. With --real:"
            + " real processes instead (a daemon and three worker processes on loopback), beside the kernel's SO_REUSEPORT"
            + " held by the same processes; everything it starts, it stops. Exits with 1 if a connection went unanswered"
            + " or the processes could not start.",
        sortOptions = false)
public final class DemoCommand implements Callable<Integer> {

    /** The seed's first nine dispatches, workers numbered from 1 as the design note numbers them. */
    public static final List<String> SEED = List.of(
            "app1-w1", "app2-w1", "app3-w1", "app1-w1", "app2-w2", "app3-w2", "app1-w1", "app2-w1", "app3-w3");

    private static final int[] WORKERS = {1, 2, 3};
    private static final String URI = "tcp://10.0.0.100/80";

    @Spec
    CommandSpec spec;

    @Option(names = "--connections", paramLabel = "N", defaultValue = "6000",
            description = "connections per run, at least 12 (default: ${DEFAULT-VALUE})")
    int connections;

    @Option(names = "--hash-secret", paramLabel = "N", defaultValue = "0", converter = CliChecks.Secret32.class,
            description = "the hash selector's secret, 32 bits: decimal -2147483648..4294967295 or 0x and up to 8 hex"
                + " digits; with --real, the daemon's (default: ${DEFAULT-VALUE})")
    int hashSecret;

    @Option(names = "--no-kernel", description = "skip the real kernel's column (not with --real)")
    boolean noKernel;

    @Option(names = "--real", description = "real processes: a daemon and three worker processes on loopback, real TCP"
            + " connections from a built-in client, one after another")
    boolean real;

    @Option(names = "--selector", paramLabel = "NAME", description = "with --real: the group's selector, any installed one"
            + " ('hoststack selectors' lists them; default: roundrobin; without --real the demo runs every installed"
            + " selector)")
    String selector;

    /** The result of one selector's run. */
    public record Run(String selector, List<String> first, DispatchTable table, long accepted) {
    }

    @Override
    public Integer call() throws Exception {
        PrintStream out = spec.commandLine().getOut() == null ? System.out : new PrintStream(System.out, true);
        CliChecks.range(spec, "--connections", connections, 12, Integer.MAX_VALUE);
        ParseResult given = spec.commandLine().getParseResult();
        if (real) {
            if (given.hasMatchedOption("--no-kernel")) {
                throw CliChecks.usage(spec, "--no-kernel applies to the model's demo, not to --real (whose worker processes"
                        + " hold the kernel's sockets too)");
            }
            String name = selector == null ? "roundrobin" : selector;
            CliChecks.knownSelector(spec, "--selector", name);
            try {
                return RealDemo.run(out, connections, name, hashSecret);
            } catch (IOException e) {
                System.err.println("hoststack demo --real: " + Main.oneLine(e.getMessage()));
                return Main.FAILED;
            }
        }
        if (selector != null) {
            throw CliChecks.usage(spec, "--selector applies to --real only (the model's demo runs every installed"
                    + " selector)");
        }
        long start = System.nanoTime();
        out.println("hoststack demo: app1, app2, app3 with 1, 2, 3 workers listen with reuseport on " + URI);
        out.println("each of " + connections + " clients sends a real SYN and the final ACK (bytes through transport-tcp).");
        out.println("workers are numbered from 0 here; the design note numbers them from 1 (app1-w0 here is its app1-w1).");
        out.println();
        Map<String, DispatchTable> columns = new LinkedHashMap<>();
        Map<String, String> descriptions = new LinkedHashMap<>();
        for (Plugins.Installed p : Plugins.providers(Plugins.loader(), Plugins.jars())) {
            descriptions.put(p.name(), p.description() + (p.origin().equals("built in") ? "" : " [" + p.origin() + "]"));
        }
        for (String selector : order(descriptions.keySet())) {
            Run run = run(selector, connections, hashSecret);
            columns.put(selector, run.table());
            out.println(selector + " (" + descriptions.get(selector) + "): the first 12 dispatches");
            out.println("  " + String.join(", ", run.first()));
            out.println("  as the design note writes them: " + String.join(", ", oneBased(run.first())));
            if (selector.equals("roundrobin")) {
                boolean same = oneBased(run.first()).subList(0, SEED.size()).equals(SEED);
                out.println("  the design note's sequence:     " + String.join(", ", SEED) + ", ..."
                        + (same ? "  (same)" : "  (DIFFERENT)"));
            }
            out.println("  accepted by the apps: " + run.accepted() + " of " + connections);
            out.println();
        }
        if (!noKernel) {
            if (KernelReuseport.supported()) {
                KernelReuseport.Result kernelRun = KernelReuseport.run(6, connections);
                long[] perSocket = kernelRun.accepted();
                DispatchTable kernel = new DispatchTable();
                int socket = 0;
                for (int a = 0; a < WORKERS.length; a++) {
                    for (int w = 0; w < WORKERS[a]; w++) {
                        kernel.declare("app" + (a + 1), w);
                        for (long n = 0; n < perSocket[socket]; n++) {
                            kernel.add("app" + (a + 1), w);
                        }
                        socket++;
                    }
                }
                columns.put("kernel", kernel);
                out.println("kernel SO_REUSEPORT: six real sockets on one 127.0.0.1 port (port 0, then reused),");
                out.println("  socket 1 is app1-w0, sockets 2-3 app2-w0..w1, sockets 4-6 app3-w0..w2; "
                        + connections + " real connections" + (kernelRun.refused() == 0 ? "."
                        : " (" + kernelRun.refused() + " of them reset by the kernel during the handshake)."));
                out.println();
            } else {
                out.println("kernel SO_REUSEPORT: not supported here; comparison skipped.");
            }
        }
        out.println("share of the connections per application and per worker"
                + (columns.containsKey("kernel") ? " (kernel: the real kernel's SO_REUSEPORT)" : "") + ":");
        DispatchTable.printShares(out, columns);
        out.println();
        out.println("round robin (and weighted, every weight 1 here) gives each application a third whatever its");
        out.println("workers; the hashes (kernel, hash, maglev) and the load-aware ones (p2c, least) spread over the six");
        out.println("workers, so app3 with three gets about half; incoming keeps this one data thread's connections on");
        out.println("worker 0 of each application. Weights, slow workers, members leaving: hoststack compare.");
        out.printf("done in %.2f s%n", (System.nanoTime() - start) / 1e9);
        return 0;
    }

    /** roundrobin and hash first (the seed's policies), then the others by name. */
    static List<String> order(java.util.Collection<String> names) {
        List<String> out = new ArrayList<>();
        for (String first : List.of("roundrobin", "hash")) {
            if (names.contains(first)) {
                out.add(first);
            }
        }
        for (String n : new java.util.TreeSet<>(names)) {
            if (!out.contains(n)) {
                out.add(n);
            }
        }
        return out;
    }

    private static List<String> oneBased(List<String> labels) {
        List<String> out = new ArrayList<>();
        for (String l : labels) {
            int dash = l.lastIndexOf("-w");
            out.add(l.substring(0, dash) + "-w" + (Integer.parseInt(l.substring(dash + 2)) + 1));
        }
        return out;
    }

    /**
     * One run of the example with a selector: builds the stack, attaches and listens, feeds
     * {@code connections} handshakes, and the apps accept every connection.
     */
    public static Run run(String selector, int connections, int hashSecret) {
        Stack stack = Stack.create(StackConfig.builder().threads(1).hashSecret(hashSecret).build());
        DispatchTable table = new DispatchTable();
        for (int a = 0; a < WORKERS.length; a++) {
            String app = "app" + (a + 1);
            stack.attach(AttachOptions.of(app));
            for (int w = 1; w < WORKERS[a]; w++) {
                stack.session().addWorker(app);
            }
            for (int w = 0; w < WORKERS[a]; w++) {
                stack.listen(app, w, URI, ListenOptions.reuseport(selector));
                table.declare(app, w);
            }
        }
        TcpPeer peer = new TcpPeer(stack.tcp());
        int server = Ip.ip4(Ip.parseAddress("10.0.0.100", ""));
        int clientBase = Ip.ip4(Ip.parseAddress("198.18.0.0", ""));
        List<String> first = new ArrayList<>();
        long[] accepted = new long[1];
        for (int i = 0; i < connections; i++) {
            long s = peer.connect4(0, clientBase + i / 50_000, 10_000 + i % 50_000, server, 80);
            if (s == SessionHandle.INVALID) {
                throw new IllegalStateException("handshake " + i + " did not complete: " + stack.tcp().result(0).drop());
            }
            SessionWorker w = stack.session().worker(stack.session().session(s).appWorkerIndex());
            table.add(w.application().name(), w.workerIndex());
            if (first.size() < 12) {
                first.add(w.label());
            }
            w.pollEvents((type, session, listener) -> {
                if (type == AppEventType.ACCEPT && stack.session().acceptReply(session)) {
                    accepted[0]++;
                }
            }, Integer.MAX_VALUE);
            if ((i & 1023) == 0) {
                stack.pollAll();
            }
        }
        stack.pollAll();
        return new Run(selector, first, table, accepted[0]);
    }
}
