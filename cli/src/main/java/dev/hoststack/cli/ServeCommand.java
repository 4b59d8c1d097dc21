package dev.hoststack.cli;

import dev.hoststack.client.AppWorker;
import dev.hoststack.client.AttachSpec;
import dev.hoststack.client.ConnectionHandler;
import dev.hoststack.client.HoststackApp;
import dev.hoststack.client.HoststackException;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code hoststack serve}: attaches an application whose workers are unmodified servers. For each
 * worker the daemon's kernel group gives a listening socket of its own (protocol version 2); this
 * command takes it ({@link ConnectionHandler#listeningSocket}) and starts COMMAND once per worker
 * with it as descriptor 3, {@code LISTEN_FDS=1} and {@code LISTEN_PID} (systemd's
 * socket-activation convention), so any server that takes an inherited socket joins the group
 * beside applications of the client library.
 *
 * <p>Lifecycle: a server that exits takes its worker out of the group (unlisten: the daemon shuts
 * the socket down and the kernel moves what was queued on it to the other members); when the last
 * one has exited the command ends with its status. SIGTERM or SIGINT stops the servers (SIGTERM,
 * then SIGKILL after 5 s) and detaches. When the daemon goes away the servers go on accepting (the
 * kernel keeps the group); the command then ends once they have.
 */
@Command(name = "serve", mixinStandardHelpOptions = true,
        header = "Runs an unmodified server per worker on the worker's own socket of a kernel group.",
        description = "Attaches application NAME with N workers to the daemon of --control and listens on URI; the daemon"
            + " must dispatch the endpoint in the kernel (hoststack daemon --dispatch kernel or auto, as root), which gives"
            + " each worker a listening socket of its own. COMMAND (after --) is started once per worker with that socket"
            + " as descriptor 3, LISTEN_FDS=1 and LISTEN_PID (systemd's socket activation), HOSTSTACK_APP,"
            + " HOSTSTACK_WORKER and HOSTSTACK_URI. Prints 'ready app=.. workers=.. pid=.. uri=.. servers=PID,..'. A"
            + " server that exits leaves the group (what was queued on its socket goes to the others); the command ends"
            + " when every server has, with the first non-zero status. Exit codes: 2 on a usage error; 3 when the daemon"
            + " refuses, or hands the endpoint off instead; 4 when no daemon answers; 1 when COMMAND cannot start.",
        sortOptions = false)
public final class ServeCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--control", required = true, paramLabel = "DIR", description = "the daemon's control directory")
    Path control;

    @Option(names = "--app", required = true, paramLabel = "NAME", description = "the application's name")
    String app;

    @Option(names = "--workers", paramLabel = "N", defaultValue = "1",
            description = "workers, each one server process, 1..256 (default: ${DEFAULT-VALUE})")
    int workers;

    @Option(names = "--listen", required = true, paramLabel = "URI",
            description = "where every worker listens, e.g. tcp://127.0.0.1/8080; port 0: any free port")
    String listen;

    @Option(names = "--reuseport", description = "join (or create) the endpoint's reuseport group, with other applications")
    boolean reuseport;

    @Option(names = "--selector", paramLabel = "NAME",
            description = "with --reuseport: the group's selector, one the kernel can run (roundrobin, weighted, maglev,"
                + " hash) (default: the daemon's --selector)")
    String selector;

    @Parameters(paramLabel = "COMMAND", arity = "1..*", description = "the server and its arguments, after --")
    List<String> command = new ArrayList<>();

    @Override
    public Integer call() throws InterruptedException {
        CliChecks.range(spec, "--workers", workers, 1, 256);
        if (selector != null && !reuseport) {
            throw CliChecks.usage(spec, "--selector needs --reuseport");
        }
        Map<Integer, Integer> socketOf = new ConcurrentHashMap<>();
        ConnectionHandler handler = new ConnectionHandler() {
            @Override
            public void accepted(AppWorker worker, int fd) throws Exception {
                // a connection handed over (a hand-off endpoint): no server of this command can take it
                new io.netty.channel.unix.FileDescriptor(fd).close();
            }

            @Override
            public boolean listeningSocket(AppWorker worker, String uri, int fd) {
                socketOf.put(worker.index(), fd);
                return true;
            }
        };
        HoststackApp attached = null;
        List<Integer> pids = new ArrayList<>();
        String bound = listen;
        try {
            attached = HoststackApp.attach(AttachSpec.of(control, app), handler);
            for (int w = 1; w < workers; w++) {
                attached.addWorker(handler);
            }
            for (AppWorker w : attached.workers()) {
                bound = w.listen(bound, reuseport, selector);
                if (!socketOf.containsKey(w.index())) {
                    System.out.println("error HANDOFF the daemon hands the connections of " + bound + " over instead of"
                            + " giving each worker a socket of its own; serve needs kernel dispatch (hoststack daemon"
                            + " --dispatch kernel, as root; a selector the kernel can run; a listen with --reuseport):"
                            + " hoststack status --json says why (dispatch_reason of the listen)");
                    return WorkerCommand.REFUSED;
                }
            }
            for (AppWorker w : attached.workers()) {
                pids.add(Spawn.start(command, socketOf.get(w.index()), Map.of("HOSTSTACK_APP", app,
                        "HOSTSTACK_WORKER", String.valueOf(w.index()), "HOSTSTACK_URI", bound)));
            }
        } catch (HoststackException e) {
            System.out.println("error " + e.code() + " " + e.getMessage());
            if (attached != null) {
                attached.close();
            }
            return switch (e.code()) {
                case HoststackException.UNREACHABLE, HoststackException.TIMEOUT, HoststackException.CLOSED ->
                        WorkerCommand.NO_DAEMON;
                default -> WorkerCommand.REFUSED;
            };
        } catch (IOException e) {
            System.err.println("hoststack serve: " + Main.oneLine(e.getMessage()));
            stop(pids);
            if (attached != null) {
                attached.close();
            }
            return Main.FAILED;
        }
        HoststackApp running = attached;
        String uri = bound;
        List<String> list = pids.stream().map(String::valueOf).toList();
        System.out.println("ready app=" + app + " workers=" + workers + " pid=" + ProcessHandle.current().pid() + " uri="
                + uri + " servers=" + String.join(",", list));
        System.out.flush();
        Thread hook = new Thread(() -> {
            stop(pids);
            running.close();
        }, "hoststack-serve-stop");
        Runtime.getRuntime().addShutdownHook(hook);
        AtomicInteger status = new AtomicInteger();
        CountDownLatch allGone = new CountDownLatch(pids.size());
        for (int i = 0; i < pids.size(); i++) {
            AppWorker w = attached.workers().get(i);
            int pid = pids.get(i);
            Thread t = new Thread(() -> {
                int s = Spawn.waitFor(pid);
                status.compareAndSet(0, s);
                System.out.println("server " + pid + " of " + w + " exited with " + s + ": " + w + " leaves the group");
                System.out.flush();
                try {
                    w.unlisten(uri);
                } catch (HoststackException e) {
                    // the daemon is gone or the worker left already: its socket stops with it
                }
                allGone.countDown();
            }, "hoststack-serve-wait-" + pid);
            t.setDaemon(true);
            t.start();
        }
        allGone.await();
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException shuttingDown) {
            return status.get();
        }
        attached.close();
        return status.get();
    }

    /** SIGTERM to every server still running, SIGKILL to those left after 5 s. */
    private static void stop(List<Integer> pids) {
        for (int pid : pids) {
            Spawn.signal(pid, 15);
        }
        long deadline = System.nanoTime() + 5_000_000_000L;
        for (int pid : pids) {
            while (Spawn.signal(pid, 0) && System.nanoTime() < deadline) {
                try {
                    Thread.sleep(20);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    break;
                }
            }
            Spawn.signal(pid, 9);
        }
    }
}
