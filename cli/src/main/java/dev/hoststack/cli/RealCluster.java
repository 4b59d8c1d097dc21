package dev.hoststack.cli;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.hoststack.client.HoststackApp;
import dev.hoststack.client.HoststackException;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A daemon and worker processes started from this command's own jar, on loopback: what
 * {@code demo --real} and {@code bench --real} run. Everything it starts, {@link #close()} stops
 * (SIGTERM, then SIGKILL), and its temporary control directory goes too.
 */
final class RealCluster implements AutoCloseable {

    /** A child process with its output lines. */
    static final class Child {
        final String name;
        final Process process;
        final BlockingQueue<String> lines = new LinkedBlockingQueue<>();
        final List<String> all = Collections.synchronizedList(new ArrayList<>());
        private final Thread reader;
        String ready;

        Child(String name, List<String> command) throws IOException {
            this.name = name;
            this.process = new ProcessBuilder(command).redirectErrorStream(true).start();
            reader = new Thread(() -> {
                try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                    String l;
                    while ((l = r.readLine()) != null) {
                        all.add(l);
                        lines.add(l);
                    }
                } catch (IOException ignored) {
                    // it ended
                }
            }, "out-" + name);
            reader.setDaemon(true);
            reader.start();
        }

        /**
         * Waits for a line starting with {@code prefix} (or {@code orPrefix}) and returns it.
         *
         * @throws IOException when the process exits first, or the time runs out; the message names
         *         the process and its last line of output, on one line
         */
        String await(String prefix, String orPrefix, Duration timeout) throws IOException, InterruptedException {
            long end = System.nanoTime() + timeout.toNanos();
            while (true) {
                long left = end - System.nanoTime();
                String l = left <= 0 ? null : lines.poll(Math.min(left, TimeUnit.MILLISECONDS.toNanos(200)), TimeUnit.NANOSECONDS);
                if (l == null) {
                    if (!process.isAlive() && lines.isEmpty()) {
                        reader.join(1000); // it may still be adding the last lines
                        if (lines.isEmpty()) {
                            throw new IOException(name + " exited with " + process.exitValue() + " before it was ready: "
                                    + lastLine());
                        }
                    }
                    if (left <= 0) {
                        throw new IOException(name + " was not ready after " + timeout.toSeconds() + " s: " + lastLine());
                    }
                    continue;
                }
                if (l.startsWith(prefix) || orPrefix != null && l.startsWith(orPrefix)) {
                    return l;
                }
            }
        }

        /** Its last lines of output (at most five), on one line. */
        String output() {
            synchronized (all) {
                return all.isEmpty() ? "it printed nothing" : String.join(" | ", all.subList(Math.max(0, all.size() - 5),
                        all.size()));
            }
        }

        private String lastLine() {
            synchronized (all) {
                return all.isEmpty() ? "it printed nothing" : all.get(all.size() - 1);
            }
        }

        long pid() {
            return process.pid();
        }

        /** CPU time (user + system) of the process so far, in nanoseconds, from /proc. */
        long cpuNanos() {
            try {
                String stat = Files.readString(Path.of("/proc/" + pid() + "/stat"));
                String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                long ticks = Long.parseLong(f[11]) + Long.parseLong(f[12]);
                return ticks * 10_000_000L; // USER_HZ = 100 on Linux
            } catch (IOException | RuntimeException e) {
                return 0;
            }
        }

        void stop() {
            if (!process.isAlive()) {
                return;
            }
            process.destroy();
            try {
                if (!process.waitFor(5, TimeUnit.SECONDS)) {
                    process.destroyForcibly();
                    process.waitFor(5, TimeUnit.SECONDS);
                }
            } catch (InterruptedException e) {
                process.destroyForcibly();
                Thread.currentThread().interrupt();
            }
        }
    }

    /** One worker process as started. */
    record Worker(String app, int workers, Child child, String uri, String kernelUri, List<String> directUris) {
    }

    final Path base;
    final Path control;
    final Child daemon;
    final List<Worker> workers = new ArrayList<>();
    /** Other processes stopped with the cluster (first), e.g. a proxy in front of its workers. */
    private final List<Child> adopted = new ArrayList<>();
    private final List<String> jvmFlags;

    private final Thread onExit = new Thread(this::stopAll, "hoststack-real-stop");

    private RealCluster(Path base, Child daemon, List<String> jvmFlags) {
        this.base = base;
        this.control = base.resolve("control");
        this.daemon = daemon;
        this.jvmFlags = jvmFlags;
        Runtime.getRuntime().addShutdownHook(onExit); // Ctrl-C stops the children too
    }

    /** The java command running this jar's main class with {@code args}, and this command's plug-ins. */
    static List<String> hoststack(List<String> jvmFlags, String... args) {
        List<String> c = new ArrayList<>();
        c.add(ProcessHandle.current().info().command().orElse("java"));
        if (Runtime.version().feature() >= 24) {
            c.add("--enable-native-access=ALL-UNNAMED");
        }
        c.addAll(jvmFlags);
        c.add("-cp");
        c.add(System.getProperty("java.class.path"));
        c.add(Main.class.getName());
        for (java.nio.file.Path jar : Plugins.jars()) {
            // the plug-ins this command runs with: a daemon's selector may be one of them
            c.add("--plugins");
            c.add(jar.toString());
        }
        c.addAll(List.of(args));
        return c;
    }

    /** Starts a daemon in a new temporary control directory. */
    static RealCluster start(List<String> jvmFlags, String... daemonArgs) throws IOException, InterruptedException {
        Path base = Files.createTempDirectory("hoststack-real");
        List<String> args = new ArrayList<>(List.of("daemon", "--control", base.resolve("control").toString()));
        args.addAll(List.of(daemonArgs));
        Child d = new Child("daemon", hoststack(jvmFlags, args.toArray(String[]::new)));
        RealCluster c = new RealCluster(base, d, jvmFlags);
        try {
            d.await("ready ", null, Duration.ofSeconds(60));
        } catch (IOException | InterruptedException e) {
            c.close();
            throw e;
        }
        return c;
    }

    /**
     * Starts a worker process ({@code hoststack worker}) and waits for its ready line.
     *
     * @throws IOException naming the daemon's refusal, or a start that failed
     */
    Worker worker(String app, int n, String uri, String kernelUri, String... extra) throws IOException, InterruptedException {
        return workerWithDirect(app, n, uri, kernelUri, null, extra);
    }

    /**
     * Starts a worker process as {@link #worker(String, int, String, String, String...)}, each of
     * its workers also listening on a port of its own on {@code directHost} when that is not null.
     */
    Worker workerWithDirect(String app, int n, String uri, String kernelUri, String directHost, String... extra)
            throws IOException, InterruptedException {
        List<String> args = new ArrayList<>(List.of("worker", "--control", control.toString(), "--app", app, "--workers",
                String.valueOf(n), "--listen", uri, "--reuseport"));
        if (kernelUri != null) {
            args.addAll(List.of("--kernel", kernelUri));
        }
        if (directHost != null) {
            args.addAll(List.of("--direct", directHost));
        }
        args.addAll(List.of(extra));
        Child c = new Child(app, hoststack(jvmFlags, args.toArray(String[]::new)));
        Worker w = new Worker(app, n, c, null, null, List.of());
        workers.add(w);
        String line = c.await("ready ", "error ", Duration.ofSeconds(60));
        if (line.startsWith("error ")) {
            throw new IOException(app + ": " + line);
        }
        Worker ready = new Worker(app, n, c, field(line, "uri"), kernelUri == null ? null : field(line, "kernel_uri"),
                directHost == null ? List.of() : List.of(field(line, "direct_uris").split(",")));
        workers.set(workers.size() - 1, ready);
        return ready;
    }

    static String field(String line, String key) {
        for (String part : line.split(" ")) {
            if (part.startsWith(key + "=")) {
                return part.substring(key.length() + 1);
            }
        }
        throw new IllegalArgumentException("no " + key + "= in '" + line + "'");
    }

    static int port(String uri) {
        return Integer.parseInt(uri.substring(uri.lastIndexOf('/') + 1));
    }

    /** The daemon's live counters. */
    JsonObject show() throws HoststackException {
        return JsonParser.parseString(HoststackApp.show(control, Duration.ofSeconds(10))).getAsJsonObject();
    }

    /**
     * The daemon's totals.
     *
     * @throws IOException when the daemon does not answer 'show'
     */
    JsonObject totals() throws IOException {
        try {
            return show().getAsJsonObject("totals");
        } catch (HoststackException e) {
            throw new IOException("the daemon did not answer 'show': " + e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        try {
            Runtime.getRuntime().removeShutdownHook(onExit);
        } catch (IllegalStateException shuttingDown) {
            // the hook is running or will: it stops everything
        }
        stopAll();
    }

    /** Stops {@code c} with the cluster (and on Ctrl-C), before the workers. */
    synchronized void adopt(Child c) {
        adopted.add(c);
    }

    private synchronized void stopAll() {
        for (Child c : adopted) {
            c.stop();
        }
        for (int i = workers.size() - 1; i >= 0; i--) {
            workers.get(i).child().stop();
        }
        daemon.stop();
        try (var s = Files.walk(base)) {
            s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException ignored) {
            // a temporary directory
        }
    }
}
