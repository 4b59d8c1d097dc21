package dev.hoststack.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Issue 8, test 5: a slow application. Its container is frozen ({@code docker pause}: its only
 * worker reads nothing, neither its data connection nor its connections) once it has answered a few
 * connections. The daemon keeps at most its window (8) of descriptors in flight to it; then it is
 * congested and each connection the round robin gives it goes to the selector's next choice instead
 * (a counted congestion skip). The other applications keep receiving connections; when the slow one
 * is thawed it takes and answers what it was handed. Nothing is lost.
 *
 * <p>Every phase ends on an event, not after a guessed time: the slow container is frozen once it
 * has answered {@value #BEFORE_FREEZE}, thawed once the daemon has seen its window full and the
 * others take {@value #WHILE_FROZEN} connections more. (It used to stall its event loop for a fixed
 * 5 s and require the others to answer nearly all 600 connections within them, which a loaded
 * machine did not always do.) The time bounds below only turn a daemon that stopped dispatching into
 * a failure that says what it waited for.
 */
@Timeout(value = 150, unit = TimeUnit.SECONDS)
class SlowApplicationIT {

    @RegisterExtension
    static final HoststackContainers containers = new HoststackContainers();

    private static final int CONNECTIONS = 600;
    private static final int WINDOW = 8;
    /** Answers from the slow application before it is frozen. */
    private static final int BEFORE_FREEZE = 5;
    /** Connections the other applications take while the slow one is frozen with its window full. */
    private static final int WHILE_FROZEN = 200;
    /** How long a phase may take before the test fails saying what it waited for. */
    private static final long PHASE_SECONDS = 60;

    @Test
    void theOthersKeepReceivingConnectionsAndNothingIsLost() throws Exception {
        Deployment d = new Deployment(containers);
        d.daemon("daemon");
        Running slow = d.sampleWorker("slow", RuntimeImage.APP, "slow", 1, "tcp://127.0.0.1/0", "--selector", "roundrobin",
                "--window", String.valueOf(WINDOW));
        Running fast1 = d.startWorker("fast1", RuntimeImage.APP, "fast1", 1, slow.uri(), "--selector", "roundrobin");
        Running fast2 = d.startWorker("fast2", RuntimeImage.APP, "fast2", 2, slow.uri(), "--selector", "roundrobin");
        Deployment.ready(fast1);
        Deployment.ready(fast2);

        JsonObject full;
        JsonObject thawed;
        int answeredBySlowBeforeFreeze;
        int bySlow;
        try (Load load = new Load(16)) {
            load.start(slow.port(), CONNECTIONS, 60_000);
            awaitLoad(load, l -> l.byApp("slow") >= BEFORE_FREEZE, "slow answered " + BEFORE_FREEZE + " connections");
            slow.pause();
            try {
                answeredBySlowBeforeFreeze = load.byApp("slow");
                // Credits it wrote before it froze reach the daemon before this show's request does (one event loop,
                // sockets read in the order they became readable): a full window seen now stays full until the thaw.
                full = awaitShow(d, s -> slowWorker(s).get("in_flight").getAsInt() == WINDOW,
                        "the frozen slow worker's window of " + WINDOW + " full (handed, not taken)");
                long othersBefore = othersTaken(full);
                thawed = awaitShow(d, s -> othersTaken(s) >= othersBefore + WHILE_FROZEN,
                        "the other applications taking " + WHILE_FROZEN + " connections while slow is frozen (they had "
                                + othersBefore + ")");
            } finally {
                slow.unpause();
            }
            load.await(60);
            System.out.printf("slow application: outcomes %s, per worker %s%n", load.outcomes(), load.byLabel());
            assertThat(load.outcomes()).as("nothing lost: every connection answered")
                    .isEqualTo(Map.of(Http.Outcome.ANSWERED, CONNECTIONS));
            bySlow = load.byApp("slow");
        }

        // while slow was frozen with its window full: nothing more was handed to it, everything went to the others,
        // and each time the round robin chose slow the connection went to its next choice (a skip)
        JsonObject slowFull = slowWorker(full);
        JsonObject slowThawed = slowWorker(thawed);
        long accepted = Deployment.total(thawed, "accepted") - Deployment.total(full, "accepted");
        long skips = slowThawed.get("congestion_skips").getAsLong() - slowFull.get("congestion_skips").getAsLong();
        long handedToOthers = othersHanded(thawed) - othersHanded(full);
        System.out.printf("while slow was frozen with its window full: %d accepted, %d handed to the others, %d skips of"
                + " slow; slow at the freeze %s, at the thaw %s%n", accepted, handedToOthers, skips, slowFull, slowThawed);
        assertThat(slowThawed.get("handed").getAsLong()).as("handed to slow while its window was full")
                .isEqualTo(slowFull.get("handed").getAsLong());
        assertThat(slowThawed.get("in_flight").getAsInt()).as("slow's window at the thaw").isEqualTo(WINDOW);
        assertThat(handedToOthers).as("connections the daemon accepted while slow was frozen, all handed to the others")
                .isEqualTo(accepted);
        // round robin over slow, fast1, fast2: the first choice is slow every third turn; a skip takes a turn (the
        // next choice is fast1), so every other connection is a skip of slow, the first one or two depending on where
        // the rotor stood when the window filled
        assertThat(skips).as("skips of slow among %s connections round robin while it was congested", accepted)
                .isBetween((accepted - 1) / 2, (accepted + 1) / 2);

        JsonObject show = d.show();
        JsonObject w = slowWorker(show);
        long slowSkips = w.get("congestion_skips").getAsLong();
        System.out.printf("daemon: totals %s; slow: handed %s, taken %s, skips %s%n", show.get("totals"), w.get("handed"),
                w.get("taken"), slowSkips);
        assertThat(w.get("taken").getAsLong()).as("slow, thawed, took the %s it was handed while frozen and more: %s"
                + " answered before the freeze", WINDOW, answeredBySlowBeforeFreeze)
                .isGreaterThanOrEqualTo(slowThawed.get("taken").getAsLong() + WINDOW);
        assertThat(w.get("handed").getAsLong()).as("slow: every descriptor handed was taken")
                .isEqualTo(w.get("taken").getAsLong()).isEqualTo((long) bySlow);
        assertThat(Deployment.total(show, "congestion_skips")).as("only slow was ever congested").isEqualTo(slowSkips);
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

    private static JsonObject slowWorker(JsonObject show) {
        return Deployment.worker(show, "slow", 0);
    }

    private static long othersTaken(JsonObject show) {
        return Deployment.sum(show, "fast1", "taken") + Deployment.sum(show, "fast2", "taken");
    }

    private static long othersHanded(JsonObject show) {
        return Deployment.sum(show, "fast1", "handed") + Deployment.sum(show, "fast2", "handed");
    }

    /** Polls {@code show} every 10 ms until {@code done}; fails after {@value #PHASE_SECONDS} s saying what it waited for. */
    private static JsonObject awaitShow(Deployment d, Predicate<JsonObject> done, String what) throws InterruptedException {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(PHASE_SECONDS);
        while (true) {
            JsonObject show = d.show();
            if (done.test(show)) {
                return show;
            }
            if (System.nanoTime() > end) {
                throw new AssertionError("waited " + PHASE_SECONDS + " s for " + what + "; the daemon's last show: " + show);
            }
            Thread.sleep(10);
        }
    }

    private static void awaitLoad(Load load, Predicate<Load> done, String what) throws InterruptedException {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(PHASE_SECONDS);
        while (!done.test(load)) {
            if (System.nanoTime() > end) {
                throw new AssertionError("waited " + PHASE_SECONDS + " s for " + what + "; outcomes so far "
                        + load.outcomes() + ", per worker " + load.byLabel());
            }
            Thread.sleep(10);
        }
    }
}
