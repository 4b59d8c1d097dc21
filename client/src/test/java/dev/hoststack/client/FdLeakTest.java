package dev.hoststack.client;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Descriptor counts stay flat over thousands of connections: the daemon (its own
 * {@code /proc/self/fd}, reported by {@code show}), the worker process and the test JVM.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class FdLeakTest {

    static final int CONNECTIONS = 6000;

    @TempDir
    Path dir;

    static long selfFds() throws IOException {
        try (var s = Files.list(Path.of("/proc/self/fd"))) {
            return s.count();
        }
    }

    @Test
    void descriptorCountsStayFlat() throws Exception {
        try (Proc daemon = Proc.daemon(dir);
             Proc worker = Proc.worker(dir, "app1", 2, "tcp://127.0.0.1/0", "--window", "16")) {
            int port = Http.port(worker.readyUri());
            try (Load warm = new Load(8)) {
                warm.start(port, 400, 10_000);
                warm.await();
                assertThat(warm.failed.get()).isZero();
            }
            long daemonBefore = Daemons.show(dir).get("open_fds").getAsLong();
            long workerBefore = worker.openFds();
            long selfBefore = selfFds();

            try (Load load = new Load(8)) {
                load.start(port, CONNECTIONS, 10_000);
                load.await();
                assertThat(load.failed.get()).isZero();
                assertThat(load.by("app1-w0") + load.by("app1-w1")).isEqualTo(CONNECTIONS);
            }
            // the workers close their connections when the clients do; give the last ones a moment
            var show = Daemons.show(dir);
            long workerAfter = worker.openFds();
            for (int i = 0; i < 100 && workerAfter > workerBefore + 8; i++) {
                Thread.sleep(20);
                workerAfter = worker.openFds();
            }
            long daemonAfter = show.get("open_fds").getAsLong();
            System.out.printf("descriptors over %d connections: daemon %d -> %d, worker %d -> %d, test JVM %d -> %d%n",
                    CONNECTIONS, daemonBefore, daemonAfter, workerBefore, workerAfter, selfBefore, selfFds());
            assertThat(daemonAfter).isBetween(daemonBefore - 4, daemonBefore + 4);
            assertThat(workerAfter).isBetween(workerBefore - 8, workerBefore + 8);
            assertThat(selfFds()).isBetween(selfBefore - 16, selfBefore + 16);
            assertThat(Daemons.total(show, "accepted")).isEqualTo(CONNECTIONS + 400);
            assertThat(Daemons.total(show, "taken")).isEqualTo(CONNECTIONS + 400);
            assertThat(Daemons.total(show, "in_flight")).isZero();
            assertThat(daemon.process().isAlive()).isTrue();
        }
    }
}
