package dev.hoststack.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Issue 8, test 1: the design note's example with each application in its own container. The
 * daemon runs in a container with the host's network; app1, app2 and app3 (1, 2 and 3 workers) each
 * run {@code hoststack worker} in a container of their own, as uid 1000, with no network, joining
 * one reuseport group on a port the daemon picked; this JVM connects to 127.0.0.1.
 *
 * <p>Each test runs twice (issue 15): with the daemon handing every connection over (uid 1000, no
 * capabilities) and with the kernel dispatching (root with CAP_SYS_ADMIN and CAP_NET_ADMIN,
 * {@code --dispatch kernel}: the group's {@code SK_REUSEPORT} program picks the socket, each worker
 * accepts on its own, and the daemon accepts none of the connections).
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class SeedOrderContainersIT {

    @RegisterExtension
    static final HoststackContainers containers = new HoststackContainers();

    private static final int[] WORKERS = {1, 2, 3};

    /**
     * Round robin: sequential connections follow the seed's order exactly (applications in turn, each
     * application's workers in turn), so each application gets a third whatever its workers.
     */
    @ParameterizedTest(name = "dispatch {0}")
    @EnumSource(Deployment.Dispatch.class)
    void roundRobinFollowsTheSeedOrderAcrossThreeApplicationContainers(Deployment.Dispatch dispatch) throws Exception {
        Deployment d = new Deployment(containers, dispatch);
        d.daemon("daemon");
        Running app1 = d.worker("app1", RuntimeImage.APP, "app1", 1, "tcp://127.0.0.1/0", "--selector", "roundrobin");
        String uri = app1.uri();
        // one after the other: the order of joining is the order of the rotation
        Running app2 = d.worker("app2", RuntimeImage.APP, "app2", 2, uri, "--selector", "roundrobin");
        Running app3 = d.worker("app3", RuntimeImage.APP, "app3", 3, uri, "--selector", "roundrobin");
        assertThat(List.of(app2.uri(), app3.uri())).as("every application joined the group on app1's port").containsOnly(uri);

        List<String> order = new ArrayList<>();
        for (int i = 0; i < 60; i++) {
            Http.Result r = Http.get(app1.port(), 10_000);
            assertThat(r.outcome()).as("connection %s: %s", i, r).isEqualTo(Http.Outcome.ANSWERED);
            order.add(r.label());
        }

        assertThat(order.subList(0, 9)).as("the seed's sequence (workers numbered from 0)").containsExactly(
                "app1-w0", "app2-w0", "app3-w0", "app1-w0", "app2-w1", "app3-w1", "app1-w0", "app2-w0", "app3-w2");
        for (int i = 0; i < order.size(); i++) {
            int app = i % 3;
            assertThat(order.get(i)).as("connection %s of %s: applications in turn, each one's workers in turn", i, order)
                    .isEqualTo("app" + (app + 1) + "-w" + (i / 3) % WORKERS[app]);
        }
        Map<String, Integer> perWorker = new TreeMap<>();
        order.forEach(l -> perWorker.merge(l, 1, Integer::sum));
        assertThat(perWorker).as("a third per application (20 of 60), split among its workers")
                .containsExactlyInAnyOrderEntriesOf(Map.of("app1-w0", 20, "app2-w0", 10, "app2-w1", 10,
                        "app3-w0", 7, "app3-w1", 7, "app3-w2", 6));

        JsonObject show = d.assertDispatch();
        if (dispatch == Deployment.Dispatch.KERNEL) {
            show = d.awaitReported(60);
            assertThat(Deployment.total(show, "accepted")).as("connections the daemon accepted itself: none").isZero();
            assertThat(Deployment.reportedAccepted(show)).as("connections the workers accepted on their own sockets,"
                    + " as they reported them: %s", show.get("apps")).isEqualTo(60);
            JsonObject k = Deployment.kernelGroup(show);
            assertThat(k.get("kind").getAsString()).as("%s", k).isEqualTo("sequence");
            assertThat(k.get("sockets").getAsInt()).as("one socket per worker: %s", k).isEqualTo(6);
            assertThat(k.get("selections").getAsLong()).as("the program's application rotor: %s", k).isEqualTo(60);
            for (JsonElement w : Deployment.allWorkers(show)) {
                JsonObject socket = w.getAsJsonObject().getAsJsonArray("sockets").get(0).getAsJsonObject();
                assertThat(socket.get("accepted_by").getAsString()).as("who accepts on %s's socket", w).isEqualTo("worker");
            }
        } else {
            assertThat(Deployment.total(show, "accepted")).as("connections the daemon accepted").isEqualTo(60);
            assertThat(Deployment.total(show, "taken")).as("connections workers took").isEqualTo(60);
        }
        assertThat(Deployment.total(show, "dropped")).isZero();
        for (JsonElement a : show.getAsJsonArray("apps")) {
            JsonObject app = a.getAsJsonObject();
            assertThat(app.get("owner").getAsInt()).as("owner of %s: the uid the daemon read from its socket", app)
                    .isEqualTo(RuntimeImage.APP);
            for (JsonElement w : app.getAsJsonArray("workers")) {
                // another pid namespace: the kernel gives the daemon pid 0 for a peer it cannot name
                assertThat(w.getAsJsonObject().get("pid").getAsLong()).as("pid of %s seen from the daemon's container", w)
                        .isZero();
            }
        }
        assertThat(app1.announced()).as("inside its container the worker is pid 1").contains(" pid=1 ");
    }

    /**
     * The hash selector (the kernel's SO_REUSEPORT choice: one slot per worker over the group) gives
     * each of the 6 workers about 1/6 of the connections, so the applications get 1/6, 2/6 and 3/6.
     *
     * <p>{@value #HASHED} connections from 8 threads. The kernel reuses source ports (about 5,400
     * distinct ones in 6,000 connections here), and a stateless hash sends a repeated 5-tuple to the
     * same worker, which is checked; the shares are counted over the distinct 5-tuples, which are
     * independent draws. So with n distinct flows a worker's count is binomial(n, 1/6) (n = 5,400:
     * mean 900, standard deviation 27.4). Tolerance: each worker within 4.5 standard deviations of
     * n/6 (about 1/6 +- 2.3 percentage points), each application within 4.5 of its own share; a fair
     * spread fails that about 4 times in 100,000 runs. The chi-square statistic of the 6 counts (5
     * degrees of freedom) is printed and must be below 25.7 (p = 0.0001).
     */
    @ParameterizedTest(name = "dispatch {0}")
    @EnumSource(Deployment.Dispatch.class)
    void theHashSelectorGivesEachOfTheSixWorkersAboutASixth(Deployment.Dispatch dispatch) throws Exception {
        Deployment d = new Deployment(containers, dispatch);
        d.daemon("daemon");
        Running app1 = d.worker("app1", RuntimeImage.APP, "app1", 1, "tcp://127.0.0.1/0", "--selector", "hash");
        String uri = app1.uri();
        // the order of joining does not matter to the hash's spread: start both at once
        Running app2 = d.startWorker("app2", RuntimeImage.APP, "app2", 2, uri, "--selector", "hash");
        Running app3 = d.startWorker("app3", RuntimeImage.APP, "app3", 3, uri, "--selector", "hash");
        assertThat(List.of(Deployment.ready(app2).uri(), Deployment.ready(app3).uri())).containsOnly(uri);

        Map<Integer, String> workerOfFlow = new HashMap<>();
        Map<String, Integer> perWorker = new TreeMap<>();
        try (Load load = new Load(8)) {
            load.start(app1.port(), HASHED, 10_000).await(60);
            assertThat(load.outcomes()).as("every connection answered").containsOnlyKeys(Http.Outcome.ANSWERED);
            for (Http.Result r : load.results()) {
                String first = workerOfFlow.putIfAbsent(r.localPort(), r.label());
                if (first == null) {
                    perWorker.merge(r.label(), 1, Integer::sum);
                } else {
                    assertThat(r.label()).as("a repeated 5-tuple (source port %s) goes to the same worker",
                            r.localPort()).isEqualTo(first);
                }
            }
        }

        double n = workerOfFlow.size();
        assertThat(n).as("distinct 5-tuples among %s connections", HASHED).isGreaterThan(HASHED / 2.0);
        double chiSquare = 0;
        Map<String, Integer> perApp = new LinkedHashMap<>();
        for (int a = 0; a < 3; a++) {
            for (int w = 0; w < WORKERS[a]; w++) {
                String label = "app" + (a + 1) + "-w" + w;
                int count = perWorker.getOrDefault(label, 0);
                chiSquare += Math.pow(count - n / 6, 2) / (n / 6);
                perApp.merge("app" + (a + 1), count, Integer::sum);
                assertThat((double) count).as("%s's count of %.0f distinct flows (1/6 = %.0f, +- 4.5 sd); all: %s",
                        label, n, n / 6, perWorker).isBetween(bound(n, 1 / 6.0, -4.5), bound(n, 1 / 6.0, 4.5));
            }
        }
        for (int a = 0; a < 3; a++) {
            double p = WORKERS[a] / 6.0;
            assertThat((double) perApp.get("app" + (a + 1))).as("app%s's count (%s/6 of %.0f, +- 4.5 sd); all: %s",
                    a + 1, WORKERS[a], n, perApp).isBetween(bound(n, p, -4.5), bound(n, p, 4.5));
        }
        System.out.printf("hash selector, dispatch %s: %d connections, %.0f distinct 5-tuples; per worker %s, per application %s,"
                + " chi-square %.2f (5 df)%n", dispatch, HASHED, n, perWorker, perApp, chiSquare);
        assertThat(chiSquare).as("chi-square of the 6 workers' counts against 1/6 each: %s", perWorker).isLessThan(25.7);

        JsonObject show = d.assertDispatch();
        if (dispatch == Deployment.Dispatch.KERNEL) {
            show = d.awaitReported(HASHED);
            assertThat(Deployment.total(show, "accepted")).as("connections the daemon accepted itself: none").isZero();
            assertThat(Deployment.reportedAccepted(show)).as("accepted by the workers on their own sockets").isEqualTo(HASHED);
            JsonObject k = Deployment.kernelGroup(show);
            assertThat(k.get("kind").getAsString()).as("the kernel's own hash over the group: %s", k).isEqualTo("kernel_hash");
            assertThat(k.get("sockets").getAsInt()).as("%s", k).isEqualTo(6);
        } else {
            assertThat(Deployment.total(show, "accepted")).isEqualTo(HASHED);
        }
        assertThat(Deployment.total(show, "dropped")).isZero();
    }

    private static final int HASHED = 6000;

    private static double bound(double n, double p, double sds) {
        return n * p + sds * Math.sqrt(n * p * (1 - p));
    }
}
