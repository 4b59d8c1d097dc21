package dev.hoststack.cli;

import dev.hoststack.client.sample.AnswerWorker;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code hoststack worker}: a ready worker process that answers each connection with who it is.
 * Its options are checked here, before anything attaches; the running worker is the client
 * module's {@link AnswerWorker} (whose own test-only options this command does not offer).
 */
@Command(name = "worker", mixinStandardHelpOptions = true,
        header = "Attaches an application with N workers to a running daemon and answers each connection.",
        description = "Attaches an application with N workers to the daemon of --control, listens on URI, and answers"
            + " each connection with one HTTP/1.0 line naming the app, the worker and the pid (curl shows who answered)."
            + " Prints 'ready app=.. workers=.. pid=.. uri=..' (uri with the port the daemon bound for port 0) and runs"
            + " until the daemon goes away. Exit codes: 2 on a usage error; 3 when the daemon refuses a request (it"
            + " prints 'error CODE message' on standard output); 4 when no daemon answers on --control, or it went away"
            + " (with --reconnect: after the last attempt).",
        sortOptions = false)
public final class WorkerCommand implements Callable<Integer> {

    /** Exit code when the daemon refuses a request. */
    public static final int REFUSED = 3;
    /** Exit code when no daemon answers, or it went away. */
    public static final int NO_DAEMON = 4;

    @Spec
    CommandSpec spec;

    @Option(names = "--control", required = true, paramLabel = "DIR",
            description = "the daemon's control directory (the one given to 'hoststack daemon --control')")
    Path control;

    @Option(names = "--app", required = true, paramLabel = "NAME", description = "the application's name, unique among"
            + " attached applications")
    String app;

    @Option(names = "--workers", paramLabel = "N", defaultValue = "1", description = "app workers, each a thread with its"
            + " own connection to the daemon (default: ${DEFAULT-VALUE})")
    int workers;

    @Option(names = "--listen", required = true, paramLabel = "URI", description = "where every worker listens, e.g."
            + " tcp://127.0.0.1/8080 or tcp://[::1]/8080; port 0: any free port (the ready line says which)")
    String listen;

    @Option(names = "--reuseport", description = "join (or create) the endpoint's reuseport group; without it the"
            + " endpoint must be free of other applications")
    boolean reuseport;

    @Option(names = "--selector", paramLabel = "NAME", description = "with --reuseport: the group's selector,"
            + " roundrobin, hash or one on the daemon's class path (default: the daemon's --selector)")
    String selector;

    @Option(names = "--weight", paramLabel = "N", description = "with --reuseport: the application's weight in the"
            + " group, 1..256 (default: 1), for selectors that use weights (weighted gives it N shares to a share of a"
            + " member of weight 1); set again after a --reconnect")
    Integer weight;

    @Option(names = "--namespace", paramLabel = "NS", defaultValue = "default", description = "the namespace to attach"
            + " to, one the daemon added with --namespace (default: ${DEFAULT-VALUE})")
    String namespace;

    @Option(names = "--secret", paramLabel = "N", defaultValue = "0", converter = CliChecks.Secret64.class,
            description = "the namespace's secret, 64 bits, decimal or 0x (default: ${DEFAULT-VALUE}, the default"
                + " namespace's)")
    long secret;

    @Option(names = "--window", paramLabel = "N", defaultValue = "64", description = "descriptors the daemon may have in"
            + " flight to each worker, at least 1; the daemon grants at most its --max-window (default: ${DEFAULT-VALUE})")
    int window;

    @Option(names = "--kernel", paramLabel = "URI", description = "also hold one socket per worker in the kernel's own"
            + " SO_REUSEPORT group on URI and answer there with via=kernel (for comparisons: demo --real and bench --real"
            + " use it); port 0: any")
    String kernel;

    @Option(names = "--direct", paramLabel = "HOST", description = "also listen on a port of each worker's own on HOST"
            + " (e.g. 127.0.0.1) and answer there with via=direct; the ready line lists them as direct_uris=URI,... (what"
            + " bench --real puts HAProxy in front of) (default: none, only the daemon's listen)")
    String direct;

    @Option(names = "--reconnect", description = "when the daemon goes away, reattach with backoff (100 ms doubling up"
            + " to the max delay) and listen again, instead of exiting with 4")
    boolean reconnect;

