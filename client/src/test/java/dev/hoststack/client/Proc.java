package dev.hoststack.client;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/** A real child process for the tests: its output lines in a queue, killed and reaped on close. */
final class Proc implements AutoCloseable {

    private final Process process;
    private final String name;
    private final BlockingQueue<String> lines = new LinkedBlockingQueue<>();
    private final List<String> all = java.util.Collections.synchronizedList(new ArrayList<>());

    private Proc(String name, List<String> command) throws IOException {
        this.name = name;
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
        this.process = pb.start();
        Thread t = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null) {
                    all.add(line);
                    lines.add(line);
                }
            } catch (IOException ignored) {
                // the process ended
            }
        }, "out-" + name);
        t.setDaemon(true);
        t.start();
    }

    /** The java launcher of this JVM with this test's class path and small-JVM flags. */
    static List<String> javaCommand(String mainClass, String... args) {
        List<String> c = new ArrayList<>();
        c.add(ProcessHandle.current().info().command().orElse("java"));
        if (Runtime.version().feature() >= 24) {
            c.add("--enable-native-access=ALL-UNNAMED");
        }
        c.add("-XX:+UseSerialGC");
        c.add("-XX:TieredStopAtLevel=1");
        c.add("-Xss512k");
        c.add("-Xmx96m");
        c.add("-cp");
        c.add(classPath());
        c.add(mainClass);
        c.addAll(List.of(args));
        return c;
    }

    static String classPath() {
        String cp = System.getProperty("surefire.test.class.path");
        return cp != null && !cp.isBlank() ? cp : System.getProperty("java.class.path");
    }

    static Proc start(String name, List<String> command) throws IOException {
        return new Proc(name, command);
    }

    /**
     * The daemon's arguments: {@code --control dir}, then {@code extra}; the hand-off path
     * ({@code --dispatch handoff}) unless {@code extra} names a dispatch, since most tests here are of
     * that path (the kernel path's say {@code --dispatch kernel}).
     */
    static List<String> daemonArgs(Path dir, String... extra) {
        List<String> args = new ArrayList<>(List.of("--control", dir.toString()));
        if (!List.of(extra).contains("--dispatch")) {
            args.addAll(List.of("--dispatch", "handoff"));
        }
        args.addAll(List.of(extra));
        return args;
    }

    /** A daemon on {@code dir} ({@link #daemonArgs}), waited for until it is ready. */
    static Proc daemon(Path dir, String... extra) throws IOException, InterruptedException {
        List<String> args = daemonArgs(dir, extra);
        Proc p = start("daemon", javaCommand("dev.hoststack.daemon.Daemon", args.toArray(String[]::new)));
        p.await(l -> l.startsWith("ready "), Duration.ofSeconds(30));
        return p;
    }

    /** A daemon on {@code dir} run under {@code ulimit -n nofile}, waited for until it is ready. */
    static Proc daemonWithDescriptorLimit(Path dir, int nofile, String... extra) throws IOException, InterruptedException {
        List<String> args = daemonArgs(dir, extra);
        List<String> c = new ArrayList<>(List.of("sh", "-c", "ulimit -n " + nofile + " && exec \"$@\"", "sh"));
        c.addAll(javaCommand("dev.hoststack.daemon.Daemon", args.toArray(String[]::new)));
        Proc p = start("daemon", c);
        p.await(l -> l.startsWith("ready "), Duration.ofSeconds(30));
        return p;
    }

    /** The process's resident set, in KiB, from /proc. */
    long rssKib() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/" + pid() + "/status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", ""));
            }
        }
        throw new IOException("no VmRSS for pid " + pid());
    }

    /** Writes a line to the process's standard input. */
    void tell(String line) throws IOException {
        process.getOutputStream().write((line + "\n").getBytes(StandardCharsets.UTF_8));
        process.getOutputStream().flush();
    }

    /** A sample worker; returns once it printed its ready line (see {@link #readyUri()}). */
    static Proc worker(Path dir, String app, int workers, String uri, String... extra) throws IOException, InterruptedException {
        List<String> args = new ArrayList<>(List.of("--control", dir.toString(), "--app", app, "--workers",
                String.valueOf(workers), "--listen", uri, "--reuseport"));
        args.addAll(List.of(extra));
        Proc p = start(app, javaCommand("dev.hoststack.client.sample.AnswerWorker", args.toArray(String[]::new)));
        p.ready = p.await(l -> l.startsWith("ready ") || l.startsWith("error "), Duration.ofSeconds(30));
        return p;
    }

    String ready;

    /** The uri= field of the ready line. */
    String readyUri() {
        if (ready == null || !ready.startsWith("ready ")) {
            throw new AssertionError(name + " is not ready: " + ready + "\n" + output());
        }
        return field(ready, "uri");
    }

    static String field(String line, String key) {
        for (String part : line.split(" ")) {
            if (part.startsWith(key + "=")) {
                return part.substring(key.length() + 1);
            }
        }
        throw new AssertionError("no " + key + "= in " + line);
    }

    /** The first line (from now on) matching, or an AssertionError with the output so far. */
    String await(Predicate<String> p, Duration timeout) throws InterruptedException {
        long end = System.nanoTime() + timeout.toNanos();
        while (true) {
            long left = end - System.nanoTime();
            String l = left <= 0 ? null : lines.poll(left, TimeUnit.NANOSECONDS);
            if (l == null) {
                throw new AssertionError(name + ": no expected line within " + timeout + (process.isAlive() ? "" : " (it exited "
                        + process.exitValue() + ")") + "; output:\n" + output());
            }
            if (p.test(l)) {
                return l;
            }
        }
    }

    String output() {
        synchronized (all) {
            return String.join("\n", all);
        }
    }

    long pid() {
        return process.pid();
    }

    Process process() {
        return process;
    }

    /** Open descriptors of the process, from /proc. */
    long openFds() throws IOException {
        try (var s = Files.list(Path.of("/proc/" + pid() + "/fd"))) {
            return s.count();
        }
    }

    /** SIGKILL, and wait for it to be gone. */
    void kill9() {
        process.destroyForcibly();
        waitGone(10);
    }

    private void waitGone(int seconds) {
        try {
            process.waitFor(seconds, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** SIGTERM, then SIGKILL after 5 s; waits for it to be gone. */
    @Override
    public void close() {
        if (process.isAlive()) {
            process.destroy();
            waitGone(5);
            if (process.isAlive()) {
                process.destroyForcibly();
                waitGone(5);
            }
        }
    }
}
