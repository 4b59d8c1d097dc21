package dev.hoststack.it;

import static java.nio.charset.StandardCharsets.UTF_8;

import com.github.dockerjava.api.model.Capability;
import com.github.dockerjava.api.model.HostConfig;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.testcontainers.containers.GenericContainer;

/**
 * The daemon and applications of one test, each in its own container, as docs/deployment.md runs
 * them: the daemon with the host's network (the ports it binds are the host's, so this JVM connects
 * to 127.0.0.1) and socket mode 0666 (other uids may attach); every application with no network at
 * all, reaching the daemon through the shared socket directory only.
 *
 * <p>The daemon runs one of two ways ({@link Dispatch}): as uid 1000 without capabilities, where
 * the kernel refuses it {@code bpf(2)} and it hands every connection over itself (its default
 * {@code --dispatch auto} falls back), or as root with {@code --cap-add SYS_ADMIN --cap-add
 * NET_ADMIN} and {@code --dispatch kernel}, where each worker accepts on a listening socket of its
 * own that the daemon made in the host's network namespace and passed to it over the shared
 * directory (the worker's container has no network; a socket belongs to the namespace it was made
 * in).
 *
 * <p>One per test, on the test's thread, with the test's {@link HoststackContainers}.
 */
final class Deployment {

    /** How the daemon's container dispatches connections. */
    enum Dispatch {
        /**
         * uid 1000, no capabilities, {@code --dispatch auto} (the daemon's default): the probe is
         * refused ({@code NOT_PERMITTED}), so the daemon accepts every connection and hands it over.
         */
        HANDOFF,
        /**
         * root with {@code --cap-add SYS_ADMIN --cap-add NET_ADMIN} (Docker 20.10 does not know
         * CAP_BPF; its default seccomp profile lets {@code bpf(2)} through with CAP_SYS_ADMIN),
         * {@code --dispatch kernel}: the daemon refuses to start unless the kernel takes its program.
         */
        KERNEL
    }

    /** The capabilities the daemon's container gets for {@link Dispatch#KERNEL}. */
    static final Capability[] KERNEL_CAPABILITIES = {Capability.SYS_ADMIN, Capability.NET_ADMIN};

    /** The control directory inside every container. */
    static final String CONTROL = RuntimeImage.SHARED_DIR;
    /** The sample worker's class, run directly for the options {@code hoststack worker} does not pass on. */
    static final String SAMPLE_WORKER = "dev.hoststack.client.sample.AnswerWorker";
    /** How long a process may take to print its first line. */
    static final Duration START = Duration.ofSeconds(30);

    private final HoststackContainers containers;
    private final Dispatch dispatch;

    /** A deployment whose daemon hands connections over ({@link Dispatch#HANDOFF}). */
    Deployment(HoststackContainers containers) {
        this(containers, Dispatch.HANDOFF);
    }

    Deployment(HoststackContainers containers, Dispatch dispatch) {
        this.containers = containers;
        this.dispatch = dispatch;
    }

    /** How this deployment's daemon dispatches. */
    Dispatch dispatch() {
        return dispatch;
    }

    /**
     * Starts {@code hoststack daemon --control /run/hoststack --socket-mode 0666} with the host's
     * network, as {@link Dispatch} says: as uid 1000, or (kernel) as root with the capabilities and
     * {@code --dispatch kernel}, the shared directory then given to root (a daemon refuses a control
     * directory of another user); returns once it printed {@code ready}.
     */
    Running daemon(String name, String... extra) throws InterruptedException {
        List<String> args = new ArrayList<>(List.of("daemon", "--control", CONTROL, "--socket-mode", "0666"));
        int uid = RuntimeImage.APP;
        if (dispatch == Dispatch.KERNEL) {
            args.addAll(List.of("--dispatch", "kernel"));
            uid = RuntimeImage.ROOT;
            containers.ownSharedDir(uid);
        }
        args.addAll(List.of(extra));
        GenericContainer<?> c = containers.hoststack(name, uid, args.toArray(String[]::new))
                .withNetworkMode("host");
        if (dispatch == Dispatch.KERNEL) {
            withKernelCapabilities(c);
        }
        Running r = start(name, c);
        r.announced(r.await(l -> l.startsWith("ready control="), START));
        return r;
    }

    /** Adds {@link #KERNEL_CAPABILITIES} to a container ({@code --cap-add SYS_ADMIN --cap-add NET_ADMIN}); returns it. */
    static GenericContainer<?> withKernelCapabilities(GenericContainer<?> c) {
        return c.withCreateContainerCmdModifier(cmd -> {
            HostConfig hc = cmd.getHostConfig() != null ? cmd.getHostConfig() : HostConfig.newHostConfig();
            cmd.withHostConfig(hc.withCapAdd(KERNEL_CAPABILITIES));
        });
    }

