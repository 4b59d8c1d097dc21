package dev.hoststack.cli;

import dev.hoststack.daemon.DaemonConfig;
import dev.hoststack.daemon.DaemonMain;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code hoststack daemon --control DIR}: runs hoststack-daemon until SIGTERM or SIGINT. */
@Command(name = "daemon", mixinStandardHelpOptions = true,
        description = {"Runs the stack over real kernel TCP. Applications attach over the Unix socket DIR/hoststack.sock",
            "(protocol: docs/protocol.md); every connection the kernel accepts on an endpoint they listen on goes",
            "through the session layer's lookup and the reuseport group's selector, and its descriptor is handed to",
            "the chosen worker process. Runs until SIGTERM or SIGINT; prints 'ready control=... pid=...' once serving."})
public final class DaemonCommand implements Callable<Integer> {

    @Option(names = "--control", required = true, paramLabel = "DIR", description = "the control directory (made if missing)")
    Path control;

    @Option(names = "--socket-mode", paramLabel = "MODE", defaultValue = "0660",
            description = "the control socket's permission bits, octal (default: ${DEFAULT-VALUE}: the daemon's user and group)")
    String socketMode;

    @Option(names = "--max-window", paramLabel = "N", defaultValue = "128",
            description = "descriptors in flight to one worker at most (default: ${DEFAULT-VALUE})")
    int maxWindow;

    @Option(names = "--selector", paramLabel = "NAME", description = "the default selector (default: roundrobin)")
    String selector;

    @Option(names = "--hash-secret", paramLabel = "N", defaultValue = "0", description = "the hash selector's secret")
    int hashSecret;

    @Option(names = "--backlog", paramLabel = "N", defaultValue = "4096", description = "listen backlog of real sockets")
    int backlog;

    @Option(names = "--namespace", paramLabel = "NAME:SECRET:FIB", description = "a namespace to add (repeatable)")
    List<String> namespaces = new ArrayList<>();

    @Override
    public Integer call() {
        DaemonConfig config;
        try {
            DaemonConfig.Builder b = DaemonConfig.builder(control).socketMode(Integer.parseInt(socketMode, 8))
                    .maxWindow(maxWindow).hashSecret(hashSecret).backlog(backlog);
            if (selector != null) {
                b.defaultSelector(selector);
            }
            for (String ns : namespaces) {
                b.namespace(DaemonConfig.Namespace.parse(ns));
            }
            config = b.build();
        } catch (IllegalArgumentException e) {
            System.err.println("hoststack daemon: " + e.getMessage());
            return 2;
        }
        return DaemonMain.run(config, System.out, System.err);
    }
}
