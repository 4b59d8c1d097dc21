package dev.hoststack.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The attacks of issue 12, with real processes: the daemon and a group of worker processes run as
 * root, the attacker ({@code hostile.py}) as uid 65534 with {@code setpriv} on a {@code 0666}
 * control socket. Each test is bounded in time and prints what it measured.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class HostileLocalUserTest {

    Path base;
    Path dir;
    Path script;
    String python;
    final List<Proc> procs = new ArrayList<>();

    @BeforeEach
    void prepare() throws IOException {
        assumeTrue(OwnerMismatchTest.rootWithSetpriv(), "needs root and setpriv to run the attacker as another uid");
        python = OwnerMismatchTest.pythonForNobody();
        assumeTrue(python != null, "needs a python3 that uid 65534 may run, for the attacker");
        // a directory every user can reach (a JUnit @TempDir is private to its owner)
        base = Files.createTempDirectory("hoststack-hostile", PosixFilePermissions.asFileAttribute(
                PosixFilePermissions.fromString("rwxr-xr-x")));
        dir = base.resolve("control");
        script = base.resolve("hostile.py");
        try (InputStream in = HostileLocalUserTest.class.getResourceAsStream("hostile.py")) {
            Files.copy(in, script, StandardCopyOption.REPLACE_EXISTING);
        }
        Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-xr-x"));
    }

    @AfterEach
    void cleanUp() throws IOException {
        for (int i = procs.size() - 1; i >= 0; i--) {
            procs.get(i).close();
        }
        if (base != null) {
            try (var s = Files.walk(base)) {
                s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    <T extends Proc> T keep(T p) {
        procs.add(p);
        return p;
    }

    /** hostile.py MODE SOCKET ARGS... as uid 65534. */
    Proc attacker(String mode, String... args) throws IOException {
        List<String> c = new ArrayList<>(OwnerMismatchTest.NOBODY);
        c.addAll(List.of("--", python, script.toString(), mode, dir.resolve("hoststack.sock").toString()));
        c.addAll(List.of(args));
        return keep(Proc.start("hostile-" + mode, c));
    }

    static JsonObject counts(Proc p) throws InterruptedException {
        return JsonParser.parseString(p.await(l -> l.startsWith("{"), Duration.ofSeconds(60))).getAsJsonObject();
    }

    static int count(JsonObject counts, String key) {
        return counts.has(key) ? counts.get(key).getAsInt() : 0;
    }

    /** GETs the group {@code n} times; returns how many were answered by {@code app}. */
    static int answered(int port, int n, String app) {
        int ok = 0;
        for (int i = 0; i < n; i++) {
            String body = Http.get(port, 5_000);
            if (body != null && body.startsWith("app=" + app + " ")) {
                ok++;
            }
        }
        return ok;
    }

    static long refused(JsonObject show, String code) {
        JsonObject r = show.getAsJsonObject("refused");
        return r.has(code) ? r.get(code).getAsLong() : 0;
    }

    @Test
    void atTheDescriptorLimitFourHundredIdleConnectionsOfAnotherUidStopNothing() throws Exception {
        Proc daemon = keep(Proc.daemonWithDescriptorLimit(dir, 256, "--socket-mode", "0666"));
        Proc web = keep(Proc.worker(dir, "web", 2, "tcp://127.0.0.1/0"));
        int port = Http.port(web.readyUri());
        Proc idle = attacker("idle", "400");
        JsonObject c = counts(idle);
        System.out.println("400 idle connections of uid 65534 under ulimit -n 256: " + c);
        assertThat(count(c, "ok")).as("some were let in: %s", c).isPositive();
        assertThat(count(c, "ok") + count(c, "UID_CONNECTION_LIMIT") + count(c, "CONNECTION_LIMIT"))
                .as("each one let in or refused with its code: %s", c).isEqualTo(400);
        // the group answers every connection while they are held, and root's status works
        assertThat(answered(port, 300, "web")).isEqualTo(300);
        JsonObject show = Daemons.show(dir);
        assertThat(refused(show, "UID_CONNECTION_LIMIT") + refused(show, "CONNECTION_LIMIT")).isEqualTo(400 - count(c, "ok"));
        idle.tell("release");
        idle.await(l -> l.equals("released"), Duration.ofSeconds(20));
        assertThat(idle.process().waitFor(20, TimeUnit.SECONDS)).isTrue();
        DaemonsWait.until(() -> Daemons.show(dir).getAsJsonObject("totals").get("connections").getAsInt() == 5,
                "the attacker's connections gone: the two workers' four and this show's own left");
        show = Daemons.show(dir);
        assertThat(Daemons.total(show, "internal_errors")).isZero();
        assertThat(answered(port, 100, "web")).isEqualTo(100);
        assertThat(daemon.process().isAlive()).isTrue();
        System.out.println("daemon limits under ulimit -n 256: " + show.getAsJsonObject("limits").get("max_connections")
                + " connections, " + show.getAsJsonObject("limits").get("connections_per_uid") + " per uid; refused "
                + show.getAsJsonObject("refused"));
    }

    @Test
    void pastItsDescriptorLimitTheDaemonsThreadSurvivesAndServesAgain() throws Exception {
        // limits set past what 256 descriptors hold: the control socket's accept fails with EMFILE
        Proc daemon = keep(Proc.daemonWithDescriptorLimit(dir, 256, "--socket-mode", "0666", "--max-connections", "2000",
                "--max-connections-per-uid", "2000"));
        Proc web = keep(Proc.worker(dir, "web", 2, "tcp://127.0.0.1/0"));
        int port = Http.port(web.readyUri());
        Proc flood = attacker("connect", "400");
        JsonObject c = counts(flood);
        System.out.println("400 connections of uid 65534 past the descriptor limit: " + c);
        Thread.sleep(1_000); // the daemon accepts until EMFILE, then pauses and retries
        assertThat(daemon.process().isAlive()).isTrue();
        flood.tell("release");
        flood.await(l -> l.equals("released"), Duration.ofSeconds(20));
        DaemonsWait.until(() -> {
            try {
                Daemons.show(dir);
                return true;
            } catch (HoststackException e) {
                return false;
            }
        }, "status answers again once the connections left");
        JsonObject show = Daemons.show(dir);
        System.out.println("after: control accept errors " + Daemons.total(show, "control_accept_errors") + ", internal"
                + " errors " + Daemons.total(show, "internal_errors"));
        assertThat(Daemons.total(show, "control_accept_errors")).as("EMFILE was reached and counted").isPositive();
        assertThat(answered(port, 100, "web")).isEqualTo(100);
        assertThat(daemon.process().isAlive()).isTrue();
    }

    @Test
    void threeHundredThousandPipelinedShowsLeaveTheDaemonsMemoryAndTheGroupAlone() throws Exception {
        Proc daemon = keep(Proc.daemon(dir, "--socket-mode", "0666", "--write-timeout", "3s"));
        Proc web = keep(Proc.worker(dir, "web", 2, "tcp://127.0.0.1/0"));
        int port = Http.port(web.readyUri());
        assertThat(answered(port, 200, "web")).isEqualTo(200); // warm: JIT, pools
        long before = daemon.rssKib();
        Proc flood = attacker("flood", "300000", "20");
        long peak = before;
        int asked = 0;
        int ok = 0;
        while (flood.process().isAlive()) {
            String body = Http.get(port, 5_000);
            asked++;
            if (body != null && body.startsWith("app=web ")) {
                ok++;
            }
            peak = Math.max(peak, daemon.rssKib());
            Thread.sleep(20);
        }
        JsonObject f = counts(flood);
        long after = daemon.rssKib();
        JsonObject show = Daemons.show(dir);
        System.out.printf("300,000 pipelined shows: %s; daemon RSS %d KiB before, %d peak, %d after; group answered %d of"
                + " %d meanwhile; backpressure pauses %d, write timeouts %d%n", f, before, peak, after, ok, asked,
                Daemons.total(show, "backpressure_pauses"), refused(show, "WRITE_TIMEOUT"));
        assertThat(ok).as("the group answered throughout").isEqualTo(asked).isPositive();
        assertThat(f.get("sent").getAsLong()).as("the daemon stopped reading the flood").isLessThan(300_000);
        assertThat(refused(show, "WRITE_TIMEOUT")).as("the flood was closed after the write timeout").isEqualTo(1);
        assertThat(peak - before).as("RSS growth in KiB (a reply queue without bound grew it by GiBs)")
                .isLessThan(64 * 1024);
        assertThat(daemon.process().isAlive()).isTrue();
    }

    @Test
    void anotherUidsThousandAndOneHundredAttachesLeaveRootAbleToAttach() throws Exception {
        Proc daemon = keep(Proc.daemon(dir, "--socket-mode", "0666"));
        Proc attach = attacker("attach", "1100");
        JsonObject c = counts(attach);
        System.out.println("1,100 attaches of uid 65534: " + c);
        assertThat(count(c, "ok")).as("%s", c).isEqualTo(64);
        assertThat(count(c, "UID_APP_LIMIT")).as("%s", c).isPositive();
        assertThat(count(c, "ok") + count(c, "UID_APP_LIMIT") + count(c, "UID_CONNECTION_LIMIT")).as("%s", c).isEqualTo(1100);
        // root attaches, listens and is served while every slot of the attacker's is taken
        Proc web = keep(Proc.worker(dir, "web", 2, "tcp://127.0.0.1/0"));
        assertThat(answered(Http.port(web.readyUri()), 50, "web")).isEqualTo(50);
        JsonObject show = Daemons.show(dir);
        assertThat(refused(show, "UID_APP_LIMIT")).isEqualTo(count(c, "UID_APP_LIMIT"));
        assertThat(refused(show, "UID_CONNECTION_LIMIT")).isEqualTo(count(c, "UID_CONNECTION_LIMIT"));
        attach.tell("release");
        attach.await(l -> l.equals("released"), Duration.ofSeconds(20));
        assertThat(daemon.process().isAlive()).isTrue();
    }

    @Test
    void afterARestartASquatterCannotTakeAReservedPortOrName() throws Exception {
        Proc daemon = keep(Proc.daemon(dir, "--socket-mode", "0666", "--reservation-grace", "60s"));
        Proc web = keep(Proc.worker(dir, "web", 1, "tcp://127.0.0.1/0"));
        int port = Http.port(web.readyUri());
        assertThat(answered(port, 10, "web")).isEqualTo(10);
        daemon.kill9();
        assertThat(web.process().waitFor(20, TimeUnit.SECONDS)).as("the worker without --reconnect exits").isTrue();
        keep(Proc.daemon(dir, "--socket-mode", "0666", "--reservation-grace", "60s"));
        Proc squat = attacker("squat", "web", String.valueOf(port));
        JsonObject c = counts(squat);
        System.out.println("a squatter of uid 65534 after the restart: " + c);
        assertThat(c.get("attach web").getAsString()).isEqualTo("RESERVED");
        assertThat(c.get("attach squat").getAsString()).as("a name of its own is fine").isEqualTo("ok");
        assertThat(c.get("listen 127.0.0.1").getAsString()).isEqualTo("RESERVED");
        assertThat(c.get("listen 0.0.0.0").getAsString()).isEqualTo("RESERVED");
        // the owner comes back to its name and port and is served
        Proc again = keep(Proc.worker(dir, "web", 1, "tcp://127.0.0.1/" + port));
        assertThat(again.readyUri()).isEqualTo("tcp://127.0.0.1/" + port);
        assertThat(answered(port, 300, "web")).isEqualTo(300);
        assertThat(refused(Daemons.show(dir), "RESERVED")).isEqualTo(3);
    }
}