    @Option(names = "--reconnect-attempts", paramLabel = "N", description = "attempts before giving up, at least 1"
            + " (implies --reconnect; default: 30)")
    Integer reconnectAttempts;

    @Option(names = "--reconnect-max-delay", paramLabel = "MS", description = "the longest wait between attempts, in ms"
            + " (implies --reconnect; default: 5000)")
    Long reconnectMaxDelay;

    @Override
    public Integer call() {
        CliChecks.controlDirectory(spec, control);
        CliChecks.range(spec, "--workers", workers, 1, Integer.MAX_VALUE);
        CliChecks.range(spec, "--window", window, 1, Integer.MAX_VALUE);
        if (app.isBlank() || app.chars().anyMatch(Character::isWhitespace)) {
            throw CliChecks.usage(spec, "--app '%s': an application's name is one word", app);
        }
        CliChecks.tcpUri(spec, "--listen", listen);
        if (kernel != null) {
            CliChecks.tcpUri(spec, "--kernel", kernel);
        }
        if (direct != null) {
            CliChecks.tcpUri(spec, "--direct", "tcp://" + (direct.contains(":") && !direct.startsWith("[") ? "[" + direct + "]"
                    : direct) + "/0");
        }
        if (selector != null && !reuseport) {
            throw CliChecks.usage(spec, "--selector needs --reuseport: a selector chooses among the members of a reuseport"
                    + " group (add --reuseport, or leave --selector out)");
        }
        if (weight != null) {
            if (!reuseport) {
                throw CliChecks.usage(spec, "--weight needs --reuseport: a weight is a reuseport group member's (add"
                        + " --reuseport, or leave --weight out)");
            }
            CliChecks.range(spec, "--weight", weight, 1, 256);
        }
        if (reconnectAttempts != null) {
            CliChecks.range(spec, "--reconnect-attempts", reconnectAttempts, 1, Integer.MAX_VALUE);
        }
        if (reconnectMaxDelay != null) {
            CliChecks.range(spec, "--reconnect-max-delay", reconnectMaxDelay, 0, Long.MAX_VALUE);
        }
        String noDaemon = noDaemon(control);
        if (noDaemon != null) {
            System.err.println("hoststack worker: " + noDaemon);
            return NO_DAEMON;
        }

        List<String> args = new ArrayList<>(List.of("--control", control.toString(), "--app", app, "--workers",
                String.valueOf(workers), "--listen", listen, "--namespace", namespace, "--secret", String.valueOf(secret),
                "--window", String.valueOf(window)));
        if (reuseport) {
            args.add("--reuseport");
        }
        if (selector != null) {
            args.addAll(List.of("--selector", selector));
        }
        if (weight != null) {
            args.addAll(List.of("--weight", String.valueOf(weight)));
        }
        if (kernel != null) {
            args.addAll(List.of("--kernel", kernel));
        }
        if (direct != null) {
            args.addAll(List.of("--direct", direct));
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

    /**
     * Why no daemon can be serving on {@code dir}, or null when one answers a connect on its
     * socket (it may still go away before the worker attaches: the worker then exits with 4 too).
     */
    static String noDaemon(Path dir) {
        Path socket = dir.resolve(CliChecks.SOCKET_NAME);
        String start = " (start one: hoststack daemon --control " + dir + ")";
        if (!Files.isDirectory(dir)) {
            return "no daemon runs on " + dir + ": the directory does not exist" + start;
        }
        if (!Files.exists(socket)) {
            return "no daemon runs on " + dir + ": there is no " + socket + start;
        }
        try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            ch.connect(UnixDomainSocketAddress.of(socket));
            return null;
        } catch (AccessDeniedException e) {
            return "no permission to connect to " + socket + " (the daemon's --socket-mode lets only its user and group"
                    + " in by default: run as them, or start the daemon with --socket-mode 0666)";
        } catch (IOException e) {
            String why = e.getMessage() == null ? e.toString() : e.getMessage();
            if (why.contains("ermission denied")) {
                return "no permission to connect to " + socket + " (the daemon's --socket-mode lets only its user and"
                        + " group in by default: run as them, or start the daemon with --socket-mode 0666)";
            }
            return "no daemon answers on " + socket + " (" + why + "; a daemon killed with SIGKILL leaves its socket"
                    + " behind)" + start;
        }
    }
}
