package dev.hoststack.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import dev.hoststack.daemon.Daemon;
import dev.hoststack.daemon.DaemonConfig;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Weights through the daemon's protocol and the client library: {@link HoststackApp#weight} sets
 * an application's weight in its reuseport group, the {@code weighted} selector then gives it that
 * many shares of real loopback connections, refusals come back by name, and after the daemon
 * restarts the library sets the weight again.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class WeightTest {

    @TempDir
    Path dir;

    final List<Daemon> daemons = new ArrayList<>();

    @AfterEach
    void stop() {
        daemons.forEach(Daemon::close);
    }

    Daemon startDaemon() throws IOException {
        Daemon d = Daemon.start(DaemonConfig.builder(dir).build(),
                new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
        daemons.add(d);
        return d;
    }

    /** One connection, one at a time: which application answered it. */
    static String fetch(int port) throws IOException {
        try (Socket s = new Socket()) {
            s.setSoTimeout(10_000);
            s.connect(new InetSocketAddress("127.0.0.1", port), 10_000);
            s.shutdownOutput();
            String text = new String(s.getInputStream().readAllBytes(), StandardCharsets.US_ASCII).trim();
            s.setSoLinger(true, 0);
            return text;
        }
    }

    static Map<String, Integer> shares(int port, int connections) throws IOException {
        Map<String, Integer> n = new TreeMap<>();
        for (int i = 0; i < connections; i++) {
            n.merge(fetch(port), 1, Integer::sum);
        }
        return n;
    }

    /** The daemon's weights of the group on {@code uri} as JSON, or "none" while it lists no such listener. */
    static String weights(Daemon d, String uri) {
        for (JsonElement e : d.show().getAsJsonArray("listeners")) {
            JsonObject l = e.getAsJsonObject();
            if (l.get("uri").getAsString().equals(uri)) {
                return l.getAsJsonObject("weights").toString();
            }
        }
        return "none";
    }

    static void await(BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("waited 30 s for: " + what);
            }
            Thread.sleep(20);
        }
    }

    @Test
    void weightsThreeOneOneGiveExactlyThreeOneOneSharesOfRealConnections() throws Exception {
        Daemon daemon = startDaemon();
        try (HoststackApp a = HoststackApp.attach(AttachSpec.of(dir, "a"), ReconnectTest.says("a"));
             HoststackApp b = HoststackApp.attach(AttachSpec.of(dir, "b"), ReconnectTest.says("b"));
             HoststackApp c = HoststackApp.attach(AttachSpec.of(dir, "c"), ReconnectTest.says("c"))) {
            String uri = a.worker(0).listen("tcp://127.0.0.1/0", true, "weighted");
            b.worker(0).listen(uri, true, "weighted");
            c.worker(0).listen(uri, true, "weighted");
            int port = Http.port(uri);
            assertThat(shares(port, 30)).as("all weights 1: round robin").isEqualTo(Map.of("a", 10, "b", 10, "c", 10));

            a.weight(uri, 3);
            assertThat(weights(daemon, uri)).isEqualTo("{\"a\":3,\"b\":1,\"c\":1}");
            assertThat(shares(port, 500)).as("weights 3, 1, 1 over 500 connections, one at a time")
                    .isEqualTo(Map.of("a", 300, "b", 100, "c", 100));

            // refusals by name; nothing changes
            for (int bad : new int[] {0, -3, 257, Integer.MAX_VALUE}) {
                assertThatThrownBy(() -> b.weight(uri, bad)).as("weight %s", bad)
                        .isInstanceOfSatisfying(HoststackException.class, e -> {
                            assertThat(e.code()).isEqualTo("INVALID_WEIGHT");
                            assertThat(e.getMessage()).contains(String.valueOf(bad), "1..256");
                        });
            }
            String elsewhere = c.worker(0).listen("tcp://127.0.0.1/0", false, null);
            assertThatThrownBy(() -> b.weight(elsewhere, 2)).as("b is no member there")
                    .isInstanceOfSatisfying(HoststackException.class, e -> assertThat(e.code()).isEqualTo("NOT_LISTENING"));
            assertThatThrownBy(() -> c.weight(elsewhere, 2)).as("a plain listener is in no group")
                    .isInstanceOfSatisfying(HoststackException.class, e -> assertThat(e.code()).isEqualTo("NOT_LISTENING"));
            assertThatThrownBy(() -> b.weight("tcp://no-such-host/80", 2))
                    .isInstanceOfSatisfying(HoststackException.class, e -> assertThat(e.code()).isEqualTo("INVALID_ENDPOINT"));
            assertThat(weights(daemon, uri)).isEqualTo("{\"a\":3,\"b\":1,\"c\":1}");

            // a member that leaves takes its weight with it, the rest keep theirs; one that rejoins has weight 1
            c.weight(uri, 2);
            c.worker(0).unlisten(uri);
            assertThat(weights(daemon, uri)).isEqualTo("{\"a\":3,\"b\":1}");
            assertThat(shares(port, 40)).isEqualTo(Map.of("a", 30, "b", 10));
            c.worker(0).listen(uri, true, "weighted");
            assertThat(weights(daemon, uri)).isEqualTo("{\"a\":3,\"b\":1,\"c\":1}");
        }
    }

    @Test
    void theLibrarySetsTheWeightAgainAfterTheDaemonRestarts() throws Exception {
        Daemon first = startDaemon();
        Reconnect quick = Reconnect.backoff().withDelays(Duration.ofMillis(50), Duration.ofMillis(400));
        try (HoststackApp a = HoststackApp.attach(AttachSpec.of(dir, "a").withReconnect(quick), ReconnectTest.says("a"));
             HoststackApp b = HoststackApp.attach(AttachSpec.of(dir, "b").withReconnect(quick), ReconnectTest.says("b"))) {
            String uri = a.worker(0).listen("tcp://127.0.0.1/0", true, "weighted");
            b.worker(0).listen(uri, true, "weighted");
            a.weight(uri, 4);
            int port = Http.port(uri);
            assertThat(shares(port, 50)).isEqualTo(Map.of("a", 40, "b", 10));

            first.close();
            Daemon second = startDaemon();
            await(() -> a.reattachments() == 1 && b.reattachments() == 1, "both applications reattached");
            await(() -> weights(second, uri).equals("{\"a\":4,\"b\":1}") || weights(second, uri).equals("{\"b\":1,\"a\":4}"),
                    "a's weight set again");
            assertThat(shares(port, 50)).as("a has weight 4 again").isEqualTo(Map.of("a", 40, "b", 10));
        }
    }
}
