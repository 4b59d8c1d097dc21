package dev.hoststack.client;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonObject;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A worker process killed with SIGKILL: it leaves its group at once, and every connection the
 * daemon had accepted but the worker had not taken goes to another member. The only connections
 * lost are the ones the dead worker had taken and not answered, exactly as with the kernel.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class WorkerDeathTest {

    @TempDir
    Path dir;

    /**
     * A worker hangs after three connections (its event loop stops): the daemon keeps sending it
     * descriptors up to its window, then skips it as congested. SIGKILL: the descriptors it never
     * took go to the other application, answered.
     */
    @Test
    void hungWorkerKilledItsUntakenConnectionsGoToAnotherMember() throws Exception {
        try (Proc daemon = Proc.daemon(dir);
             Proc hung = Proc.worker(dir, "hung", 1, "tcp://127.0.0.1/0", "--window", "8", "--stall-after", "3");
             Proc good = Proc.worker(dir, "good", 2, hung.readyUri());
             Load load = new Load(24)) {
            int port = Http.port(hung.readyUri());
            load.start(port, 120, 60_000);
            // wait until it hung: the daemon counted the credit of its 4th connection (sent before the handler, which
            // hangs, runs) and its window is full again, 8 descriptors it will never take. A full window alone is not
            // enough: with 24 clients at once it fills before a cold worker took its first 3, which it takes after.
            JsonObject w = null;
            for (int i = 0; i < 300; i++) {
                w = Daemons.worker(Daemons.show(dir), "hung", 0);
                if (w.get("taken").getAsLong() > 3 && w.get("in_flight").getAsInt() == 8) {
                    break;
                }
                Thread.sleep(50);
            }
            assertThat(w.get("taken").getAsLong()).as("taken, the one it hung on included: %s", w).isGreaterThan(3);
            assertThat(w.get("in_flight").getAsInt()).as("handed, not taken: %s", w).isEqualTo(8);
            hung.kill9();
            load.await();

            JsonObject show = Daemons.show(dir);
            JsonObject gone = Daemons.worker(show, "hung", 0);
            assertThat(gone.get("gone").getAsString()).contains("closed");
            long taken = gone.get("taken").getAsLong();
            assertThat(gone.get("requeued_away").getAsLong()).isEqualTo(8);
            assertThat(gone.get("handed").getAsLong()).isEqualTo(taken + 8);
            // lost: what it took and never answered (the connection it hung on, and any taken with it)
            assertThat(load.byApp("hung")).as("answered before it hung").isEqualTo(3);
            assertThat(load.failed.get()).isEqualTo(taken - load.byApp("hung"));
            assertThat(load.failed.get()).as("lost (took %s, answered %s)", taken, load.byApp("hung")).isBetween(1, 8);
            assertThat(load.answered.get() + load.failed.get()).isEqualTo(120);
            assertThat(load.byApp("good")).isEqualTo(120 - taken);
            assertThat(Daemons.total(show, "requeued")).isEqualTo(8);
            assertThat(Daemons.total(show, "congestion_skips")).isPositive();
            assertThat(Daemons.total(show, "dropped")).isZero();
            assertThat(Daemons.total(show, "in_flight")).isZero();
            assertThat(Daemons.total(show, "workers_died")).isEqualTo(1);
            assertThat(good.process().isAlive() && daemon.process().isAlive()).isTrue();
        }
    }

    /** SIGKILL a busy two-worker process in the middle of a stream of connections to three processes. */
    @Test
    void sigkillMidStreamLosesNothingItHadNotTaken() throws Exception {
        try (Proc daemon = Proc.daemon(dir);
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

            JsonObject show = Daemons.show(dir);
            long takenByApp2 = Daemons.worker(show, "app2", 0).get("taken").getAsLong()
                    + Daemons.worker(show, "app2", 1).get("taken").getAsLong();
            long requeued = Daemons.total(show, "requeued");
            assertThat(load.answered.get() + load.failed.get()).isEqualTo(1500);
            // only connections app2 had taken can be lost
            assertThat((long) load.failed.get()).isLessThanOrEqualTo(takenByApp2 - load.byApp("app2"));
            assertThat(Daemons.total(show, "handed")).isEqualTo(Daemons.total(show, "accepted") + requeued);
            assertThat(Daemons.total(show, "dropped")).isZero();
            assertThat(Daemons.total(show, "workers_died")).isEqualTo(2);
            assertThat(load.byApp("app1") + load.byApp("app3")).isGreaterThan(1000 - load.byApp("app2"));
            assertThat(daemon.process().isAlive() && app3.process().isAlive()).isTrue();
            System.out.printf("sigkill mid-stream: app2 took %d, answered %d; %d lost, %d requeued%n",
                    takenByApp2, load.byApp("app2"), load.failed.get(), requeued);
        }
    }
}
