package dev.hoststack.client;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonObject;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code workers_died} counts the workers that went away holding something (listening, or with
 * connections in flight) without detaching: a crash. A worker refused before it listened, and one
 * stopped with SIGTERM (the sample worker detaches), count as {@code workers_left}.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class WorkerAccountingTest {

    @TempDir
    Path dir;

    @Test
    void refusedAndCleanlyStoppedWorkersLeaveOnlyACrashDies() throws Exception {
        try (Proc daemon = Proc.daemon(dir)) {
            String uri;
            try (Proc web = Proc.worker(dir, "web", 1, "tcp://127.0.0.1/0", "--selector", "roundrobin")) {
                uri = web.readyUri();
                try (Proc refused = Proc.worker(dir, "other", 1, uri, "--selector", "hash")) {
                    assertThat(refused.ready).startsWith("error SELECTOR_MISMATCH");
                    assertThat(refused.process().waitFor(20, TimeUnit.SECONDS)).isTrue();
                }
                assertThat(Http.get(Http.port(uri), 10_000)).startsWith("app=web ");
            } // SIGTERM
            Proc crash = Proc.worker(dir, "crash", 1, "tcp://127.0.0.1/0");
            assertThat(Http.get(Http.port(crash.readyUri()), 10_000)).startsWith("app=crash ");
            crash.kill9();
            DaemonsWait.until(() -> Daemons.show(dir).getAsJsonArray("apps").isEmpty(), "every application gone");
            JsonObject show = Daemons.show(dir);
            assertThat(Daemons.total(show, "workers_died")).as("only the SIGKILLed listening worker died").isEqualTo(1);
            assertThat(Daemons.total(show, "workers_left")).as("the refused one and the SIGTERMed one left").isEqualTo(2);
            assertThat(daemon.process().isAlive()).isTrue();
        }
    }
}
