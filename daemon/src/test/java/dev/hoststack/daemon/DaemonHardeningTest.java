package dev.hoststack.daemon;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.hoststack.daemon.internal.Startup;
import dev.hoststack.protocol.Errors;
import dev.hoststack.protocol.Protocol;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The daemon's defences, each spoken to over a plain JDK Unix socket in this JVM: names, per-uid
 * limits, the connection bound, timeouts of silent, idle and slow connections, backpressure on a
 * client that does not read, the control directory's safety and the reservations kept across a
 * restart. (The attacks from another uid, with real processes, are in the client module's
 * {@code HostileLocalUserTest}.)
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class DaemonHardeningTest {

    @TempDir
    Path dir;

    final ByteArrayOutputStream log = new ByteArrayOutputStream();
    final List<Daemon> daemons = new ArrayList<>();

    Daemon start(DaemonConfig.Builder b) throws IOException {
        Daemon d = Daemon.start(b.build(), new PrintStream(log, true, StandardCharsets.UTF_8));
        daemons.add(d);
        return d;
    }

    Daemon start(DaemonConfig.Limits limits) throws IOException {
        return start(DaemonConfig.builder(dir).limits(limits));
    }

    @AfterEach
    void stop() {
        daemons.forEach(Daemon::close);
    }

    LineClient conn() throws IOException {
        return new LineClient(dir.resolve(Protocol.SOCKET_NAME));
    }

    LineClient hello() throws IOException {
        LineClient c = conn();
        c.ok("{\"op\":\"hello\",\"version\":1}");
        return c;
    }

    static boolean root() {
        return Startup.effectiveUid() == 0;
    }

    static long refused(Daemon d, String code) {
        JsonObject r = d.show().getAsJsonObject("refused");
        return r.has(code) ? r.get(code).getAsLong() : 0;
    }

    @Test
    void namesWithControlCharactersOrOverTheBoundAreRefusedAndCounted() throws IOException {
        Daemon d = start(DaemonConfig.Limits.DEFAULTS);
        String[] bad = {"", "evil\\nrow  1", "\\u001b[31mred", "a b", "caf\\u00e9", "x".repeat(65), "x".repeat(60_000),
            "rtl\\u202eevil", "nul\\u0000"};
        for (String name : bad) {
            try (LineClient c = hello()) {
                JsonObject r = c.call("{\"op\":\"attach\",\"app\":\"" + name + "\"}");
                assertThat(r.get("error").getAsString()).as("attach %s", name).isEqualTo(Errors.INVALID_NAME);
                assertThat(r.get("message").getAsString()).doesNotContain("\n").doesNotContain("\u001b");
                assertThat(r.get("message").getAsString().length()).isLessThan(400);
            }
        }
        try (LineClient c = hello()) {
            assertThat(c.refused("{\"op\":\"attach\",\"app\":\"ok\",\"namespace\":\"ns\\n\"}")).isEqualTo(Errors.INVALID_NAME);
            assertThat(c.refused("{\"op\":\"add_worker\",\"app\":\"\\u001b\"}")).isEqualTo(Errors.INVALID_NAME);
            c.ok("{\"op\":\"attach\",\"app\":\"" + "x".repeat(64) + "\"}");
            assertThat(c.refused("{\"op\":\"listen\",\"uri\":\"tcp://127.0.0.1/0\",\"selector\":\"round\\nrobin\"}"))
                    .isEqualTo(Errors.INVALID_NAME);
        }
        assertThat(refused(d, Errors.INVALID_NAME)).isEqualTo(bad.length + 3);
        DaemonProtocolTest.waitFor(() -> d.show().getAsJsonArray("apps").isEmpty());
    }

    @Test
    void eachPerUidLimitRefusesWithItsOwnCodeAndIsCounted() throws IOException {
        Daemon d = start(DaemonConfig.Limits.builder().appsPerUid(2).workersPerUid(3).listensPerUid(2)
                .connectionsPerUid(8).build());
        List<LineClient> open = new ArrayList<>();
        try {
            LineClient a = hello();
            LineClient b = hello();
            LineClient w = hello();
            LineClient extra = hello();
            open.addAll(List.of(a, b, w, extra));
            a.ok("{\"op\":\"attach\",\"app\":\"a\"}");
            b.ok("{\"op\":\"attach\",\"app\":\"b\"}");
            assertThat(extra.refused("{\"op\":\"attach\",\"app\":\"c\"}")).isEqualTo(Errors.UID_APP_LIMIT);
            w.ok("{\"op\":\"add_worker\",\"app\":\"a\"}");
            assertThat(extra.refused("{\"op\":\"add_worker\",\"app\":\"a\"}")).isEqualTo(Errors.UID_WORKER_LIMIT);
            a.ok("{\"op\":\"listen\",\"uri\":\"tcp://127.0.0.1/0\"}");
            b.ok("{\"op\":\"listen\",\"uri\":\"tcp://127.0.0.1/0\"}");
            assertThat(w.refused("{\"op\":\"listen\",\"uri\":\"tcp://127.0.0.1/0\"}")).isEqualTo(Errors.UID_LISTEN_LIMIT);
            // connections: 4 open, 4 more allowed, the 9th refused with one line, then closed
            for (int i = 0; i < 4; i++) {
                open.add(conn());
            }
            try (LineClient ninth = conn()) {
                JsonObject r = ninth.json();
                assertThat(r.get("error").getAsString()).isEqualTo(Errors.UID_CONNECTION_LIMIT);
                assertThat(ninth.line()).isNull();
            }
            // what a uid holds is released with what it holds
            a.close();
            w.close();
            DaemonProtocolTest.waitFor(() -> d.show().getAsJsonArray("apps").size() == 1);
            try (LineClient again = hello()) {
                again.ok("{\"op\":\"attach\",\"app\":\"c\"}");
            }
            JsonObject limits = d.show().getAsJsonObject("limits");
            assertThat(limits.get("apps_per_uid").getAsInt()).isEqualTo(2);
            assertThat(limits.getAsJsonArray("uids").get(0).getAsJsonObject().get("uid").getAsInt())
                    .isEqualTo(Startup.effectiveUid());
        } finally {
            for (LineClient c : open) {
                c.close();
            }
        }
        for (String code : List.of(Errors.UID_APP_LIMIT, Errors.UID_WORKER_LIMIT, Errors.UID_LISTEN_LIMIT,
                Errors.UID_CONNECTION_LIMIT)) {
            assertThat(refused(d, code)).as(code).isEqualTo(1);
        }
    }

    @Test
    void theConnectionBoundRefusesPastItWithItsCode() throws IOException {
        Daemon d = start(DaemonConfig.Limits.builder().maxConnections(12).connectionsPerUid(12).build());
        List<LineClient> open = new ArrayList<>();
        try {
            for (int i = 0; i < 12; i++) {
                open.add(hello());
            }
            try (LineClient past = conn()) {
                assertThat(past.json().get("error").getAsString()).isEqualTo(Errors.CONNECTION_LIMIT);
                assertThat(past.line()).isNull();
            }
        } finally {
            for (LineClient c : open) {
                c.close();
            }
        }
        assertThat(refused(d, Errors.CONNECTION_LIMIT)).isEqualTo(1);
        DaemonProtocolTest.waitFor(() -> d.show().getAsJsonObject("totals").get("connections").getAsInt() == 0);
        try (LineClient c = hello()) {
            c.ok("{\"op\":\"show\"}");
        }
    }

    @Test
    void silentIdleAndSlowConnectionsAreClosedByTheirTimeouts() throws IOException {
        // the unfinished line's timeout shorter than the first request's, so the slow one meets it first
        Daemon d = start(DaemonConfig.Limits.builder().helloTimeout(Duration.ofMillis(800))
                .requestTimeout(Duration.ofMillis(300)).idleTimeout(Duration.ofMillis(400)).build());
        try (LineClient silent = conn(); LineClient slow = conn(); LineClient idle = hello(); LineClient worker = hello()) {
            worker.ok("{\"op\":\"attach\",\"app\":\"w\"}");
            slow.sendRaw("{\"op\":\"hel");
            long start = System.nanoTime();
            assertThat(closedWith(silent)).isEqualTo(Errors.HELLO_TIMEOUT);
            assertThat(closedWith(slow)).isEqualTo(Errors.REQUEST_TIMEOUT);
            assertThat(closedWith(idle)).isEqualTo(Errors.IDLE_TIMEOUT);
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
            // an app worker's control connection may idle; a connection that keeps asking is not idle
            try (LineClient busy = hello()) {
                for (int i = 0; i < 8; i++) {
                    busy.ok("{\"op\":\"show\"}");
                    sleep(100);
                }
            }
            worker.ok("{\"op\":\"listen\",\"uri\":\"tcp://127.0.0.1/0\"}");
        }
        assertThat(refused(d, Errors.HELLO_TIMEOUT)).isEqualTo(1);
        assertThat(refused(d, Errors.REQUEST_TIMEOUT)).isEqualTo(1);
        assertThat(refused(d, Errors.IDLE_TIMEOUT)).isEqualTo(1);
    }

    /** Reads the closing event and the end of the stream; returns the event's code. */
    static String closedWith(LineClient c) throws IOException {
        JsonObject e = c.json();
        assertThat(e.get("event").getAsString()).as("%s", e).isEqualTo(Protocol.EVENT_CLOSED);
        assertThat(c.line()).isNull();
        return e.get("error").getAsString();
    }

    static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Test
    void aClientThatDoesNotReadIsNoLongerReadThenClosedAndOthersAreServedMeanwhile() throws Exception {
        Daemon d = start(DaemonConfig.Limits.builder().writeTimeout(Duration.ofSeconds(2)).build());
        try (LineClient flood = hello(); LineClient other = hello()) {
            flood.ch.configureBlocking(false);
            byte[] req = "{\"op\":\"show\"}\n".getBytes(StandardCharsets.UTF_8);
            java.nio.ByteBuffer buf = java.nio.ByteBuffer.allocate(req.length * 1000);
            for (int i = 0; i < 1000; i++) {
                buf.put(req);
            }
            long sent = 0;
            long blockedSince = 0;
            // pipeline shows and read nothing, until the daemon stops reading us (our writes stall for 300 ms)
            while (sent < 300_000) {
                buf.clear();
                int n = flood.ch.write(buf);
                sent += n / req.length;
                if (n == 0) {
                    if (blockedSince == 0) {
                        blockedSince = System.nanoTime();
                    } else if (System.nanoTime() - blockedSince > 300_000_000L) {
                        break;
                    }
                    Thread.sleep(5);
                } else {
                    blockedSince = 0;
                }
            }
            assertThat(sent).as("requests the daemon let in before it stopped reading").isLessThan(300_000);
            // the others are served while the flood waits
            JsonObject show = other.ok("{\"op\":\"show\"}");
            assertThat(show.getAsJsonObject("totals").get("backpressure_pauses").getAsLong()).isGreaterThanOrEqualTo(1);
            // and the flood is closed after the write timeout
            DaemonProtocolTest.waitFor(() -> refused(d, Errors.WRITE_TIMEOUT) == 1);
        }
    }

    @Test
    void aMissingVersionIsABadRequestAndTheEndpointHintAllowsPortZero() throws IOException {
        start(DaemonConfig.Limits.DEFAULTS);
        try (LineClient c = conn()) {
            assertThat(c.refused("{\"op\":\"hello\"}")).isEqualTo(Errors.BAD_REQUEST);
            c.ok("{\"op\":\"hello\",\"version\":1}");
            c.ok("{\"op\":\"attach\",\"app\":\"x\"}");
            JsonObject r = c.call("{\"op\":\"listen\",\"uri\":\"tcp://127.0.0.1/70000\"}");
            assertThat(r.get("error").getAsString()).isEqualTo("INVALID_ENDPOINT");
            assertThat(r.get("message").getAsString()).contains("0..65535");
            assertThat(r.get("hint").getAsString()).contains("0..65535");
        }
        try (LineClient data = conn()) {
            assertThat(data.refused("{\"op\":\"data\",\"token\":\"00\"}")).isEqualTo(Errors.BAD_REQUEST);
            assertThat(data.line()).as("a refused data request closes").isNull();
        }
    }

    @Test
    void showListsApplicationsFromTheIndexAsked() throws IOException {
        start(DaemonConfig.Limits.DEFAULTS);
        List<LineClient> apps = new ArrayList<>();
        try {
            for (int i = 0; i < 5; i++) {
                LineClient c = hello();
                apps.add(c);
                c.ok("{\"op\":\"attach\",\"app\":\"app" + i + "\"}");
            }
            try (LineClient c = hello()) {
                JsonObject all = c.ok("{\"op\":\"show\"}");
                assertThat(all.get("apps_total").getAsInt()).isEqualTo(5);
                assertThat(all.getAsJsonArray("apps")).hasSize(5);
                assertThat(all.has("next")).as("one page holds them all").isFalse();
                JsonObject tail = c.ok("{\"op\":\"show\",\"from\":3}");
                assertThat(tail.getAsJsonArray("apps")).hasSize(2);
                assertThat(tail.getAsJsonArray("apps").get(0).getAsJsonObject().get("name").getAsString()).isEqualTo("app3");
                assertThat(c.ok("{\"op\":\"show\",\"from\":99}").getAsJsonArray("apps")).isEmpty();
            }
        } finally {
            for (LineClient c : apps) {
                c.close();
            }
        }
    }

    // ================================================================ the control directory

    @Test
    void aControlDirectoryOfAnotherUserOrThatOthersMayWriteIsRefused() throws IOException {
        assumeTrue(root(), "needs root to give a directory to another uid");
        Path foreign = Files.createDirectory(dir.resolve("foreign"));
        Files.setAttribute(foreign, "unix:uid", 65534);
        assertThatThrownBy(() -> start(DaemonConfig.builder(foreign))).hasMessageContaining("owned by uid 65534")
                .hasMessageContaining("not by the daemon's user");
        Path writable = Files.createDirectory(dir.resolve("writable"));
        Files.setPosixFilePermissions(writable, PosixFilePermissions.fromString("rwxrwxrwx"));
        assertThatThrownBy(() -> start(DaemonConfig.builder(writable))).hasMessageContaining("chmod go-w");
        Path open = Files.createDirectory(dir.resolve("open"));
        Files.setPosixFilePermissions(open, PosixFilePermissions.fromString("rwxrwxrwx"));
        assertThatThrownBy(() -> start(DaemonConfig.builder(open.resolve("hs")))).hasMessageContaining("without the sticky bit");
        Path link = Files.createSymbolicLink(dir.resolve("link"), Files.createDirectory(dir.resolve("target")));
        assertThatThrownBy(() -> start(DaemonConfig.builder(link))).hasMessageContaining("symbolic link");
        assertThat(foreign.resolve(Protocol.SOCKET_NAME)).doesNotExist();
        // under a sticky world-writable parent (as /tmp) a directory of the daemon's own is fine
        Path sticky = Files.createDirectory(dir.resolve("sticky"));
        Files.setAttribute(sticky, "unix:mode", 01777);
        Daemon d = start(DaemonConfig.builder(sticky.resolve("hs")).socketMode(0660));
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(sticky.resolve("hs")))).isEqualTo("rwxr-x---");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(d.socketPath()))).isEqualTo("rw-rw----");
    }

    @Test
    void theSocketsModeIsNeverSetThroughALinkPlantedAtItsPath() throws IOException {
        Path secret = Files.createFile(dir.resolve("secret"));
        Files.setPosixFilePermissions(secret, PosixFilePermissions.fromString("rw-------"));
        Path control = Files.createDirectory(dir.resolve("control"));
        Files.createSymbolicLink(control.resolve(Protocol.SOCKET_NAME), secret);
        Daemon d = start(DaemonConfig.builder(control).socketMode(0666));
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(secret))).isEqualTo("rw-------");
        assertThat(Files.isSymbolicLink(d.socketPath())).isFalse();
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(d.socketPath()))).isEqualTo("rw-rw-rw-");
        try (LineClient c = new LineClient(d.socketPath())) {
            c.ok("{\"op\":\"hello\",\"version\":1}");
        }
    }

    // ================================================================ reservations

    @Test
    void theOwnersOfNamesAndPortsAreSavedAndReservedForThemAfterARestart() throws IOException {
        Daemon first = start(DaemonConfig.builder(dir).reservationGrace(Duration.ofSeconds(30)));
        int port;
        try (LineClient c = hello()) {
            c.ok("{\"op\":\"attach\",\"app\":\"web\"}");
            port = c.ok("{\"op\":\"listen\",\"uri\":\"tcp://127.0.0.1/0\"}").get("port").getAsInt();
            first.close();
        }
        Path state = dir.resolve(Startup.STATE_FILE);
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(state))).isEqualTo("rw-------");
        JsonObject saved = JsonParser.parseString(Files.readString(state)).getAsJsonObject();
        assertThat(saved.getAsJsonArray("apps").get(0).getAsJsonObject().get("name").getAsString()).isEqualTo("web");
        assertThat(saved.getAsJsonArray("ports").get(0).getAsJsonObject().get("port").getAsInt()).isEqualTo(port);
        assertThat(saved.getAsJsonArray("ports").get(0).getAsJsonObject().get("owner").getAsInt())
                .isEqualTo(Startup.effectiveUid());
        Daemon second = start(DaemonConfig.builder(dir).reservationGrace(Duration.ofSeconds(30)));
        JsonObject r = second.show().getAsJsonObject("reservations");
        assertThat(r.get("active").getAsBoolean()).isTrue();
        assertThat(r.get("apps").getAsInt()).isEqualTo(1);
        assertThat(r.get("ports").getAsInt()).isEqualTo(1);
        assertThat(log.toString(StandardCharsets.UTF_8)).contains("reserved for their owners for 30 s");
        // the owner takes them back (another uid is refused: HostileLocalUserTest)
        try (LineClient c = hello()) {
            c.ok("{\"op\":\"attach\",\"app\":\"web\"}");
            assertThat(c.ok("{\"op\":\"listen\",\"uri\":\"tcp://127.0.0.1/" + port + "\"}").get("port").getAsInt())
                    .isEqualTo(port);
        }
    }

    @Test
    void aStateFileThatAnotherUserCouldHaveWrittenIsIgnored() throws IOException {
        Path state = dir.resolve(Startup.STATE_FILE);
        Files.writeString(state, "{\"apps\":[{\"name\":\"web\",\"owner\":4242}],\"ports\":[{\"port\":8080,\"owner\":4242}]}");
        Files.setPosixFilePermissions(state, PosixFilePermissions.fromString("rw-rw-rw-"));
        Daemon d = start(DaemonConfig.builder(dir).reservationGrace(Duration.ofSeconds(30)));
        assertThat(d.show().getAsJsonObject("reservations").get("active").getAsBoolean()).isFalse();
        assertThat(log.toString(StandardCharsets.UTF_8)).contains("others may write it: ignored");
        d.close();
        Files.writeString(state, "not json at all");
        Files.setPosixFilePermissions(state, PosixFilePermissions.fromString("rw-------"));
        Daemon again = start(DaemonConfig.builder(dir));
        assertThat(again.show().getAsJsonObject("reservations").get("active").getAsBoolean()).isFalse();
        assertThat(log.toString(StandardCharsets.UTF_8)).contains("could not be read");
    }
}
