package dev.hoststack.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonObject;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Issue 8, test 3: an application container killed ({@code docker kill}, SIGKILL) in the middle of
 * a stream of connections. Its workers leave the group at once; connections the daemon had handed
 * them but they had not taken (no credit back) are handed again to the survivors; only connections
 * the dead process had taken itself can be lost, as with the kernel. The daemon's counters account
 * for every connection.
 *
 * <p>The same with the kernel dispatching (issue 15; the daemon as root with CAP_SYS_ADMIN and
 * CAP_NET_ADMIN, {@code --dispatch kernel}): the daemon sees the dead worker's control connection
 * close, takes its socket out of the group's table and shuts it down, and the kernel moves the
 * connections queued on it to the sockets the program picks ({@code SELECT_OR_MIGRATE}); only
 * what the dead process had accepted itself can be lost. The daemon accepts none of them.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class KillMidStreamIT {

    @RegisterExtension
    static final HoststackContainers containers = new HoststackContainers();

    private static final int CONNECTIONS = 1500;

    @ParameterizedTest(name = "dispatch {0}")
    @EnumSource(Deployment.Dispatch.class)
    void aKilledContainerLosesNothingItHadNotTakenAndTheSurvivorsTakeItsShare(Deployment.Dispatch dispatch) throws Exception {
        Deployment d = new Deployment(containers, dispatch);
        if (dispatch == Deployment.Dispatch.KERNEL) {
            killMidStreamInKernelMode(d);
            return;
        }
        d.daemon("daemon");
        Running app1 = d.worker("app1", RuntimeImage.APP, "app1", 1, "tcp://127.0.0.1/0", "--selector", "roundrobin");
        Running app2 = d.worker("app2", RuntimeImage.APP, "app2", 2, app1.uri(), "--selector", "roundrobin");
        Running app3 = d.worker("app3", RuntimeImage.APP, "app3", 3, app1.uri(), "--selector", "roundrobin");

        JsonObject show;
        long killedAt;
        try (Load load = new Load(16)) {
            load.start(app1.port(), CONNECTIONS, 30_000);
            while (load.answeredSoFar() < 400) {
                Thread.sleep(5);
            }
            app2.kill();
            killedAt = System.nanoTime();
            load.await(90);

            show = d.show();
            long takenByApp2 = Deployment.sum(show, "app2", "taken");
            long answeredByApp2 = load.byApp("app2");
            long requeued = Deployment.total(show, "requeued");
            System.out.printf("docker kill mid-stream: app2 had taken %d and answered %d; %d of %d unanswered (%s);"
                            + " %d requeued to the survivors; per worker %s%n", takenByApp2, answeredByApp2,
                    load.failed(), CONNECTIONS, load.outcomes(), requeued, load.byLabel());

            // nothing lost that app2 had not taken
            assertThat(load.results()).as("every connection ended").hasSize(CONNECTIONS);
            assertThat((long) load.failed()).as("unanswered connections: at most those app2 took and never answered"
                    + " (took %s, answered %s)", takenByApp2, answeredByApp2).isLessThanOrEqualTo(takenByApp2 - answeredByApp2);
            assertThat(load.count(r -> r.outcome() == Http.Outcome.REFUSED)).as("refused: the listening socket stayed open")
                    .isZero();
            // the survivors take its share: every connection app2 did not take was answered by app1 or app3
            long survivorsTook = Deployment.sum(show, "app1", "taken") + Deployment.sum(show, "app3", "taken");
            assertThat(survivorsTook).as("connections app1 and app3 took").isEqualTo(CONNECTIONS - takenByApp2);
            assertThat((long) load.byApp("app1") + load.byApp("app3")).as("answers from app1 and app3")
                    .isEqualTo(survivorsTook);
            assertThat(load.count(r -> "app2".equals(r.app()) && r.endNanos() > killedAt + TimeUnit.SECONDS.toNanos(1)))
                    .as("answers from app2 more than a second after it was killed").isZero();
            // (app2's two workers die one after the other: what the first had not taken may go to the second, then again)
            assertThat(Deployment.sum(show, "app1", "requeued_in") + Deployment.sum(show, "app2", "requeued_in")
                    + Deployment.sum(show, "app3", "requeued_in")).as("hand-offs again, received").isEqualTo(requeued);
            assertThat(Deployment.sum(show, "app2", "requeued_away")).as("hand-offs again, all from app2").isEqualTo(requeued);
        }

        // the daemon's counters account for every connection
        assertThat(Deployment.total(show, "accepted")).as("accepted").isEqualTo(CONNECTIONS);
        assertThat(Deployment.total(show, "taken")).as("taken by some worker, once each").isEqualTo(CONNECTIONS);
        assertThat(Deployment.total(show, "handed")).as("handed = accepted + requeued")
                .isEqualTo(CONNECTIONS + Deployment.total(show, "requeued"));
        assertThat(Deployment.total(show, "dropped")).as("dropped").isZero();
        assertThat(Deployment.total(show, "in_flight")).as("in flight at the end").isZero();
        assertThat(Deployment.total(show, "parked_now")).as("parked at the end").isZero();
        assertThat(Deployment.total(show, "workers_died")).as("app2's two workers").isEqualTo(2);
        for (int w = 0; w < 2; w++) {
            JsonObject gone = Deployment.worker(show, "app2", w);
            assertThat(gone.has("gone")).as("app2-w%s is listed as gone: %s", w, gone).isTrue();
            assertThat(gone.get("handed").getAsLong()).as("app2-w%s: handed = taken + requeued away", w)
                    .isEqualTo(gone.get("taken").getAsLong() + gone.get("requeued_away").getAsLong());
        }

        // the same through the command line, from a container of its own
        Exited status = d.status();
        assertThat(status.exitCode()).as(status.output()).isZero();
        assertThat(status.stdout()).as(status.output())
                .contains("totals: accepted=" + CONNECTIONS + " ")
                .contains(" taken=" + CONNECTIONS + " ")
                .contains(" dropped=0")
                .contains("gone: its ");
        assertThat(app1.running() && app3.running()).as("the survivors still run").isTrue();
        assertThat(app2.exitCode()).as("docker kill: SIGKILL").isEqualTo(137);
    }

    /** The first test with kernel dispatch: see the class comment. */
    private static void killMidStreamInKernelMode(Deployment d) throws Exception {
        d.daemon("daemon");
        Running app1 = d.worker("app1", RuntimeImage.APP, "app1", 1, "tcp://127.0.0.1/0", "--selector", "roundrobin");
        Running app2 = d.worker("app2", RuntimeImage.APP, "app2", 2, app1.uri(), "--selector", "roundrobin");
        Running app3 = d.worker("app3", RuntimeImage.APP, "app3", 3, app1.uri(), "--selector", "roundrobin");
        assertThat(Deployment.kernelGroup(d.assertDispatch()).get("sockets").getAsInt()).as("six sockets in the group")
                .isEqualTo(6);

        int threads = 16;
        try (Load load = new Load(threads)) {
            load.start(app1.port(), CONNECTIONS, 30_000);
            while (load.answeredSoFar() < 400) {
                Thread.sleep(5);
            }
            app2.kill();
            long killedAt = System.nanoTime();
            load.await(90);

            JsonObject show = d.show();
            System.out.printf("docker kill mid-stream, kernel dispatch: app2 answered %d; %d of %d unanswered (%s);"
                    + " per worker %s; kernel %s%n", load.byApp("app2"), load.failed(), CONNECTIONS, load.outcomes(),
                    load.byLabel(), show.get("kernel"));
            assertThat(load.results()).as("every connection ended").hasSize(CONNECTIONS);
            assertThat(load.count(r -> r.outcome() == Http.Outcome.REFUSED)).as("refused: the group kept listening").isZero();
            // lost: only connections app2's process had accepted itself and not answered; never more than were open at once
            assertThat(load.failed()).as("unanswered: at most the %s connections in flight at the kill", threads)
                    .isLessThanOrEqualTo(threads);
            assertThat(load.byApp("app1") + load.byApp("app3")).as("everything else answered by app1 and app3")
                    .isEqualTo(CONNECTIONS - load.failed() - load.byApp("app2"));
            assertThat(load.count(r -> "app2".equals(r.app()) && r.endNanos() > killedAt + TimeUnit.SECONDS.toNanos(1)))
                    .as("answers from app2 more than a second after it was killed").isZero();

            show = d.awaitReported(load.byApp("app1") + load.byApp("app3"));
            assertThat(Deployment.total(show, "accepted")).as("connections the daemon accepted itself: none").isZero();
            assertThat(Deployment.reportedAccepted(show)).as("accepted by app1 and app3 on their own sockets, as they"
                    + " reported (everything they answered)").isEqualTo(load.byApp("app1") + load.byApp("app3"));
            assertThat(Deployment.total(show, "workers_died")).as("app2's two workers").isEqualTo(2);
            JsonObject k = Deployment.kernelGroup(show);
            assertThat(k.get("sockets").getAsInt()).as("app2's two sockets left the group: %s", k).isEqualTo(4);
            assertThat(Deployment.total(show, "dropped")).as("dropped").isZero();
        }
        Exited status = d.status();
        assertThat(status.exitCode()).as(status.output()).isZero();
        assertThat(status.stdout()).as(status.output()).contains("dispatch: kernel (--dispatch kernel)")
                .contains("totals: accepted=0 ").contains("gone: its ");
        assertThat(app1.running() && app3.running()).as("the survivors still run").isTrue();
        assertThat(app2.exitCode()).as("docker kill: SIGKILL").isEqualTo(137);
    }

    /** The window the hung container's worker is granted (descriptors in flight to it at most). */
    private static final int WINDOW = 8;
    /** The connections the hung container's worker answers before its event loop stops, on the next one. */
    private static final int ANSWERED_BEFORE_HANGING = 3;

    /**
     * The requeue path: an application container that hangs on its 4th connection (its event loop
     * stops in the handler, so descriptors pile up unread on its data connection up to its window
     * of 8) is killed. The connections it was handed but never took (its whole window, or fewer if
     * the load was all handed out before the window filled again) go to the other application and
     * are answered; the one it hung on, and any other it had taken with it, are lost with it.
     *
     * <p>The kill waits for the hang itself, not for a full window: a window can be full while the
     * worker still works through its first connections (24 clients at once, a worker JVM still
     * cold), and it then takes some of those 8 before it hangs, with no connection left to refill
     * its window if the load has ended. The hang is two events: the worker's {@code stalled} line
     * (its event loop stopped in the handler of its 4th connection, credited before the handler
     * runs), then the daemon counting that credit ({@code taken} past 3) with the window full again,
     * or with every connection of the load handed out (then nothing more can come to it: on a quiet
     * machine the cold worker JVM can hang after the load's last hand-off, with 7 in flight). A hung
     * worker sends no credit again, so exactly what is in flight then is untaken at the kill.
     *
     * <p>With kernel dispatch there are no hand-offs: the hung worker stops accepting on its own
     * socket, connections queue there, the daemon reads the queue on its copy of the socket and
     * takes the worker out of the table; when it is killed the kernel moves what was queued to the
     * other application's sockets.
     */
    @ParameterizedTest(name = "dispatch {0}")
    @EnumSource(Deployment.Dispatch.class)
    void aHungContainerKilledItsUntakenConnectionsAreAnsweredByTheOthers(Deployment.Dispatch dispatch) throws Exception {
        Deployment d = new Deployment(containers, dispatch);
        if (dispatch == Deployment.Dispatch.KERNEL) {
            hungInKernelMode(d);
            return;
        }
        d.daemon("daemon");
        Running hung = d.sampleWorker("hung", RuntimeImage.APP, "hung", 1, "tcp://127.0.0.1/0", "--selector", "roundrobin",
                "--window", String.valueOf(WINDOW), "--stall-after", String.valueOf(ANSWERED_BEFORE_HANGING));
        Running good = d.worker("good", RuntimeImage.APP, "good", 2, hung.uri(), "--selector", "roundrobin");

        int n = 120;
        try (Load load = new Load(24)) {
            load.start(hung.port(), n, 60_000);
            // the first look at a full window: where this test used to kill (for the output only)
            JsonObject firstFull = null;
            // one snapshot per look: the worker's counts and the total handed come from the same show
            JsonObject show0 = d.show();
            JsonObject w = Deployment.worker(show0, "hung", 0);
            long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (!(hungSeen(hung) && w.get("taken").getAsLong() > ANSWERED_BEFORE_HANGING
                    && (w.get("in_flight").getAsInt() == WINDOW || Deployment.total(show0, "handed") == n))) {
                if (firstFull == null && w.get("in_flight").getAsInt() == WINDOW) {
                    firstFull = w;
                }
                if (System.nanoTime() > end) {
                    throw new AssertionError("in 60 s, the hung worker did not both print its stalled line (seen: "
                            + hungSeen(hung) + ") and have taken more than " + ANSWERED_BEFORE_HANGING + " with its window of "
                            + WINDOW + " full again or every one of the " + n + " connections handed (handed: "
                            + Deployment.total(show0, "handed") + "), as the daemon counts: " + w + "\n" + hung.output().text());
                }
                Thread.sleep(20);
                show0 = d.show();
                w = Deployment.worker(show0, "hung", 0);
            }
            long takenAtKill = w.get("taken").getAsLong();
            // what it was handed and never took: the whole window, or fewer when the load was all handed
            // out before its window filled again (a cold worker JVM hanging after the load's last connection)
            int untakenAtKill = w.get("in_flight").getAsInt();
            assertThat(untakenAtKill).as("connections handed to the hung worker and never taken, at the kill: %s", w)
                    .isBetween(1, WINDOW);
            hung.kill();
            load.await(90);

            JsonObject show = d.show();
            JsonObject gone = Deployment.worker(show, "hung", 0);
            long taken = gone.get("taken").getAsLong();
            System.out.printf("hung container killed: its window was first full at %s; it hung with %s; it had taken %d,"
                            + " answered %d; %d requeued; outcomes %s%n", brief(firstFull == null ? w : firstFull), brief(w),
                    taken, load.byApp("hung"), gone.get("requeued_away").getAsLong(), load.outcomes());
            assertThat(taken).as("taken: what the daemon counted when the worker had hung (it credits nothing after)")
                    .isEqualTo(takenAtKill);
            assertThat(gone.get("requeued_away").getAsLong()).as("its %s untaken connections, handed again", untakenAtKill)
                    .isEqualTo(untakenAtKill);
            assertThat(Deployment.sum(show, "good", "requeued_in")).as("to good's workers").isEqualTo(untakenAtKill);
            assertThat(load.byApp("hung")).as("answered by the hung worker before it hung").isEqualTo(ANSWERED_BEFORE_HANGING);
            // lost: the connection it hung on, and the others of that batch (credited together before the handler ran)
            assertThat(load.failed()).as("lost: only what it took and never answered (took %s, answered %s)", taken,
                    load.byApp("hung")).isEqualTo((int) (taken - ANSWERED_BEFORE_HANGING)).isBetween(1, WINDOW);
            assertThat(load.byApp("good")).as("everything else answered by good").isEqualTo((int) (n - taken));
            assertThat(Deployment.total(show, "accepted")).isEqualTo(n);
            assertThat(Deployment.total(show, "handed")).as("handed: accepted + requeued").isEqualTo(n + untakenAtKill);
            assertThat(Deployment.total(show, "taken")).isEqualTo(n);
            assertThat(Deployment.total(show, "congestion_skips")).as("the hung worker was skipped while congested")
                    .isPositive();
            assertThat(Deployment.total(show, "dropped")).isZero();
            assertThat(good.running()).isTrue();
        }
    }

    /** Whether the hung worker printed its {@code stalled} line: its event loop stopped in its handler. */
    private static boolean hungSeen(Running hung) {
        return !hung.output().matching(l -> l.startsWith("stalled ")).isEmpty();
    }

    /** A worker's counts from {@code show}, for the output. */
    private static String brief(JsonObject w) {
        return "handed=" + w.get("handed") + " taken=" + w.get("taken") + " in_flight=" + w.get("in_flight");
    }

    /** The second test with kernel dispatch: see its comment. */
    private static void hungInKernelMode(Deployment d) throws Exception {
        // a small backlog, so that the hung worker's queue passes the daemon's threshold (80 %) quickly
        d.daemon("daemon", "--backlog", "32");
        Running hung = d.sampleWorker("hung", RuntimeImage.APP, "hung", 1, "tcp://127.0.0.1/0", "--selector", "roundrobin",
                "--stall-after", String.valueOf(ANSWERED_BEFORE_HANGING));
        Running good = d.worker("good", RuntimeImage.APP, "good", 2, hung.uri(), "--selector", "roundrobin");
        d.assertDispatch();

        int n = 240;
        try (Load load = new Load(24)) {
            load.start(hung.port(), n, 60_000);
            // the hang itself first (it accepted its 4th connection and stopped in the handler): a queue past the
            // threshold alone can also be a worker still slow on its first connections, which then accepts more
            hung.await(l -> l.startsWith("stalled "), Duration.ofSeconds(60));
            JsonObject socket = null;
            for (int i = 0; i < 600; i++) {
                socket = Deployment.worker(d.show(), "hung", 0).getAsJsonArray("sockets").get(0).getAsJsonObject();
                if (socket.get("congestion_outs").getAsInt() > 0 && socket.get("queued").getAsInt() > 0) {
                    break;
                }
                Thread.sleep(20);
            }
            assertThat(socket.get("congestion_outs").getAsInt()).as("the hung worker was taken out of the table: %s", socket)
                    .isPositive();
            int queued = socket.get("queued").getAsInt();
            hung.kill();
            load.await(90);

            JsonObject show = d.show();
            System.out.printf("hung container killed, kernel dispatch: %d queued on its socket at the last look; it answered"
                    + " %d; outcomes %s; kernel %s%n", queued, load.byApp("hung"), load.outcomes(), show.get("kernel"));
            assertThat(load.results()).hasSize(n);
            assertThat(load.count(r -> r.outcome() == Http.Outcome.REFUSED)).as("refused").isZero();
            assertThat(load.byApp("hung")).as("answered by the hung worker before it hung").isEqualTo(ANSWERED_BEFORE_HANGING);
            // lost: what the hung process had accepted itself (the connection it hung on, and the rest of that accept
            // batch: Netty accepts up to 16 per wake-up); what was queued on its socket moved to good's
            assertThat(load.failed()).as("connections lost with the hung process").isBetween(1, 16);
            assertThat(load.byApp("good")).as("everything else answered by good")
                    .isEqualTo(n - ANSWERED_BEFORE_HANGING - load.failed());
            show = d.awaitReported(load.byApp("good"));
            assertThat(Deployment.total(show, "accepted")).as("connections the daemon accepted itself: none").isZero();
            assertThat(Deployment.reportedAccepted(show)).as("accepted by good on its own sockets").isEqualTo(load.byApp("good"));
            JsonObject k = Deployment.kernelGroup(show);
            assertThat(k.get("sockets").getAsInt()).as("the hung worker's socket left the group: %s", k).isEqualTo(2);
            assertThat(k.get("congestion_outs").getAsLong()).as("%s", k).isPositive();
            assertThat(Deployment.total(show, "workers_died")).isEqualTo(1);
            assertThat(good.running()).isTrue();
        }
    }
}
