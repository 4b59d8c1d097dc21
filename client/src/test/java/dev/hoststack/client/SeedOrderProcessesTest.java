package dev.hoststack.client;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The design note's example across real processes: a daemon and three worker processes (app1,
 * app2, app3 with 1, 2, 3 workers) in one reuseport group on a loopback port the daemon picked;
 * real TCP connections, one after another, are answered in the seed's order.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class SeedOrderProcessesTest {

    @TempDir
    Path dir;

    @Test
    void seedOrderAcrossThreeProcesses() throws Exception {
        try (Proc daemon = Proc.daemon(dir);
             Proc app1 = Proc.worker(dir, "app1", 1, "tcp://127.0.0.1/0", "--selector", "roundrobin");
             Proc app2 = Proc.worker(dir, "app2", 2, app1.readyUri());
             Proc app3 = Proc.worker(dir, "app3", 3, app1.readyUri())) {
            int port = Http.port(app1.readyUri());
            assertThat(port).isPositive();
            assertThat(app2.readyUri()).isEqualTo(app1.readyUri());
            assertThat(app3.readyUri()).isEqualTo(app1.readyUri());

            List<String> order = new ArrayList<>();
            Map<String, String> pidOf = new HashMap<>();
            Map<String, Integer> counts = new HashMap<>();
            for (int i = 0; i < 60; i++) {
                String body = Http.get(port, 10_000);
                assertThat(body).as("connection %s", i).isNotNull();
                String label = Http.label(body);
                order.add(label);
                counts.merge(label, 1, Integer::sum);
                pidOf.put(Proc.field(body, "app"), Proc.field(body, "pid"));
            }
            // the seed's sequence, workers numbered from 0
            assertThat(order.subList(0, 9)).containsExactly(
                    "app1-w0", "app2-w0", "app3-w0", "app1-w0", "app2-w1", "app3-w1", "app1-w0", "app2-w0", "app3-w2");
            // and on: applications in turn, each application's workers in turn
            int[] workers = {1, 2, 3};
            for (int i = 0; i < order.size(); i++) {
                int app = i % 3;
                assertThat(order.get(i)).as("connection %s", i).isEqualTo("app" + (app + 1) + "-w" + (i / 3) % workers[app]);
            }
            assertThat(pidOf).containsOnlyKeys("app1", "app2", "app3");
            assertThat(pidOf.get("app1")).isEqualTo(String.valueOf(app1.pid()));
            assertThat(pidOf.get("app2")).isEqualTo(String.valueOf(app2.pid()));
            assertThat(pidOf.get("app3")).isEqualTo(String.valueOf(app3.pid()));
            // a third per application whatever its workers; inside one, round robin
            assertThat(counts).containsEntry("app1-w0", 20)
                    .containsEntry("app2-w0", 10).containsEntry("app2-w1", 10)
                    .containsEntry("app3-w0", 7).containsEntry("app3-w1", 7).containsEntry("app3-w2", 6);

            var show = Daemons.show(dir);
            assertThat(Daemons.total(show, "accepted")).isEqualTo(60);
            assertThat(Daemons.total(show, "taken")).isEqualTo(60);
            assertThat(Daemons.total(show, "dropped")).isZero();
            assertThat(Daemons.worker(show, "app3", 2).get("pid").getAsLong()).isEqualTo(app3.pid());
            assertThat(show.get("daemon_pid").getAsLong()).isEqualTo(daemon.pid());
        }
    }
}