    /**
     * Checks that the daemon runs the way this deployment asked: {@code show}'s dispatch mode, and
     * for kernel dispatch the daemon's {@code why} line. Returns the show reply.
     */
    JsonObject assertDispatch() {
        JsonObject show = show();
        JsonObject d = show.getAsJsonObject("dispatch");
        String expected = dispatch == Dispatch.KERNEL ? "kernel" : "handoff";
        if (!expected.equals(d.get("mode").getAsString())) {
            throw new AssertionError("the daemon's dispatch: expected " + expected + ", show says " + d);
        }
        return show;
    }

    /**
     * Waits until the workers' own reports of connections they accepted (kernel dispatch; sent
     * every 250 ms while the count moves) add up to {@code n}, at most 10 s; returns the last show.
     */
    JsonObject awaitReported(long n) throws InterruptedException {
        JsonObject show = null;
        for (int i = 0; i < 200; i++) {
            show = show();
            if (reportedAccepted(show) == n) {
                return show;
            }
            Thread.sleep(50);
        }
        return show;
    }

    /** The sum of {@code accepted} over the live workers that report their own ({@code accepted_from: worker}). */
    static long reportedAccepted(JsonObject show) {
        long sum = 0;
        for (JsonElement a : show.getAsJsonArray("apps")) {
            for (JsonElement w : a.getAsJsonObject().getAsJsonArray("workers")) {
                JsonObject o = w.getAsJsonObject();
                if ("worker".equals(o.get("accepted_from").getAsString())) {
                    sum += o.get("accepted").getAsLong();
                }
            }
        }
        return sum;
    }

    /** The {@code kernel} object of the first listening socket of a show reply (kernel dispatch), or an AssertionError. */
    static JsonObject kernelGroup(JsonObject show) {
        JsonObject l = show.getAsJsonArray("listeners").get(0).getAsJsonObject();
        if (!"kernel".equals(l.get("dispatch").getAsString()) || !l.has("kernel")) {
            throw new AssertionError("the listening socket is not dispatched by the kernel: " + l);
        }
        return l.getAsJsonObject("kernel");
    }

    /**
     * Starts {@code hoststack worker --control /run/hoststack --app APP --workers N --listen URI --reuseport EXTRA...}
     * as {@code uid} with no network; returns once it printed {@code ready ...} or {@code error ...}.
     */
    Running worker(String name, int uid, String app, int workers, String uri, String... extra) throws InterruptedException {
        return app(name, uid, List.of(RuntimeImage.JAVA, "-jar", RuntimeImage.JAR, "worker"), app, workers, uri, extra);
    }

    /**
     * The same program through its class ({@value #SAMPLE_WORKER}), which also takes {@code --reconnect} and the test
     * options ({@code --stall-after}, {@code --stall-for}, {@code --answer-after}).
     */
    Running sampleWorker(String name, int uid, String app, int workers, String uri, String... extra)
            throws InterruptedException {
        return app(name, uid, List.of(RuntimeImage.JAVA, "-cp", RuntimeImage.JAR, SAMPLE_WORKER), app, workers, uri, extra);
    }

    private Running app(String name, int uid, List<String> program, String app, int workers, String uri, String... extra)
            throws InterruptedException {
        Running r = startApp(name, uid, program, app, workers, uri, extra);
        r.announced(r.await(l -> l.startsWith("ready ") || l.startsWith("error "), START));
        return r;
    }

    /** Starts an application's container without waiting for its first line (to start several at once). */
    Running startWorker(String name, int uid, String app, int workers, String uri, String... extra) {
        return startApp(name, uid, List.of(RuntimeImage.JAVA, "-jar", RuntimeImage.JAR, "worker"), app, workers, uri, extra);
    }

    /** Runs {@code hoststack worker ...} like {@link #worker} and waits for it to exit (a refused one does at once). */
    Exited runWorker(String name, int uid, String app, int workers, String uri, String... extra) {
        List<String> command = new ArrayList<>(List.of("worker", "--control", CONTROL, "--app", app, "--workers",
                String.valueOf(workers), "--listen", uri, "--reuseport"));
        command.addAll(List.of(extra));
        return containers.run(containers.hoststack(name, uid, command.toArray(String[]::new)), START);
    }

    /** Starts the sample worker's class like {@link #sampleWorker} without waiting for its first line. */
    Running startSampleWorker(String name, int uid, String app, int workers, String uri, String... extra) {
        return startApp(name, uid, List.of(RuntimeImage.JAVA, "-cp", RuntimeImage.JAR, SAMPLE_WORKER), app, workers, uri,
                extra);
    }

