package dev.hoststack.daemon;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/** Parses the daemon's command line and runs it until a signal stops it. */
public final class DaemonMain {

    /** The options. */
    public static final String USAGE = String.join("\n",
            "usage: hoststack daemon --control DIR [--socket-mode 0660] [--max-window 128] [--selector NAME]",
            "                        [--hash-secret N] [--backlog N] [--namespace NAME:SECRET:FIB]...",
            "                        [--max-connections N] [--max-connections-per-uid N] [--max-apps-per-uid 64]",
            "                        [--max-workers-per-uid 256] [--max-listens-per-uid 256] [--max-pending-output 262144]",
            "                        [--hello-timeout 10s] [--request-timeout 10s] [--idle-timeout 60s] [--write-timeout 30s]",
            "                        [--reservation-grace 60s] [--dispatch auto|kernel|handoff] [--kernel-max-sockets 1024]",
            "                        [--kernel-max-apps 256] [--kernel-congested-percent 50]");

    /** The exit code when the daemon cannot go on (an Error such as OutOfMemoryError): a supervisor should restart it. */
    public static final int EXIT_FATAL = 70;

    private DaemonMain() {
    }

    /** Parses {@code args} into a configuration. */
    public static DaemonConfig parse(String[] args) {
        Path dir = null;
        DaemonConfig.Builder b = null;
        Integer mode = null;
        Integer window = null;
        String selector = null;
        Integer secret = null;
        Integer backlog = null;
        java.util.List<DaemonConfig.Namespace> ns = new java.util.ArrayList<>();
        DaemonConfig.Limits.Builder limits = DaemonConfig.Limits.builder();
        java.time.Duration grace = null;
        DaemonConfig.Kernel kernel = DaemonConfig.Kernel.DEFAULTS;
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (i + 1 >= args.length) {
                throw new IllegalArgumentException("option " + a + " needs a value\n" + USAGE);
            }
            String v = args[++i];
            switch (a) {
                case "--control" -> dir = Path.of(v);
                case "--socket-mode" -> mode = Integer.parseInt(v, 8);
                case "--max-window" -> window = Integer.parseInt(v);
                case "--selector" -> selector = v;
                case "--hash-secret" -> secret = Integer.parseInt(v);
                case "--backlog" -> backlog = Integer.parseInt(v);
                case "--namespace" -> ns.add(DaemonConfig.Namespace.parse(v));
                case "--max-connections" -> limits.maxConnections(Integer.parseInt(v));
                case "--max-connections-per-uid" -> limits.connectionsPerUid(Integer.parseInt(v));
                case "--max-apps-per-uid" -> limits.appsPerUid(Integer.parseInt(v));
                case "--max-workers-per-uid" -> limits.workersPerUid(Integer.parseInt(v));
                case "--max-listens-per-uid" -> limits.listensPerUid(Integer.parseInt(v));
                case "--max-pending-output" -> limits.maxPendingOutput(Integer.parseInt(v));
                case "--hello-timeout" -> limits.helloTimeout(DaemonConfig.parseDuration(a, v));
                case "--request-timeout" -> limits.requestTimeout(DaemonConfig.parseDuration(a, v));
                case "--idle-timeout" -> limits.idleTimeout(DaemonConfig.parseDuration(a, v));
                case "--write-timeout" -> limits.writeTimeout(DaemonConfig.parseDuration(a, v));
                case "--reservation-grace" -> grace = DaemonConfig.parseDuration(a, v);
                case "--dispatch" -> kernel = kernel.withDispatch(DaemonConfig.Dispatch.parse(v));
                case "--kernel-max-sockets" -> kernel = new DaemonConfig.Kernel(kernel.dispatch(), Integer.parseInt(v),
                        kernel.maxApps(), kernel.congestedPercent());
                case "--kernel-max-apps" -> kernel = new DaemonConfig.Kernel(kernel.dispatch(), kernel.maxSockets(),
                        Integer.parseInt(v), kernel.congestedPercent());
                case "--kernel-congested-percent" -> kernel = new DaemonConfig.Kernel(kernel.dispatch(), kernel.maxSockets(),
                        kernel.maxApps(), Integer.parseInt(v));
                default -> throw new IllegalArgumentException("unknown option " + a + "\n" + USAGE);
            }
        }
        if (dir == null) {
            throw new IllegalArgumentException("--control DIR is required\n" + USAGE);
        }
        b = DaemonConfig.builder(dir);
        if (mode != null) {
            b.socketMode(mode);
        }
        if (window != null) {
            b.maxWindow(window);
        }
        if (selector != null) {
            b.defaultSelector(selector);
        }
        if (secret != null) {
            b.hashSecret(secret);
        }
        if (backlog != null) {
            b.backlog(backlog);
        }
        ns.forEach(b::namespace);
        b.limits(limits.build());
        if (grace != null) {
            b.reservationGrace(grace);
        }
        b.kernel(kernel);
        return b.build();
    }

    /** Runs a daemon with a parsed configuration until SIGTERM or SIGINT; returns the exit code. */
    public static int run(DaemonConfig config, PrintStream out, PrintStream err) {
        dev.hoststack.daemon.internal.NettyLog.install(err);
        Daemon d;
        try {
            d = Daemon.start(config, err, e -> {
                try {
                    err.println("hoststack daemon: cannot go on (" + e + "): exiting with code " + EXIT_FATAL
                            + " for a supervisor to restart it");
                } catch (Throwable ignored) {
                    // exiting anyway
                }
                Thread exit = new Thread(() -> System.exit(EXIT_FATAL), "hoststack-daemon-exit");
                exit.setDaemon(true);
                exit.start();
            });
        } catch (IOException e) {
            err.println("hoststack daemon: " + oneLine(e));
            String more = details(e);
            if (!more.isEmpty()) {
                err.println(more); // e.g. the verifier's log and the program's listing when the kernel refused the program
            }
            return 1;
        }
        Runtime.getRuntime().addShutdownHook(new Thread(d::close, "hoststack-daemon-stop"));
        out.println("ready control=" + config.socketPath() + " pid=" + ProcessHandle.current().pid());
        out.flush();
        try {
            d.awaitClosed();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            d.close();
        }
        return 0;
    }

    /**
     * Why the daemon could not start, in one line: the message, or for a failure with a cause (a
     * Guice {@code CreationException} carries its only error as its cause) the innermost cause's
     * message, without the wrapper's listing and stack traces.
     */
    static String oneLine(IOException e) {
        return firstLineAndRest(e)[0];
    }

    /**
     * What the innermost cause's message says after its first line (a verifier's log, say), or
     * empty: printed after {@link #oneLine}.
     */
    static String details(IOException e) {
        return firstLineAndRest(e)[1];
    }

    private static String[] firstLineAndRest(IOException e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        if (root instanceof FileSystemException f && f.getFile() != null && f.getReason() == null) {
            // the JDK's message is then the bare path: say what happened to it
            String what = f instanceof NoSuchFileException ? "no such file or directory"
                    : f instanceof AccessDeniedException ? "permission denied"
                    : f instanceof FileAlreadyExistsException ? "exists and is not a directory"
                    : f.getClass().getSimpleName();
            return new String[] {"cannot make or use the control directory: " + f.getFile() + ": " + what, ""};
        }
        String m = root == e || root.getMessage() == null ? String.valueOf(e.getMessage())
                : "the daemon could not start: " + root.getMessage();
        int nl = m.indexOf('\n');
        return nl < 0 ? new String[] {m.strip(), ""} : new String[] {m.substring(0, nl).strip(), m.substring(nl + 1).strip()};
    }

    /** Parses and runs; returns the exit code. */
    public static int run(String[] args, PrintStream out, PrintStream err) {
        DaemonConfig config;
        try {
            config = parse(args);
        } catch (IllegalArgumentException e) {
            err.println("hoststack daemon: " + e.getMessage());
            return 2;
        }
        return run(config, out, err);
    }
}
