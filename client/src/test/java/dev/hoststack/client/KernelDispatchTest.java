package dev.hoststack.client;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Kernel dispatch with real processes ({@code hoststack daemon --dispatch kernel}, root here): each
 * worker accepts on a listening socket of its own that the daemon made in the endpoint's
 * SO_REUSEPORT group, and the group's {@code SK_REUSEPORT} program picks the socket. The daemon
 * sees no connection: its {@code accepted} stays 0 while the workers report theirs.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class KernelDispatchTest {

    @TempDir
    Path dir;

    /** The design note's order over real connections, picked by the kernel's program. */
    @Test
    void theKernelFollowsTheSeedOrderAndTheDaemonSeesNoConnection() throws Exception {
        try (Proc daemon = Proc.daemon(dir, "--dispatch", "kernel");
             Proc app1 = Proc.worker(dir, "app1", 1, "tcp://127.0.0.1/0", "--selector", "roundrobin");
             Proc app2 = Proc.worker(dir, "app2", 2, app1.readyUri());
             Proc app3 = Proc.worker(dir, "app3", 3, app1.readyUri())) {
            int port = Http.port(app1.readyUri());
            assertThat(List.of(app2.readyUri(), app3.readyUri())).as("one group on app1's port").containsOnly(app1.readyUri());
            List<String> order = new ArrayList<>();
            Map<String, Integer> counts = new TreeMap<>();
            for (int i = 0; i < 60; i++) {
                String body = Http.get(port, 10_000);
                assertThat(body).as("connection %s", i).isNotNull();
                order.add(Http.label(body));
                counts.merge(Http.label(body), 1, Integer::sum);
            }
            assertThat(order.subList(0, 9)).as("the seed's sequence (workers numbered from 0)").containsExactly(
                    "app1-w0", "app2-w0", "app3-w0", "app1-w0", "app2-w1", "app3-w1", "app1-w0", "app2-w0", "app3-w2");
            int[] workers = {1, 2, 3};
            for (int i = 0; i < order.size(); i++) {
                assertThat(order.get(i)).as("connection %s of %s", i, order).isEqualTo("app" + (i % 3 + 1) + "-w" + (i / 3) % workers[i % 3]);
            }
            assertThat(counts).containsExactlyInAnyOrderEntriesOf(Map.of("app1-w0", 20, "app2-w0", 10, "app2-w1", 10,
                    "app3-w0", 7, "app3-w1", 7, "app3-w2", 6));

            JsonObject show = awaitReported(60);
            assertThat(show.getAsJsonObject("dispatch").get("mode").getAsString()).isEqualTo("kernel");
            assertThat(Daemons.total(show, "accepted")).as("connections the daemon accepted itself: none").isZero();
            JsonObject listener = show.getAsJsonArray("listeners").get(0).getAsJsonObject();
            assertThat(listener.get("dispatch").getAsString()).isEqualTo("kernel");
            JsonObject k = listener.getAsJsonObject("kernel");
            assertThat(k.get("kind").getAsString()).isEqualTo("sequence");
            assertThat(k.get("sockets").getAsInt()).isEqualTo(6);
            assertThat(k.get("selections").getAsLong()).as("the program's application rotor: %s", k).isEqualTo(60);
            assertThat(k.getAsJsonObject("selections_by_app").get("app3").getAsLong()).isEqualTo(20);
            for (String[] w : new String[][] {{"app1", "0", "20"}, {"app2", "1", "10"}, {"app3", "2", "6"}}) {
                JsonObject wo = Daemons.worker(show, w[0], Integer.parseInt(w[1]));
                assertThat(wo.get("accepted").getAsLong()).as("%s-w%s as it reported: %s", w[0], w[1], wo)
                        .isEqualTo(Long.parseLong(w[2]));
                assertThat(wo.get("accepted_from").getAsString()).isEqualTo("worker");
                JsonObject socket = wo.getAsJsonArray("sockets").get(0).getAsJsonObject();
                assertThat(socket.get("accepted_by").getAsString()).isEqualTo("worker");
                assertThat(socket.get("backlog").getAsInt()).as("read with TCP_INFO on the daemon's copy").isEqualTo(4096);
            }
            assertThat(show.getAsJsonObject("kernel").has("listen_overflows")).as("%s", show.get("kernel")).isTrue();
            assertThat(daemon.process().isAlive()).isTrue();
        }
    }

    /**
     * A version-1 worker (it cannot take a listening socket) beside version-2 ones: the daemon
     * accepts on its socket for it, so the kernel's order is the same and the daemon counts only
     * that worker's connections.
     */
    @Test
    void aVersionOneWorkerIsServedThroughItsSocketByTheDaemon() throws Exception {
        try (Proc daemon = Proc.daemon(dir, "--dispatch", "kernel");
             Proc app1 = Proc.worker(dir, "app1", 1, "tcp://127.0.0.1/0", "--protocol", "1");
             Proc app2 = Proc.worker(dir, "app2", 2, app1.readyUri())) {
            int port = Http.port(app1.readyUri());
            assertThat(app2.readyUri()).isEqualTo(app1.readyUri());
            assertThat(daemon.process().isAlive()).isTrue();
            List<String> order = new ArrayList<>();
            for (int i = 0; i < 24; i++) {
                String body = Http.get(port, 10_000);
                assertThat(body).as("connection %s", i).isNotNull();
                order.add(Http.label(body));
            }
            for (int i = 0; i < order.size(); i++) {
                assertThat(order.get(i)).as("connection %s of %s", i, order)
                        .isEqualTo(i % 2 == 0 ? "app1-w0" : "app2-w" + (i / 2) % 2);
            }
            JsonObject show = Daemons.show(dir);
            assertThat(Daemons.total(show, "accepted")).as("the daemon accepted for the version-1 worker only").isEqualTo(12);
            assertThat(Daemons.total(show, "taken")).isEqualTo(12);
            JsonObject v1 = Daemons.worker(show, "app1", 0);
            assertThat(v1.get("version").getAsInt()).isEqualTo(1);
            assertThat(v1.getAsJsonArray("sockets").get(0).getAsJsonObject().get("accepted_by").getAsString()).isEqualTo("daemon");
            assertThat(Daemons.worker(show, "app2", 0).get("version").getAsInt()).isEqualTo(2);
        }
    }

    /**
     * {@code hash} in the kernel is the kernel's own choice over the group's sockets: each of 6
     * workers gets about a sixth of the distinct flows. Tolerance: 5 standard deviations of the
     * binomial, counted over distinct source ports (a repeated 4-tuple must go to the same worker).
     */
    @Test
    void theKernelHashGivesEachWorkerItsShare() throws Exception {
        try (Proc daemon = Proc.daemon(dir, "--dispatch", "kernel", "--selector", "hash");
             Proc app1 = Proc.worker(dir, "app1", 1, "tcp://127.0.0.1/0");
             Proc app2 = Proc.worker(dir, "app2", 2, app1.readyUri());
             Proc app3 = Proc.worker(dir, "app3", 3, app1.readyUri());
             Load load = new Load(8)) {
            int port = Http.port(app1.readyUri());
            assertThat(List.of(app2.readyUri(), app3.readyUri())).containsOnly(app1.readyUri());
            assertThat(daemon.process().isAlive()).isTrue();
            int n = 2400;
            load.start(port, n, 20_000);
            load.await();
            assertThat(load.failed.get()).as("failed connections").isZero();
            Map<String, Integer> per = new HashMap<>();
            load.answeredBy.forEach((k, v) -> per.put(k, v.get()));
            double sd = Math.sqrt(n * (1 / 6.0) * (5 / 6.0));
            for (String w : List.of("app1-w0", "app2-w0", "app2-w1", "app3-w0", "app3-w1", "app3-w2")) {
                assertThat((double) per.getOrDefault(w, 0)).as("%s's share of %s connections (a sixth, +- 5 sd); all: %s", w, n, per)
                        .isBetween(n / 6.0 - 5 * sd, n / 6.0 + 5 * sd);
            }
            JsonObject k = Daemons.show(dir).getAsJsonArray("listeners").get(0).getAsJsonObject().getAsJsonObject("kernel");
            assertThat(k.get("kind").getAsString()).isEqualTo("kernel_hash");
        }
    }

    /**
     * {@code weighted} goes to the kernel as a sequence (its member sequence, one period): with every
     * weight 1 it is the seed's order exactly, as in the hand-off path.
     */
    @Test
    void weightedRunsInTheKernelAsASequence() throws Exception {
        try (Proc daemon = Proc.daemon(dir, "--dispatch", "kernel", "--selector", "weighted");
             Proc app1 = Proc.worker(dir, "app1", 1, "tcp://127.0.0.1/0");
             Proc app2 = Proc.worker(dir, "app2", 2, app1.readyUri());
             Proc app3 = Proc.worker(dir, "app3", 3, app1.readyUri())) {
            int port = Http.port(app1.readyUri());
            assertThat(List.of(app2.readyUri(), app3.readyUri())).as("one group").containsOnly(app1.readyUri());
            List<String> order = new ArrayList<>();
            for (int i = 0; i < 36; i++) {
                String body = Http.get(port, 10_000);
                assertThat(body).as("connection %s", i).isNotNull();
                order.add(Http.label(body));
            }
            int[] workers = {1, 2, 3};
            for (int i = 0; i < order.size(); i++) {
                assertThat(order.get(i)).as("connection %s of %s", i, order).isEqualTo("app" + (i % 3 + 1) + "-w" + (i / 3) % workers[i % 3]);
            }
            JsonObject show = Daemons.show(dir);
            JsonObject listener = show.getAsJsonArray("listeners").get(0).getAsJsonObject();
            assertThat(listener.get("dispatch").getAsString()).as("%s", listener).isEqualTo("kernel");
            assertThat(listener.getAsJsonObject("kernel").get("kind").getAsString()).isEqualTo("sequence");
            assertThat(Daemons.total(show, "accepted")).as("connections the daemon accepted itself").isZero();
            assertThat(daemon.process().isAlive()).isTrue();
        }
    }

    /**
     * {@code maglev} goes to the kernel as a lookup table indexed by the kernel's 4-tuple hash: like
     * {@code hash} it counts sockets, so each of 6 workers gets about a sixth of 2,400 distinct flows
     * (5 standard deviations of the binomial, plus the table's own 1 % imbalance).
     */
    @Test
    void maglevRunsInTheKernelAsALookupTable() throws Exception {
        try (Proc daemon = Proc.daemon(dir, "--dispatch", "kernel", "--selector", "maglev");
             Proc app1 = Proc.worker(dir, "app1", 1, "tcp://127.0.0.1/0");
             Proc app2 = Proc.worker(dir, "app2", 2, app1.readyUri());
             Proc app3 = Proc.worker(dir, "app3", 3, app1.readyUri());
             Load load = new Load(8)) {
            int port = Http.port(app1.readyUri());
            assertThat(List.of(app2.readyUri(), app3.readyUri())).as("one group").containsOnly(app1.readyUri());
            int n = 2400;
            load.start(port, n, 20_000);
            load.await();
            assertThat(load.failed.get()).as("failed connections").isZero();
            double sd = Math.sqrt(n * (1 / 6.0) * (5 / 6.0));
            for (String w : List.of("app1-w0", "app2-w0", "app2-w1", "app3-w0", "app3-w1", "app3-w2")) {
                assertThat((double) load.by(w)).as("%s's share of %s connections (a sixth, +- 5 sd + 1 %%); all: %s", w, n,
                        load.answeredBy).isBetween(n / 6.0 * 0.99 - 5 * sd, n / 6.0 * 1.01 + 5 * sd);
            }
            JsonObject show = Daemons.show(dir);
            JsonObject k = show.getAsJsonArray("listeners").get(0).getAsJsonObject().getAsJsonObject("kernel");
            assertThat(k.get("kind").getAsString()).isEqualTo("lookup_table");
            assertThat(k.get("table").getAsString()).as("%s", k).startsWith("lookup table of 65537 entries over 6 sockets");
            assertThat(Daemons.total(show, "accepted")).as("connections the daemon accepted itself").isZero();
            assertThat(daemon.process().isAlive()).isTrue();
        }
    }

    /**
     * A selector that needs Java on the SYN path ({@code p2c}: load-aware) cannot be written as
     * data: its group stays on the hand-off path, the daemon says so once, and every connection is
     * still served.
     */
    @Test
    void aJavaOnlySelectorKeepsItsGroupOnTheHandOffPath() throws Exception {
        try (Proc daemon = Proc.daemon(dir, "--dispatch", "kernel", "--selector", "p2c");
             Proc app1 = Proc.worker(dir, "app1", 1, "tcp://127.0.0.1/0");
             Proc app2 = Proc.worker(dir, "app2", 2, app1.readyUri())) {
            int port = Http.port(app1.readyUri());
            assertThat(app2.readyUri()).as("one group").isEqualTo(app1.readyUri());
            for (int i = 0; i < 12; i++) {
                assertThat(Http.get(port, 10_000)).as("connection %s", i).isNotNull();
            }
            JsonObject show = Daemons.show(dir);
            JsonObject listener = show.getAsJsonArray("listeners").get(0).getAsJsonObject();
            assertThat(listener.get("dispatch").getAsString()).as("%s", listener).isEqualTo("handoff");
            assertThat(Daemons.total(show, "accepted")).as("the daemon accepted every connection").isEqualTo(12);
            long said = daemon.output().lines().filter(l -> l.contains("'p2c' cannot be written as data")).count();
            assertThat(said).as("the daemon's log says why, once:%n%s", daemon.output()).isEqualTo(1);
        }
    }

    /**
     * A worker that stops accepting (its event loop hangs after 3 connections): its queue fills,
     * the daemon reads it on its own copy of the socket and takes the worker out of the table, so
     * the others get every new connection. SIGKILL: the kernel moves what was queued on its socket
     * to the others ({@code SELECT_OR_MIGRATE}); only what it had accepted itself is lost.
     */
    @Test
    void aHungWorkerIsTakenOutAndWhatWasQueuedOnItsSocketIsAnsweredByTheOthersWhenItDies() throws Exception {
        try (Proc daemon = Proc.daemon(dir, "--dispatch", "kernel", "--backlog", "32");
             Proc hung = Proc.worker(dir, "hung", 1, "tcp://127.0.0.1/0", "--stall-after", "3");
             Proc good = Proc.worker(dir, "good", 2, hung.readyUri());
             Load load = new Load(24)) {
            int port = Http.port(hung.readyUri());
            load.start(port, 240, 60_000);
            JsonObject socket = null;
            for (int i = 0; i < 400; i++) {
                socket = Daemons.worker(Daemons.show(dir), "hung", 0).getAsJsonArray("sockets").get(0).getAsJsonObject();
                if (socket.get("congestion_outs").getAsInt() > 0 && socket.get("queued").getAsInt() > 0) {
                    break;
                }
                Thread.sleep(25);
            }
            assertThat(socket.get("congestion_outs").getAsInt()).as("the hung worker was taken out of the table: %s", socket)
                    .isPositive();
            int queued = socket.get("queued").getAsInt();
            int answeredBefore = load.answered.get();
            hung.kill9();
            load.await();

            System.out.printf("kernel dispatch, hung worker killed: %d queued on its socket at the last look, %d answered"
                    + " before the kill, %d failed; per worker %s%n", queued, answeredBefore, load.failed.get(), load.answeredBy);
            assertThat(load.answered.get() + load.failed.get()).isEqualTo(240);
            assertThat(load.refused.get()).as("refused connections").isZero();
            // lost: only what the hung process had accepted itself (the connection it hung on, and the rest of that
            // accept batch: Netty accepts up to 16 per wake-up)
            assertThat(load.failed.get()).as("connections lost with the hung process").isBetween(1, 16);
            assertThat(load.byApp("good")).as("answered by the others").isEqualTo(240 - load.failed.get() - load.byApp("hung"));
            assertThat(load.byApp("hung")).as("answered by the hung worker before it hung").isEqualTo(3);
            JsonObject show = Daemons.show(dir);
            JsonObject k = show.getAsJsonArray("listeners").get(0).getAsJsonObject().getAsJsonObject("kernel");
            assertThat(k.get("sockets").getAsInt()).as("the hung worker's socket left the group: %s", k).isEqualTo(2);
            assertThat(k.get("congestion_outs").getAsLong()).isPositive();
            assertThat(Daemons.total(show, "workers_died")).isEqualTo(1);
            assertThat(good.process().isAlive() && daemon.process().isAlive()).isTrue();
        }
    }

    /**
     * SIGKILL a busy two-worker process in the middle of a stream: connections queued on its
     * sockets go to the others; at most the connections it had accepted itself are lost (never
     * more than are in flight at once), none is refused.
     */
    @Test
    void aBusyWorkerKilledMidStreamLosesOnlyWhatItHadAccepted() throws Exception {
        try (Proc daemon = Proc.daemon(dir, "--dispatch", "kernel");
             Proc app1 = Proc.worker(dir, "app1", 1, "tcp://127.0.0.1/0");
             Proc app2 = Proc.worker(dir, "app2", 2, app1.readyUri());
             Proc app3 = Proc.worker(dir, "app3", 3, app1.readyUri());
             Load load = new Load(16)) {
            int port = Http.port(app1.readyUri());
            load.start(port, 1500, 30_000);
            while (load.answered.get() < 400) {
                Thread.sleep(5);
            }
            app2.kill9();
            load.await();
            System.out.printf("kernel dispatch, sigkill mid-stream: app2 answered %d; %d failed (%d refused); per worker %s%n",
                    load.byApp("app2"), load.failed.get(), load.refused.get(), load.answeredBy);
            assertThat(load.answered.get() + load.failed.get()).isEqualTo(1500);
            assertThat(load.refused.get()).as("refused").isZero();
            assertThat(load.failed.get()).as("lost: at most the connections in flight at the kill (16)").isLessThanOrEqualTo(16);
            JsonObject show = Daemons.show(dir);
            assertThat(Daemons.total(show, "workers_died")).isEqualTo(2);
            JsonObject k = show.getAsJsonArray("listeners").get(0).getAsJsonObject().getAsJsonObject("kernel");
            assertThat(k.get("sockets").getAsInt()).isEqualTo(4);
            assertThat(daemon.process().isAlive() && app1.process().isAlive() && app3.process().isAlive()).isTrue();
        }
    }

    /**
     * The daemon killed with SIGKILL in the middle of a stream: the workers' sockets and the
     * group's program live on, so not one connection fails; the workers reattach to a daemon
     * started again, which takes the group over from its handle (state file), gives each worker a
     * new socket and lets the old ones go (what was queued on them moves to the new ones).
     */
    @Test
    void theDaemonKilledMidStreamRefusesNothingAndTheWorkersReattach() throws Exception {
        Proc daemon = Proc.daemon(dir, "--dispatch", "kernel");
        Proc again = null;
        try (Proc app1 = Proc.worker(dir, "app1", 1, "tcp://127.0.0.1/0", "--reconnect");
             Proc app2 = Proc.worker(dir, "app2", 2, app1.readyUri(), "--reconnect");
             Proc app3 = Proc.worker(dir, "app3", 3, app1.readyUri(), "--reconnect");
             Load load = new Load(16)) {
            int port = Http.port(app1.readyUri());
            Thread.sleep(100); // the state file is saved 20 ms after the last listen
            load.start(port, 4000, 30_000);
            while (load.answered.get() < 500) {
                Thread.sleep(5);
            }
            daemon.kill9();
            int atKill = load.answered.get() + load.failed.get();
            Thread.sleep(300);
            int duringGap = load.answered.get() + load.failed.get() - atKill;
            again = Proc.daemon(dir, "--dispatch", "kernel");
            for (Proc p : List.of(app1, app2, app3)) {
                p.await(l -> l.startsWith("reattached "), java.time.Duration.ofSeconds(60));
            }
            load.await();
            System.out.printf("daemon killed mid-stream: %d connections ended before the kill, %d in the 300 ms without a"
                    + " daemon; %d failed (%d refused) of 4000; per worker %s%n", atKill, duringGap, load.failed.get(),
                    load.refused.get(), load.answeredBy);
            assertThat(duringGap).as("connections answered while no daemon ran").isPositive();
            assertThat(load.failed.get()).as("failed connections, %s of them refused", load.refused.get()).isZero();
            assertThat(load.answered.get()).isEqualTo(4000);

            JsonObject show = null;
            JsonObject k = null;
            for (int i = 0; i < 100; i++) {
                show = Daemons.show(dir);
                k = show.getAsJsonArray("listeners").get(0).getAsJsonObject().getAsJsonObject("kernel");
                if (k.get("sockets").getAsInt() == 6 && k.get("sockets_before_restart").getAsInt() == 0) {
                    break;
                }
                Thread.sleep(50);
            }
            assertThat(k.get("taken_over").getAsBoolean()).as("the new daemon took the group over: %s", k).isTrue();
            assertThat(k.get("sockets").getAsInt()).isEqualTo(6);
            assertThat(k.get("sockets_before_restart").getAsInt()).as("old sockets still in the table: %s", k).isZero();
            // served in turn again: the applications (in the order they came back) then each one's workers
            List<String> order = new ArrayList<>();
            for (int i = 0; i < 36; i++) {
                String body = Http.get(port, 10_000);
                assertThat(body).as("connection %s after the restart", i).isNotNull();
                order.add(Http.label(body));
            }
            for (int i = 3; i < order.size(); i++) {
                String app = order.get(i).substring(0, 4);
                assertThat(app).as("connection %s of %s: the applications in turn", i, order).isEqualTo(order.get(i - 3).substring(0, 4));
            }
            Map<String, Integer> per = new TreeMap<>();
            order.forEach(l -> per.merge(l, 1, Integer::sum));
            assertThat(per).as("each application a third, its workers in turn").containsExactlyInAnyOrderEntriesOf(Map.of(
                    "app1-w0", 12, "app2-w0", 6, "app2-w1", 6, "app3-w0", 4, "app3-w1", 4, "app3-w2", 4));
        } finally {
            daemon.close();
            if (again != null) {
                again.close();
            }
        }
    }

    /** Waits until the workers' reports add up to {@code n} accepted connections; returns that show. */
    private JsonObject awaitReported(long n) throws Exception {
        JsonObject show = null;
        for (int i = 0; i < 100; i++) {
            show = Daemons.show(dir);
            long sum = 0;
            for (JsonElement a : show.getAsJsonArray("apps")) {
                for (JsonElement w : a.getAsJsonObject().getAsJsonArray("workers")) {
                    sum += w.getAsJsonObject().get("accepted").getAsLong();
                }
            }
            if (sum == n) {
                return show;
            }
            Thread.sleep(50);
        }
        return show;
    }
}
