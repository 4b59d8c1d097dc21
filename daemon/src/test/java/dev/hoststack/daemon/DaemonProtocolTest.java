package dev.hoststack.daemon;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import dev.hoststack.protocol.Errors;
import dev.hoststack.protocol.Protocol;

/**
 * The control protocol's rules, spoken over a plain JDK Unix-domain socket (no descriptors):
 * hello and versions, malformed requests, tokens, the socket file, one daemon per directory.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class DaemonProtocolTest {

    @TempDir
    Path dir;

    Daemon daemon;
    final ByteArrayOutputStream log = new ByteArrayOutputStream();

    @BeforeEach
    void start() throws IOException {
        daemon = Daemon.start(DaemonConfig.builder(dir).socketMode(0600).build(),
                new PrintStream(log, true, StandardCharsets.UTF_8));
    }

    @AfterEach
    void stop() {
        daemon.close();
    }

    /** One control connection speaking lines. */
    private LineClient conn() throws IOException {
        return new LineClient(dir.resolve(Protocol.SOCKET_NAME));
    }

    static String error(JsonObject reply) {
        assertThat(reply.get("ok").getAsBoolean()).as("%s", reply).isFalse();
        assertThat(reply.get("message").getAsString()).isNotEmpty();
        assertThat(reply.get("hint").getAsString()).isNotEmpty();
        return reply.get("error").getAsString();
    }

    @Test
    void theSocketFileHasTheConfiguredMode() throws IOException {
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(daemon.socketPath()))).isEqualTo("rw-------");
    }

    @Test
    void helloFirstAndTheVersionMustBeOneTheDaemonServes() throws IOException {
        try (LineClient c = conn()) {
            assertThat(error(c.call("{\"op\":\"show\"}"))).isEqualTo(Errors.NO_HELLO);
            JsonObject r = c.call("{\"op\":\"hello\",\"version\":1,\"id\":7}");
            assertThat(r.get("ok").getAsBoolean()).isTrue();
            assertThat(r.get("id").getAsInt()).isEqualTo(7);
            assertThat(r.get("version").getAsInt()).as("a version-1 client is answered in version 1").isEqualTo(1);
            assertThat(r.has("dispatch")).as("version 1 replies carry no dispatch: %s", r).isFalse();
            assertThat(r.get("pid").getAsLong()).isEqualTo(ProcessHandle.current().pid());
        }
        try (LineClient c = conn()) {
            JsonObject r = c.call("{\"op\":\"hello\",\"version\":2}");
            assertThat(r.get("version").getAsInt()).isEqualTo(Protocol.VERSION).isEqualTo(2);
            assertThat(r.get("dispatch").getAsString()).as("%s", r).isIn(Protocol.DISPATCH_KERNEL, Protocol.DISPATCH_HANDOFF);
        }
        for (String v : new String[] {"3", "0"}) {
            try (LineClient c = conn()) {
                JsonObject r = c.call("{\"op\":\"hello\",\"version\":" + v + "}");
                assertThat(error(r)).isEqualTo(Errors.UNSUPPORTED_VERSION);
                assertThat(r.get("message").getAsString()).isEqualTo("this daemon speaks protocol versions 1 to 2, not " + v);
                assertThat(c.line()).isNull();
            }
        }
    }

    @Test
    void malformedRequestsAreRefusedByName() throws IOException {
        try (LineClient c = conn()) {
            c.call("{\"op\":\"hello\",\"version\":1}");
            assertThat(error(c.call("not json"))).isEqualTo(Errors.BAD_REQUEST);
            assertThat(error(c.call("[1,2]"))).isEqualTo(Errors.BAD_REQUEST);
            assertThat(error(c.call("{\"op\":\"fly\"}"))).isEqualTo(Errors.BAD_REQUEST);
            assertThat(error(c.call("{\"nop\":1}"))).isEqualTo(Errors.BAD_REQUEST);
            assertThat(error(c.call("{\"op\":\"attach\",\"app\":7}"))).isEqualTo(Errors.BAD_REQUEST);
            assertThat(error(c.call("{\"op\":\"listen\",\"uri\":\"tcp://127.0.0.1/0\"}"))).isEqualTo(Errors.NOT_ATTACHED);
            assertThat(error(c.call("{\"op\":\"add_worker\",\"app\":\"none\"}"))).isEqualTo("NO_SUCH_APP");
            JsonObject a = c.call("{\"op\":\"attach\",\"app\":\"x\"}");
            assertThat(a.get("worker").getAsInt()).isZero();
            assertThat(a.get("token").getAsString()).hasSize(32);
            assertThat(error(c.call("{\"op\":\"attach\",\"app\":\"y\"}"))).isEqualTo(Errors.ALREADY_ATTACHED);
            assertThat(error(c.call("{\"op\":\"listen\",\"uri\":\"tcp://nowhere/80\"}"))).isEqualTo("INVALID_ENDPOINT");
            assertThat(error(c.call("{\"op\":\"listen\",\"uri\":\"tcp://127.0.0.1/0\",\"reuseport\":\"yes\"}")))
                    .isEqualTo(Errors.BAD_REQUEST);
            // still serving after all that
            assertThat(c.call("{\"op\":\"show\"}").get("ok").getAsBoolean()).isTrue();
        }
    }

    @Test
    void aLineTooLongClosesTheConnection() throws IOException {
        try (LineClient c = conn()) {
            c.send("{\"op\":\"hello\",\"version\":1,\"pad\":\"" + "x".repeat(Protocol.MAX_LINE + 10));
            assertThat(error(JsonParser.parseString(c.line()).getAsJsonObject())).isEqualTo(Errors.BAD_REQUEST);
            assertThat(c.line()).isNull();
        }
    }

    @Test
    void dataConnectionsNeedAFreshTokenOfTheSameUser() throws IOException {
        String token;
        try (LineClient c = conn(); LineClient d = conn(); LineClient again = conn(); LineClient bogus = conn()) {
            c.call("{\"op\":\"hello\",\"version\":1}");
            token = c.call("{\"op\":\"attach\",\"app\":\"x\"}").get("token").getAsString();
            JsonObject ok = d.call("{\"op\":\"data\",\"version\":1,\"token\":\"" + token + "\",\"window\":100000}");
            assertThat(ok.get("ok").getAsBoolean()).isTrue();
            assertThat(ok.get("window").getAsInt()).isEqualTo(DaemonConfig.DEFAULT_MAX_WINDOW);
            assertThat(error(again.call("{\"op\":\"data\",\"version\":1,\"token\":\"" + token + "\"}"))).isEqualTo(Errors.BAD_TOKEN);
            assertThat(again.line()).isNull();
            assertThat(error(bogus.call("{\"op\":\"data\",\"version\":1,\"token\":\"00\"}"))).isEqualTo(Errors.BAD_TOKEN);
            // a credit for a descriptor never sent is a protocol violation: the worker is closed
            d.send("A");
            assertThat(c.line()).isNull();
        }
        waitFor(() -> daemon.show().getAsJsonArray("apps").isEmpty());
        JsonObject show = daemon.show();
        assertThat(show.getAsJsonArray("gone").get(0).getAsJsonObject().get("app").getAsString()).isEqualTo("x");
    }

    @Test
    void aWorkersConnectionClosingRemovesItAndItsApplication() throws IOException {
        try (LineClient c = conn(); LineClient w1 = conn()) {
            c.call("{\"op\":\"hello\",\"version\":1}");
            c.call("{\"op\":\"attach\",\"app\":\"x\"}");
            w1.call("{\"op\":\"hello\",\"version\":1}");
            assertThat(w1.call("{\"op\":\"add_worker\",\"app\":\"x\"}").get("worker").getAsInt()).isEqualTo(1);
            JsonObject l = c.call("{\"op\":\"listen\",\"uri\":\"tcp://127.0.0.1/0\",\"reuseport\":true}");
            int port = l.get("port").getAsInt();
            assertThat(l.get("uri").getAsString()).isEqualTo("tcp://127.0.0.1/" + port);
            assertThat(w1.call("{\"op\":\"listen\",\"uri\":\"" + l.get("uri").getAsString() + "\",\"reuseport\":true}")
                    .get("handle").getAsLong()).isEqualTo(l.get("handle").getAsLong());
            c.ch.close();
            waitFor(() -> daemon.show().getAsJsonArray("apps").get(0).getAsJsonObject().getAsJsonArray("workers").size() == 1);
            assertThat(daemon.show().getAsJsonArray("listeners")).hasSize(1);
        }
        waitFor(() -> daemon.show().getAsJsonArray("apps").isEmpty());
        assertThat(daemon.show().getAsJsonArray("listeners")).isEmpty();
    }

    @Test
    void aMemberSetsItsOwnWeightWhichShowLists() throws IOException {
        assertThat(Protocol.MIN_WEIGHT).isEqualTo(dev.hoststack.api.spi.ReuseportGroupView.MIN_WEIGHT);
        assertThat(Protocol.MAX_WEIGHT).isEqualTo(dev.hoststack.api.spi.ReuseportGroupView.MAX_WEIGHT);
        try (LineClient x = conn(); LineClient y = conn(); LineClient plain = conn(); LineClient anonymous = conn()) {
            for (LineClient c : new LineClient[] {x, y, plain, anonymous}) {
                c.call("{\"op\":\"hello\",\"version\":1}");
            }
            x.call("{\"op\":\"attach\",\"app\":\"x\"}");
            y.call("{\"op\":\"attach\",\"app\":\"y\"}");
            plain.call("{\"op\":\"attach\",\"app\":\"plain\"}");
            String uri = x.call("{\"op\":\"listen\",\"uri\":\"tcp://127.0.0.1/0\",\"reuseport\":true,\"selector\":\"roundrobin\"}")
                    .get("uri").getAsString();
            assertThat(y.call("{\"op\":\"listen\",\"uri\":\"" + uri + "\",\"reuseport\":true}").get("ok").getAsBoolean()).isTrue();
            String plainUri = plain.call("{\"op\":\"listen\",\"uri\":\"tcp://127.0.0.1/0\"}").get("uri").getAsString();

            JsonObject r = x.call("{\"op\":\"weight\",\"uri\":\"" + uri + "\",\"weight\":3,\"id\":5}");
            assertThat(r.get("ok").getAsBoolean()).as("%s", r).isTrue();
            assertThat(r.get("id").getAsInt()).isEqualTo(5);
            assertThat(r.get("app").getAsString()).isEqualTo("x");
            assertThat(r.get("weight").getAsInt()).isEqualTo(3);
            assertThat(r.get("selector").getAsString()).isEqualTo("roundrobin");
            JsonObject listener = listener(uri);
            assertThat(listener.get("selector").getAsString()).isEqualTo("roundrobin");
            assertThat(listener.getAsJsonObject("weights").toString()).isEqualTo("{\"x\":3,\"y\":1}");
            assertThat(listener.get("selector_errors").getAsLong()).isZero();
            assertThat(listener(plainUri).has("weights")).as("a plain listener has no group").isFalse();

            // each refusal by name; the weight stays what it was
            String w = "{\"op\":\"weight\",\"uri\":\"" + uri + "\",\"weight\":";
            assertThat(error(y.call(w + "0}"))).isEqualTo("INVALID_WEIGHT");
            assertThat(error(y.call(w + "257}"))).isEqualTo("INVALID_WEIGHT");
            assertThat(error(y.call(w + "4294967299}"))).as("2^32 + 3 is not 3").isEqualTo("INVALID_WEIGHT");
            assertThat(error(y.call(w + "-1}"))).isEqualTo("INVALID_WEIGHT");
            assertThat(error(y.call(w + "\"2\"}"))).isEqualTo(Errors.BAD_REQUEST);
            assertThat(error(y.call(w + "1.5}"))).isEqualTo(Errors.BAD_REQUEST);
            assertThat(error(y.call("{\"op\":\"weight\",\"uri\":\"" + uri + "\"}"))).isEqualTo(Errors.BAD_REQUEST);
            assertThat(error(y.call("{\"op\":\"weight\",\"weight\":2}"))).isEqualTo(Errors.BAD_REQUEST);
            assertThat(error(y.call("{\"op\":\"weight\",\"uri\":\"tcp://nowhere/80\",\"weight\":2}")))
                    .isEqualTo("INVALID_ENDPOINT");
            JsonObject other = y.call("{\"op\":\"weight\",\"uri\":\"" + plainUri + "\",\"weight\":2}");
            assertThat(error(other)).isEqualTo("NOT_LISTENING");
            assertThat(other.get("message").getAsString()).contains("'y'", plainUri, "reuseport");
            assertThat(error(plain.call("{\"op\":\"weight\",\"uri\":\"" + plainUri + "\",\"weight\":2}")))
                    .as("a plain listener is no group member").isEqualTo("NOT_LISTENING");
            assertThat(error(plain.call(w + "2}"))).as("another's group").isEqualTo("NOT_LISTENING");
            assertThat(error(anonymous.call(w + "2}"))).isEqualTo(Errors.NOT_ATTACHED);
            assertThat(listener(uri).getAsJsonObject("weights").toString()).isEqualTo("{\"x\":3,\"y\":1}");

            assertThat(y.call(w + "256}").get("weight").getAsInt()).isEqualTo(256);
            assertThat(listener(uri).getAsJsonObject("weights").toString()).isEqualTo("{\"x\":3,\"y\":256}");
            assertThat(daemon.show().getAsJsonObject("refused").get("INVALID_WEIGHT").getAsInt()).isEqualTo(4);
        }
    }

    private JsonObject listener(String uri) {
        for (var e : daemon.show().getAsJsonArray("listeners")) {
            if (e.getAsJsonObject().get("uri").getAsString().equals(uri)) {
                return e.getAsJsonObject();
            }
        }
        throw new AssertionError("show lists no listener " + uri + ": " + daemon.show().getAsJsonArray("listeners"));
    }

    static void waitFor(java.util.function.BooleanSupplier condition) {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > end) {
                throw new AssertionError("condition not met in 10 s");
            }
            Thread.onSpinWait();
        }
    }

    @Test
    void oneDaemonPerDirectoryAndAStaleSocketIsReplaced() throws IOException {
        assertThatThrownBy(() -> Daemon.start(DaemonConfig.builder(dir).build(), new PrintStream(new ByteArrayOutputStream(),
                true, StandardCharsets.UTF_8))).isInstanceOf(IOException.class).hasMessageContaining("already answers");
        daemon.close();
        assertThat(daemon.socketPath()).doesNotExist();
        Files.createFile(daemon.socketPath()); // a stale file, as a killed daemon leaves
        daemon = Daemon.start(DaemonConfig.builder(dir).build(), new PrintStream(log, true, StandardCharsets.UTF_8));
        try (LineClient c = conn()) {
            assertThat(c.call("{\"op\":\"hello\",\"version\":1}").get("ok").getAsBoolean()).isTrue();
        }
    }

    @Test
    void commandLineOptions() {
        DaemonConfig c = DaemonMain.parse(new String[] {"--control", "/tmp/x", "--socket-mode", "0666", "--max-window", "32",
            "--selector", "hash", "--hash-secret", "7", "--namespace", "blue:42:1"});
        assertThat(c.socketMode()).isEqualTo(0666);
        assertThat(c.maxWindow()).isEqualTo(32);
        assertThat(c.defaultSelector()).isEqualTo("hash");
        assertThat(c.hashSecret()).isEqualTo(7);
        assertThat(c.namespaces()).containsExactly(new DaemonConfig.Namespace("blue", 42, 1));
        assertThatThrownBy(() -> DaemonMain.parse(new String[] {"--socket-mode", "0666"})).hasMessageContaining("--control");
        assertThatThrownBy(() -> DaemonMain.parse(new String[] {"--control", "/x", "--max-window", "500"}))
                .hasMessageContaining("max window");
        assertThatThrownBy(() -> DaemonConfig.Namespace.parse("blue:42")).hasMessageContaining("NAME:SECRET:FIB");
    }
}
