package dev.hoststack.client;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonObject;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Bad luck without an attacker: under {@code ulimit -n 256}, two workers that stop (their event
 * loops hang) while connections pour in. Each worker's window is capped by the daemon's
 * descriptor budget shared among its workers, so the stopped ones cannot hold every descriptor:
 * the third worker keeps answering, the daemon never reaches EMFILE, {@code status} works, and
 * when the stopped workers are killed what they had not taken goes to the third.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class StoppedWorkersTest {

    @TempDir
    Path dir;

    @Test
    void twoStoppedWorkersUnderLoadCannotTakeEveryDescriptor() throws Exception {
        try (Proc daemon = Proc.daemonWithDescriptorLimit(dir, 256);
             Proc hung1 = Proc.worker(dir, "hung1", 1, "tcp://127.0.0.1/0", "--window", "128", "--stall-after", "0")) {
            String uri = hung1.readyUri();
            int port = Http.port(uri);
            try (Proc hung2 = Proc.worker(dir, "hung2", 1, uri, "--window", "128", "--stall-after", "0");
                 Proc ok = Proc.worker(dir, "ok", 1, uri, "--window", "128");
                 Load load = new Load(200)) {
                assertThat(ok.readyUri()).isEqualTo(uri);
                load.start(port, 400, 60_000);
                // every connection is answered by ok, or held by a stopped worker (one taken, the rest in flight)
                DaemonsWait.until(() -> {
                    JsonObject s = Daemons.show(dir);
                    long stuck = inFlight(s, "hung1") + inFlight(s, "hung2") + 2;
                    return load.by("ok-w0") + stuck >= 400;
                }, "ok answered all but what the stopped workers hold");
                JsonObject s = Daemons.show(dir);
                long cap = Daemons.total(s, "window_cap");
                System.out.printf("two stopped workers under ulimit -n 256: window cap %d (asked 128), held %d of %d at most,"
                        + " stopped workers hold %d and %d, ok answered %d; accept errors %d%n", cap,
                        Daemons.total(s, "held_now"), Daemons.total(s, "held_max"), inFlight(s, "hung1"),
                        inFlight(s, "hung2"), load.by("ok-w0"), Daemons.total(s, "accept_errors"));
                assertThat(cap).as("the budget shared among three workers").isLessThan(128);
                assertThat(inFlight(s, "hung1")).isLessThanOrEqualTo(cap);
                assertThat(Daemons.total(s, "held_now")).isLessThanOrEqualTo(Daemons.total(s, "held_max"));
                assertThat(Daemons.total(s, "accept_errors") + Daemons.total(s, "control_accept_errors")).isZero();
                assertThat(load.by("ok-w0")).isGreaterThanOrEqualTo((int) (400 - 2 * cap - 2));
                hung1.kill9();
                hung2.kill9();
                load.await();
                assertThat(load.answered.get()).as("all but the one each stopped worker had taken").isEqualTo(398);
                assertThat(load.failed.get()).isEqualTo(2);
                assertThat(daemon.process().isAlive()).isTrue();
            }
        }
    }

    static long inFlight(JsonObject show, String app) {
        JsonObject w = Daemons.worker(show, app, 0);
        return w == null || w.has("gone") ? 0 : w.get("in_flight").getAsLong();
    }
}
