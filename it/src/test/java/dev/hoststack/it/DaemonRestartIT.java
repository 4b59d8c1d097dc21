package dev.hoststack.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Issue 8, test 4: the daemon's container is killed ({@code docker kill}, a crash) and a new daemon
 * started on the same socket directory while the application containers keep running. The
 * applications (the sample worker with {@code --reconnect}) reattach with backoff, re-add their
 * workers and listen again on the same ports; service resumes. What becomes of the connections in
 * flight at the crash is measured and asserted:
 * <ul>
 *   <li>handed to a worker and taken: a plain kernel socket the worker owns; answered;</li>
 *   <li>handed to a worker but still queued on its data connection (the worker was busy): the
 *       daemon's copy died with it, the worker reads the descriptor afterwards; answered;</li>
 *   <li>accepted by the daemon but not handed (parked: every member was congested) and not yet
 *       accepted (the kernel's backlog of the daemon's listening socket): closed with the daemon's
 *       process, so the client sees a reset;</li>
 *   <li>new connections while no daemon listens: refused, until the first application listens again.</li>
 * </ul>
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class DaemonRestartIT {

    @RegisterExtension
    static final HoststackContainers containers = new HoststackContainers();

    private static final String[] RECONNECT = {"--selector", "roundrobin", "--reconnect", "--reconnect-max-delay", "500"};
    /** The web applications answer each connection this long after taking it: long enough to kill the daemon meanwhile. */
    private static final int ANSWER_AFTER_MS = 3000;
    /** The stuck application's worker stalls this long on its first connection. */
    private static final int STALL_MS = 5000;

    @Test
    void applicationsReattachToARestartedDaemonAndConnectionsHandedToWorkersLiveOn() throws Exception {
        Deployment d = new Deployment(containers);
        Running daemon1 = d.daemon("daemon1");
        // web1 + web2: one group; they answer 3 s after taking a connection
        Running web1 = d.startSampleWorker("web1", RuntimeImage.APP, "web1", 1, "tcp://127.0.0.1/0",
                with(RECONNECT, "--answer-after", String.valueOf(ANSWER_AFTER_MS)));
        // stuck: window 1, its event loop stalls 5 s on its first connection (descriptors then queue, then park)
        Running stuck = d.startSampleWorker("stuck", RuntimeImage.APP, "stuck", 1, "tcp://127.0.0.1/0",
                with(RECONNECT, "--window", "1", "--stall-after", "0", "--stall-for", String.valueOf(STALL_MS)));
        // plain: answers at once; measures when service resumes
        Running plain = d.startSampleWorker("plain", RuntimeImage.APP, "plain", 1, "tcp://127.0.0.1/0", RECONNECT);
        Deployment.ready(web1);
        Running web2 = d.sampleWorker("web2", RuntimeImage.APP, "web2", 2, web1.uri(),
                with(RECONNECT, "--answer-after", String.valueOf(ANSWER_AFTER_MS)));
        Deployment.ready(stuck);
        Deployment.ready(plain);
        int web = web1.port();
        int q = stuck.port();
        int r = plain.port();
        assertThat(Http.get(r, 10_000).outcome()).isEqualTo(Http.Outcome.ANSWERED);

        try (Load handed = new Load(6); Load queued = new Load(2); Load held = new Load(6)) {
            // 6 connections taken by web1/web2, to be answered 3 s later
            handed.start(web, 6, 20_000);
            // 1 taken by stuck (it stalls on it), 1 handed to stuck and left on its data connection
            queued.start(q, 1, 20_000);
            await(d, s -> Deployment.sum(s, "stuck", "taken") == 1, "stuck took its first connection");
            queued.start(q, 1, 20_000);
            await(d, s -> Deployment.worker(s, "stuck", 0).get("in_flight").getAsInt() == 1,
                    "a descriptor waits on stuck's data connection");
            // 1 parked in the daemon (every member congested: it stops accepting), then 5 in the kernel's backlog
            held.start(q, 1, 20_000);
            await(d, s -> listener(s, stuck.uri()).get("parked_now").getAsInt() == 1
                    && listener(s, stuck.uri()).get("paused").getAsBoolean(), "the daemon parked one and paused");
            held.start(q, 5, 20_000);
            awaitClientSockets(q, 8);
            await(d, s -> Deployment.sum(s, "web1", "taken") + Deployment.sum(s, "web2", "taken") == 6,
                    "web1 and web2 took the 6 connections");
            JsonObject before = d.show();
            assertThat(listener(before, stuck.uri()).get("accepted").getAsLong())
                    .as("accepted on stuck's port: the other 5 wait in the kernel's backlog").isEqualTo(3);
            assertThat(handed.results()).as("web's connections are not answered yet when the daemon dies").isEmpty();

            daemon1.kill();
            long killed = System.nanoTime();

            // new connections until service resumes on plain's port
            long[] resumedAt = new long[1];
            CompletableFuture<Map<Http.Outcome, Integer>> gap = CompletableFuture.supplyAsync(
                    () -> probeUntilAnswered(r, resumedAt));
            Running daemon2 = d.daemon("daemon2");
            long daemon2Ready = System.nanoTime();
            Map<Http.Outcome, Integer> probes = gap.get(60, TimeUnit.SECONDS);
            long resumed = resumedAt[0];

            handed.await(30);
            queued.await(30);
            held.await(30);
            Map<Http.Outcome, Integer> outcomesHanded = handed.outcomes();
            Map<Http.Outcome, Integer> outcomesQueued = queued.outcomes();
            Map<Http.Outcome, Integer> outcomesHeld = held.outcomes();

            for (Running app : List.of(web1, web2, stuck, plain)) {
                app.await(l -> l.startsWith("reattached app="), Duration.ofSeconds(30));
            }
            long allBack = System.nanoTime();

            System.out.printf(Locale.ROOT, "daemon restart (docker kill, then a new daemon container):%n"
                    + "  handed to web1/web2 and taken before the kill: %s%n"
                    + "  taken by stuck, and handed to stuck but queued on its data connection: %s%n"
                    + "  parked in the daemon (1) and in the kernel's backlog (5): %s%n"
                    + "  probes on plain's port while no daemon listened: %s%n"
                    + "  new daemon ready %d ms after the kill; plain answered again after %d ms; all four reattached"
                    + " after %d ms (stuck stalls %d ms)%n"
                    + "  reconnect attempts: web1 %d, web2 %d, stuck %d, plain %d%n",
                    outcomesHanded, outcomesQueued, outcomesHeld, probes, ms(daemon2Ready - killed), ms(resumed - killed),
                    ms(allBack - killed), STALL_MS, attempts(web1), attempts(web2), attempts(stuck), attempts(plain));

            assertThat(outcomesHanded).as("connections web1/web2 had taken live on: answered after the daemon died")
                    .isEqualTo(Map.of(Http.Outcome.ANSWERED, 6));
            assertThat(outcomesQueued).as("stuck's taken connection, and the one queued on its data connection, answered")
                    .isEqualTo(Map.of(Http.Outcome.ANSWERED, 2));
            assertThat(outcomesHeld).as("the parked one and the 5 in the backlog: reset when the daemon's process died")
                    .isEqualTo(Map.of(Http.Outcome.RESET, 6));
            assertThat(probes).as("while no daemon listened, new connections were refused, then answered")
                    .containsEntry(Http.Outcome.ANSWERED, 1).containsKey(Http.Outcome.REFUSED)
                    .containsOnlyKeys(Http.Outcome.ANSWERED, Http.Outcome.REFUSED);

            // service resumes: the same ports, the same groups
            List<String> again = new ArrayList<>();
            try (Load after = new Load(6)) {
                after.start(web, 6, 20_000).await(30);
                assertThat(after.outcomes()).as("web's port after the restart").isEqualTo(Map.of(Http.Outcome.ANSWERED, 6));
                after.results().forEach(x -> again.add(x.label()));
            }
            assertThat(again.stream().filter(l -> l.startsWith("web1-")).count()).as("round robin: half each, %s", again)
                    .isEqualTo(3);
            assertThat(again).as("web2's two workers both re-added: %s", again).contains("web2-w0", "web2-w1");
            Http.Result fromStuck = Http.get(q, 10_000);
            assertThat(fromStuck.outcome()).as("stuck's port after the restart: %s", fromStuck).isEqualTo(Http.Outcome.ANSWERED);

            JsonObject show = d.show();
            assertThat(show.get("uptime_ms").getAsLong()).as("the new daemon's uptime").isLessThan(ms(System.nanoTime() - killed));
            Map<String, Integer> workersOf = new java.util.TreeMap<>();
            for (JsonElement a : show.getAsJsonArray("apps")) {
                workersOf.put(a.getAsJsonObject().get("name").getAsString(), a.getAsJsonObject().getAsJsonArray("workers").size());
            }
            assertThat(workersOf).as("applications and their workers on the new daemon")
                    .isEqualTo(Map.of("plain", 1, "stuck", 1, "web1", 1, "web2", 2));
            assertThat(Deployment.worker(show, "web2", 1).getAsJsonArray("listens").get(0).getAsString())
                    .as("web2-w1 listens on the same URI as before").isEqualTo(web1.uri());
            assertThat(Deployment.total(show, "dropped")).isZero();
            for (Running app : List.of(web1, web2, stuck, plain)) {
                assertThat(app.running()).as("%s kept running", app).isTrue();
                assertThat(app.output().matching(l -> l.contains("reconnect attempt 1 of 30 in "))).as("%s logged its attempts",
                        app).isNotEmpty();
            }
            assertThat(daemon2.running()).isTrue();
        }
    }

    /**
     * {@code docker stop} (SIGTERM: the daemon closes its sockets and removes its socket file), then a
     * new daemon: an application with two workers reattaches and both serve again, in turn.
     */
    @Test
    void afterAGracefulStopTheApplicationReattachesToTheNextDaemon() throws Exception {
        Deployment d = new Deployment(containers);
        Running daemon1 = d.daemon("daemon1");
        Running web = d.sampleWorker("web", RuntimeImage.APP, "web", 2, "tcp://127.0.0.1/0", RECONNECT);
        int port = web.port();
        assertThat(labels(port, 4)).containsExactly("web-w0", "web-w1", "web-w0", "web-w1");

        daemon1.stop(10);
        assertThat(daemon1.exitCode()).as("a JVM ended by SIGTERM exits 143 (128 + 15), not 137 (killed after the timeout)")
                .isEqualTo(143);
        assertThat(containers.sharedDir().resolve("hoststack.sock")).as("a stopped daemon removes its socket file")
                .doesNotExist();
        assertThat(Http.get(port, 2_000).outcome()).as("no daemon, nothing listens").isEqualTo(Http.Outcome.REFUSED);
        web.await(l -> l.contains("reconnect attempt 2 of 30 failed"), Duration.ofSeconds(10));

        d.daemon("daemon2");
        web.await(l -> l.startsWith("reattached app=web") && l.endsWith(" count=1"), Duration.ofSeconds(30));
        assertThat(labels(port, 4)).as("both workers serve the same port again, in turn")
                .containsExactly("web-w0", "web-w1", "web-w0", "web-w1");
        assertThat(Deployment.worker(d.show(), "web", 1).getAsJsonArray("listens").get(0).getAsString())
                .isEqualTo(web.uri());
    }

    private static List<String> labels(int port, int n) {
        List<String> labels = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            Http.Result x = Http.get(port, 10_000);
            assertThat(x.outcome()).as("connection %s: %s", i, x).isEqualTo(Http.Outcome.ANSWERED);
            labels.add(x.label());
        }
        return labels;
    }

    /** New connections to {@code port} every 20 ms until one is answered (its end in {@code answeredAt[0]}); their outcomes. */
    private static Map<Http.Outcome, Integer> probeUntilAnswered(int port, long[] answeredAt) {
        Map<Http.Outcome, Integer> seen = new EnumMap<>(Http.Outcome.class);
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(45);
        while (System.nanoTime() < end) {
            Http.Result x = Http.get(port, 2_000);
            seen.merge(x.outcome(), 1, Integer::sum);
            if (x.outcome() == Http.Outcome.ANSWERED) {
                answeredAt[0] = x.endNanos();
                return seen;
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return seen;
            }
        }
        return seen;
    }

    private static int attempts(Running app) {
        return app.output().matching(l -> l.contains(": reconnect attempt ") && l.contains(" in ")).size();
    }

    private static JsonObject listener(JsonObject show, String uri) {
        for (JsonElement l : show.getAsJsonArray("listeners")) {
            if (l.getAsJsonObject().get("uri").getAsString().equals(uri)) {
                return l.getAsJsonObject();
            }
        }
        throw new AssertionError("no listener " + uri + " in " + show);
    }

    private static void await(Deployment d, Predicate<JsonObject> condition, String what) throws InterruptedException {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        JsonObject s = d.show();
        while (!condition.test(s)) {
            if (System.nanoTime() > end) {
                throw new AssertionError("not within 10 s: " + what + "; show: " + s);
            }
            Thread.sleep(10);
            s = d.show();
        }
    }

    /** TCP states of a client socket that connected and has not been closed: ESTABLISHED, FIN_WAIT1, FIN_WAIT2. */
    private static final java.util.Set<String> CONNECTED = java.util.Set.of("01", "04", "05");

    /**
     * Waits until this host has {@code n} connected client sockets to {@code port} (from
     * /proc/net/tcp and tcp6; the client has sent its request and shut its output, so FIN_WAIT
     * counts): connections the kernel completed, whether or not the daemon accepted them.
     */
    private static void awaitClientSockets(int port, int n) throws InterruptedException, IOException {
        String remote = String.format(Locale.ROOT, ":%04X", port);
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (true) {
            long count = 0;
            for (String table : List.of("/proc/net/tcp", "/proc/net/tcp6")) { // Java's sockets are IPv6 ones here
                if (!Files.exists(Path.of(table))) {
                    continue; // no IPv6 on this host
                }
                count += Files.readAllLines(Path.of(table)).stream().skip(1)
                        .map(l -> l.trim().split("\\s+"))
                        .filter(f -> f[2].endsWith(remote) && CONNECTED.contains(f[3]))
                        .count();
            }
            if (count >= n) {
                return;
            }
            if (System.nanoTime() > end) {
                List<String> lines = new ArrayList<>();
                for (String table : List.of("/proc/net/tcp", "/proc/net/tcp6")) {
                    if (Files.exists(Path.of(table))) {
                        Files.readAllLines(Path.of(table)).stream().filter(l -> l.contains(remote)).forEach(lines::add);
                    }
                }
                throw new AssertionError("only " + count + " connected client sockets to port " + port + " after 10 s, not "
                        + n + ":\n" + String.join("\n", lines));
            }
            Thread.sleep(10);
        }
    }

    private static long ms(long nanos) {
        return nanos / 1_000_000;
    }

    private static String[] with(String[] base, String... more) {
        List<String> all = new ArrayList<>(List.of(base));
        all.addAll(List.of(more));
        return all.toArray(String[]::new);
    }
}
