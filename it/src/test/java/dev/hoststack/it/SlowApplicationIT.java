package dev.hoststack.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Issue 8, test 5: a slow application. Its container's only worker stops reading (its event loop
 * stalls for 5 s on its 6th connection: neither its data connection nor its connections are read).
 * The daemon keeps at most its window (8) of descriptors in flight to it; then it is congested and
 * each connection the round robin gives it goes to the selector's next choice instead (a counted
 * congestion skip). The other applications keep receiving connections; when the slow one resumes it
 * takes and answers what it was handed. Nothing is lost.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class SlowApplicationIT {

    @RegisterExtension
    static final HoststackContainers containers = new HoststackContainers();

    private static final int CONNECTIONS = 600;
    private static final int WINDOW = 8;
    private static final int STALL_MS = 5000;

    @Test
    void theOthersKeepReceivingConnectionsAndNothingIsLost() throws Exception {
        Deployment d = new Deployment(containers);
        d.daemon("daemon");
        Running slow = d.sampleWorker("slow", RuntimeImage.APP, "slow", 1, "tcp://127.0.0.1/0", "--selector", "roundrobin",
                "--window", String.valueOf(WINDOW), "--stall-after", "5", "--stall-for", String.valueOf(STALL_MS));
        Running fast1 = d.startWorker("fast1", RuntimeImage.APP, "fast1", 1, slow.uri(), "--selector", "roundrobin");
        Running fast2 = d.startWorker("fast2", RuntimeImage.APP, "fast2", 2, slow.uri(), "--selector", "roundrobin");
        Deployment.ready(fast1);
        Deployment.ready(fast2);

        JsonObject congested = null;
        List<Http.Result> results;
        try (Load load = new Load(16)) {
            load.start(slow.port(), CONNECTIONS, 30_000);
            long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (System.nanoTime() < end) {
                JsonObject w = Deployment.worker(d.show(), "slow", 0);
                if (w.get("in_flight").getAsInt() == WINDOW) {
                    congested = w;
                    break;
                }
                Thread.sleep(10);
            }
            assertThat(congested).as("the slow worker's window filled up: %s descriptors handed, not taken", WINDOW)
                    .isNotNull();
            load.await(60);
            results = load.results();
            System.out.printf("slow application: outcomes %s, per worker %s%n", load.outcomes(), load.byLabel());
            assertThat(load.outcomes()).as("nothing lost: every connection answered")
                    .isEqualTo(Map.of(Http.Outcome.ANSWERED, CONNECTIONS));
        }

        // the others kept receiving while the slow one did not read
        List<Http.Result> bySlow = results.stream().filter(r -> "slow".equals(r.app()))
                .sorted(Comparator.comparingLong(Http.Result::endNanos)).toList();
        assertThat(bySlow.size()).as("connections answered by slow: 5 before it stalled, then at least the one it stalled"
                + " on and the %s it was handed meanwhile", WINDOW).isGreaterThanOrEqualTo(5 + 1 + WINDOW);
        long resumed = bySlow.get(5).endNanos(); // its first answer after the stall
        long othersMeanwhile = results.stream().filter(r -> !"slow".equals(r.app()) && r.endNanos() < resumed).count();
        System.out.printf("while slow was stalled the others answered %d connections; slow answered %d in all%n",
                othersMeanwhile, bySlow.size());
        assertThat(othersMeanwhile).as("connections the other applications answered before slow answered again")
                .isGreaterThanOrEqualTo(CONNECTIONS - bySlow.size() - 50L);

        JsonObject show = d.show();
        JsonObject w = Deployment.worker(show, "slow", 0);
        long slowSkips = w.get("congestion_skips").getAsLong();
        System.out.printf("daemon: totals %s; slow: handed %s, taken %s, skips %s%n", show.get("totals"), w.get("handed"),
                w.get("taken"), slowSkips);
        assertThat(slowSkips).as("connections the round robin chose slow for while it was congested, given to the next"
                + " choice").isGreaterThanOrEqualTo(100);
        assertThat(Deployment.total(show, "congestion_skips")).as("only slow was ever congested").isEqualTo(slowSkips);
        assertThat(w.get("handed").getAsLong()).as("slow: every descriptor handed was taken")
                .isEqualTo(w.get("taken").getAsLong()).isEqualTo(bySlow.size());
        assertThat(Deployment.total(show, "accepted")).isEqualTo(CONNECTIONS);
        assertThat(Deployment.total(show, "taken")).isEqualTo(CONNECTIONS);
        assertThat(Deployment.total(show, "dropped")).isZero();
        assertThat(Deployment.total(show, "in_flight")).isZero();
        assertThat(Deployment.total(show, "pauses")).as("the others were never all congested: the daemon never stopped"
                + " accepting").isZero();
        for (JsonElement x : Deployment.allWorkers(show)) {
            JsonObject o = x.getAsJsonObject();
            if (!o.get("app").getAsString().equals("slow")) {
                assertThat(o.get("congestion_skips").getAsLong()).as("skips of %s", o).isZero();
            }
        }
        assertThat(slow.running() && fast1.running() && fast2.running()).isTrue();
    }
}
