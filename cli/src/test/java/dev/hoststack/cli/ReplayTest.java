package dev.hoststack.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hoststack.cli.scenario.ScenarioParser;
import dev.hoststack.cli.scenario.Step;
import dev.hoststack.pcap.CaptureReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Replays the real loopback captures of the pcap module (see its captures/README.md). */
class ReplayTest {

    private static final Path CAPTURES = Path.of("..", "pcap", "src", "test", "resources", "captures");

    private static List<Step> setup(String... lines) throws Exception {
        return ScenarioParser.parse("setup", Arrays.asList(lines));
    }

    /** app1, app2, app3 with 1, 2, 3 workers listening with reuseport on every given URI. */
    private static List<Step> seedLayout(String selector, String... uris) throws Exception {
        List<String> lines = new ArrayList<>(List.of("app attach app1", "app attach app2", "app attach app3",
                "worker add app2", "worker add app3", "worker add app3"));
        int[] workers = {1, 2, 3};
        for (String uri : uris) {
            for (int a = 0; a < 3; a++) {
                for (int w = 0; w < workers[a]; w++) {
                    lines.add("listen app" + (a + 1) + " " + w + " " + uri + " reuseport selector " + selector);
                }
            }
        }
        return setup(lines.toArray(String[]::new));
    }

    private static Replayer.Result replay(String file, int threads, List<Step> setup, List<Map<String, Object>> events)
            throws Exception {
        Replayer r = new Replayer(e -> { }, threads, 0, setup);
        return r.replay(CaptureReader.open(CAPTURES.resolve(file)), events::add, offset -> { });
    }

    @Test
    void theEthernetCaptureDispatchesItsFortyConnectionsRoundRobinOverTheApps() throws Exception {
        List<Map<String, Object>> events = new ArrayList<>();
        Replayer.Result r = replay("lo-ipv4-ethernet.pcap", 1, seedLayout("roundrobin", "tcp://127.0.0.1/40101"), events);
        assertThat(r.error).isNull();
        assertThat(r.packets).isEqualTo(400);
        assertThat(r.dispatched).as("40 SYNs in the capture (its README)").isEqualTo(40);
        assertThat(r.established).isEqualTo(40);
        assertThat(r.accepted).isEqualTo(40);
        assertThat(r.outbound).as("the server's 4 segments of each 10-packet connection").isEqualTo(160);
        assertThat(r.fed).isEqualTo(240);
        assertThat(r.table.app("app1")).isEqualTo(14);
        assertThat(r.table.app("app2")).isEqualTo(13);
        assertThat(r.table.app("app3")).isEqualTo(13);
        assertThat(r.table.worker("app3", 0)).isEqualTo(5);
        assertThat(r.table.worker("app3", 2)).isEqualTo(4);
        assertThat(events).hasSize(40);
        assertThat(events.subList(0, 6)).extracting(e -> e.get("app") + "-w" + e.get("worker"))
                .containsExactly("app1-w0", "app2-w0", "app3-w0", "app1-w0", "app2-w1", "app3-w1");
        assertThat(events.get(0)).containsEntry("event", "dispatch").containsEntry("via", "group").containsKey("packet");
        assertThat(r.drops).as("only the client's last ACK after the model closed at its FIN")
                .containsOnlyKeys("NO_CONNECTION").containsEntry("NO_CONNECTION", 40L);
    }

    @Test
    void everyLinkTypeGivesTheSameDispatchForTheSameTraffic() throws Exception {
        Replayer.Result eth = replay("lo-ipv4-ethernet.pcap", 2, seedLayout("hash", "tcp://127.0.0.1/40101"), new ArrayList<>());
        Replayer.Result raw = replay("lo-ipv4-rawip.pcap", 2, seedLayout("hash", "tcp://127.0.0.1/40101"), new ArrayList<>());
        assertThat(raw.dispatched).isEqualTo(40);
        assertThat(raw.table.counts()).as("raw IP and Ethernet framings of one capture dispatch alike")
                .isEqualTo(eth.table.counts());
    }

    @Test
    void cookedAndPcapngCapturesWithIpv4AndIpv6() throws Exception {
        record Case(String file, int port, int connections) {
        }
        for (Case c : List.of(new Case("any-mixed-sll2-nano.pcap", 40102, 40), new Case("any-mixed-sll.pcap", 40103, 30),
                new Case("lo-mixed-dumpcap.pcapng", 40104, 30))) {
            Replayer.Result r = replay(c.file(), 2, seedLayout("roundrobin", "tcp://127.0.0.1/" + c.port(),
                    "tcp://::1/" + c.port()), new ArrayList<>());
            assertThat(r.error).as(c.file()).isNull();
            assertThat(r.dispatched).as("%s: every SYN dispatched", c.file()).isEqualTo(c.connections());
            assertThat(r.accepted).as("%s: every connection accepted", c.file()).isEqualTo(c.connections());
            assertThat(r.table.total()).isEqualTo(c.connections());
        }
    }

    @Test
    void aMergedCaptureWithTwoInterfacesAndTwoPorts() throws Exception {
        Replayer.Result r = replay("merged-eth-sll2.pcapng", 2, seedLayout("roundrobin", "tcp://127.0.0.1/40101",
                "tcp://127.0.0.1/40102", "tcp://::1/40102"), new ArrayList<>());
        assertThat(r.dispatched).isEqualTo(80);
        assertThat(r.accepted).isEqualTo(80);
    }

    @Test
    void withoutAListenerEverySynIsResetAndCounted() throws Exception {
        Replayer.Result r = replay("lo-ipv4-ethernet.pcap", 1, setup("app attach lonely",
                "listen lonely 0 tcp://127.0.0.1/9 "), new ArrayList<>());
        assertThat(r.dispatched).isZero();
        assertThat(r.drops).containsEntry("NO_LISTENER", 40L);
    }

    @Test
    void aTruncatedCaptureEndsWithAnErrorNamingTheOffsetAfterReplayingWhatCame(@TempDir Path dir) throws Exception {
        byte[] whole = Files.readAllBytes(CAPTURES.resolve("lo-ipv4-ethernet.pcap"));
        Path cut = dir.resolve("cut.pcap");
        Files.write(cut, Arrays.copyOf(whole, whole.length / 2 + 7));
        Replayer replayer = new Replayer(e -> { }, 1, 0, seedLayout("roundrobin", "tcp://127.0.0.1/40101"));
        Replayer.Result r = replayer.replay(CaptureReader.open(cut), e -> { }, o -> { });
        assertThat(r.error).as("the capture's error").contains("byte offset").contains("packet");
        assertThat(r.packets).isBetween(150L, 250L);
        assertThat(r.dispatched).as("what came before the cut was replayed").isGreaterThan(10);

        java.io.ByteArrayOutputStream err = new java.io.ByteArrayOutputStream();
        java.io.PrintStream oldErr = System.err;
        java.io.PrintStream oldOut = System.out;
        System.setErr(new java.io.PrintStream(err, true));
        System.setOut(new java.io.PrintStream(new java.io.ByteArrayOutputStream(), true));
        int code;
        try {
            Path setup = dir.resolve("setup.scn");
            Files.writeString(setup, "app attach a\nlisten a 0 tcp://127.0.0.1/40101\n");
            code = Main.execute("replay", cut.toString(), "--setup", setup.toString());
        } finally {
            System.setErr(oldErr);
            System.setOut(oldOut);
        }
        assertThat(code).isEqualTo(ReplayCommand.CAPTURE_ERROR);
        assertThat(err.toString()).contains("cut.pcap").contains("byte offset").doesNotContain("Exception");
    }
}
