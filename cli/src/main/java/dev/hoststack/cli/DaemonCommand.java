package dev.hoststack.cli;

import dev.hoststack.daemon.DaemonConfig;
import dev.hoststack.daemon.DaemonMain;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code hoststack daemon --control DIR}: runs hoststack-daemon until SIGTERM or SIGINT. Every
 * option is checked before anything starts: a bad one is a usage error naming it.
 */
@Command(name = "daemon", mixinStandardHelpOptions = true,
        header = "Runs the stack over real kernel TCP; worker processes attach over a Unix socket.",
        description = "Applications attach over the Unix socket DIR/hoststack.sock (protocol: docs/protocol.md). Every"
            + " connection the kernel accepts on an endpoint they listen on goes through the session layer's lookup and"
            + " the reuseport group's selector, and its descriptor is handed to the chosen worker process (SCM_RIGHTS);"
            + " with kernel dispatch (--dispatch), a reuseport group whose selector can be written as data is run by an"
            + " SK_REUSEPORT program instead, each worker accepting on a listening socket of its own."
            + " Prints 'ready control=... pid=...' once serving; runs until SIGTERM or SIGINT, then removes its socket."
            + " Exits with 1 when it cannot start (one line says why), 2 on a usage error, 70 when it cannot go on.",
        sortOptions = false)
public final class DaemonCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--control", required = true, paramLabel = "DIR",
            description = "the control directory (made if missing); the socket is DIR/hoststack.sock")
    Path control;

    @Option(names = "--socket-mode", paramLabel = "MODE", defaultValue = "0660", converter = CliChecks.OctalMode.class,
            description = "the control socket's permission bits, octal 0..0777 (default: ${DEFAULT-VALUE}: the daemon's"
                + " user and group may attach; 0666: every user)")
    int socketMode;

    @Option(names = "--max-window", paramLabel = "N", defaultValue = "128",
            description = "the most descriptors in flight to one worker, from 1 to 200; a worker asking for more gets this"
                + " (default: ${DEFAULT-VALUE})")
    int maxWindow;

    @Option(names = "--selector", paramLabel = "NAME",
            description = "the selector of groups whose first listener names none: roundrobin, hash, or one of your own"
                + " on the class path (default: roundrobin)")
    String selector;

    @Option(names = "--hash-secret", paramLabel = "N", defaultValue = "0", converter = CliChecks.Secret32.class,
            description = "the hash selector's secret, 32 bits: decimal -2147483648..4294967295 or 0x and up to 8 hex"
                + " digits (default: ${DEFAULT-VALUE})")
    int hashSecret;

    @Option(names = "--backlog", paramLabel = "N", defaultValue = "4096",
            description = "the listen backlog of each real listening socket; the kernel caps it at"
                + " net.core.somaxconn (default: ${DEFAULT-VALUE})")
    int backlog;

    @Option(names = "--namespace", paramLabel = "NAME:SECRET:FIB",
            description = "adds a namespace besides 'default' (secret 0, FIB 0); repeatable. SECRET: 64 bits, decimal or"
                + " 0x; FIB: 0..65535. Applications attach to it with 'worker --namespace NAME --secret SECRET'.")
    List<String> namespaces = new ArrayList<>();

    @Mixin
    DaemonLimitsOptions limits;

    @Mixin
    DaemonKernelOptions kernel;

    @Override
    public Integer call() {
        CliChecks.controlDirectory(spec, control);
        CliChecks.range(spec, "--max-window", maxWindow, 1, 200);
        CliChecks.range(spec, "--backlog", backlog, 1, Integer.MAX_VALUE);
        if (selector != null) {
            CliChecks.knownSelector(spec, "--selector", selector);
        }
        DaemonConfig config;
        try {
            DaemonConfig.Builder b = DaemonConfig.builder(control).socketMode(socketMode).maxWindow(maxWindow)
                    .hashSecret(hashSecret).backlog(backlog);
            if (selector != null) {
                b.defaultSelector(selector);
            }
            for (String ns : namespaces) {
                b.namespace(DaemonConfig.Namespace.parse(ns));
            }
            limits.apply(b);
            kernel.apply(b);
            config = b.build();
        } catch (IllegalArgumentException e) {
            throw CliChecks.usage(spec, "%s", Main.oneLine(e.getMessage()));
        }
        return DaemonMain.run(config, System.out, System.err);
    }
}