    /** Waits for the first line of an application started with {@link #startWorker}. */
    static Running ready(Running r) throws InterruptedException {
        r.announced(r.await(l -> l.startsWith("ready ") || l.startsWith("error "), START));
        return r;
    }

    private Running startApp(String name, int uid, List<String> program, String app, int workers, String uri,
                             String... extra) {
        List<String> command = new ArrayList<>(program);
        command.addAll(List.of("--control", CONTROL, "--app", app, "--workers", String.valueOf(workers), "--listen", uri,
                "--reuseport"));
        command.addAll(List.of(extra));
        return start(name, containers.container(name, uid, command.toArray(String[]::new)));
    }

    private static Running start(String name, GenericContainer<?> c) {
        Output out = new Output(name);
        c.withLogConsumer(out);
        c.start();
        return new Running(name, c, out);
    }

    /**
     * The daemon's live counters: the protocol's {@code show} over the control socket in the shared
     * directory, from this JVM.
     */
    JsonObject show() {
        CompletableFuture<JsonObject> reply = new CompletableFuture<>();
        SocketChannel[] channel = new SocketChannel[1];
        Thread t = new Thread(() -> {
            try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
                channel[0] = ch;
                ch.connect(UnixDomainSocketAddress.of(containers.sharedDir().resolve("hoststack.sock")));
                ch.write(ByteBuffer.wrap("{\"op\":\"hello\",\"version\":1}\n{\"op\":\"show\"}\n".getBytes(UTF_8)));
                StringBuilder text = new StringBuilder();
                ByteBuffer buf = ByteBuffer.allocate(1 << 16);
                while (text.chars().filter(c -> c == '\n').count() < 2) {
                    buf.clear();
                    if (ch.read(buf) < 0) {
                        throw new IOException("the daemon closed the connection after: " + text);
                    }
                    text.append(UTF_8.decode(buf.flip()));
                }
                String second = text.toString().split("\n")[1];
                reply.complete(JsonParser.parseString(second).getAsJsonObject());
            } catch (IOException | RuntimeException e) {
                reply.completeExceptionally(e);
            }
        }, "show");
        t.setDaemon(true);
        t.start();
        try {
            JsonObject r = reply.get(10, TimeUnit.SECONDS);
            if (!r.get("ok").getAsBoolean()) {
                throw new AssertionError("show was refused: " + r);
            }
            return r;
        } catch (TimeoutException e) {
            closeQuietly(channel[0]);
            throw new AssertionError("the daemon did not answer show within 10 s", e);
        } catch (ExecutionException e) {
            throw new AssertionError("show failed: " + e.getCause(), e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }

    /** {@code hoststack status --control /run/hoststack} in a container of its own (uid 1000, no network). */
    Exited status(String... extra) {
        List<String> args = new ArrayList<>(List.of("status", "--control", CONTROL));
        args.addAll(List.of(extra));
        return containers.run(containers.hoststack("status", RuntimeImage.APP, args.toArray(String[]::new)),
                Duration.ofSeconds(60));
    }

    /** {@code totals.KEY} of a show reply. */
    static long total(JsonObject show, String key) {
        return show.getAsJsonObject("totals").get(key).getAsLong();
    }

    /** A worker's counters among live and gone workers (the last one that matches), or an AssertionError. */
    static JsonObject worker(JsonObject show, String app, int worker) {
        JsonObject found = null;
        for (JsonElement w : allWorkers(show)) {
            JsonObject o = w.getAsJsonObject();
            if (o.get("app").getAsString().equals(app) && o.get("worker").getAsInt() == worker) {
                found = o;
            }
        }
        if (found == null) {
            throw new AssertionError("no worker " + app + "-w" + worker + " in " + show);
        }
        return found;
    }

    /** Every worker the reply lists, live ones first, then the gone ones. */
    static List<JsonElement> allWorkers(JsonObject show) {
        List<JsonElement> all = new ArrayList<>();
        for (JsonElement a : show.getAsJsonArray("apps")) {
            a.getAsJsonObject().getAsJsonArray("workers").forEach(all::add);
        }
        show.getAsJsonArray("gone").forEach(all::add);
        return all;
    }

    /** The sum of a per-worker counter over the workers of {@code app}, live and gone. */
    static long sum(JsonObject show, String app, String key) {
        long n = 0;
        for (JsonElement w : allWorkers(show)) {
            if (w.getAsJsonObject().get("app").getAsString().equals(app)) {
                n += w.getAsJsonObject().get(key).getAsLong();
            }
        }
        return n;
    }

    private static void closeQuietly(SocketChannel ch) {
        if (ch == null) {
            return;
        }
        try {
            ch.close();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
