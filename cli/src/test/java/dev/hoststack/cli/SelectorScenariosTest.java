package dev.hoststack.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Each shipped selector's defining property, through {@code hoststack run} as a user runs a
 * scenario: real SYNs and ACKs through transport-tcp, the session layer's own load counts, the
 * scenario language's weights and membership changes.
 */
class SelectorScenariosTest {

    @TempDir
    Path dir;

    /** {@code hoststack run --json} of the scenario's lines; the events, each a JSON object. */
    private List<JsonObject> run(List<String> lines) throws IOException {
        Path file = dir.resolve("s" + System.nanoTime() + ".scn");
        Files.write(file, lines);
        CommandRun r = CommandRun.of("run", "--json", file.toString());
        assertThat(r.exitCode()).as("hoststack run: %s", r.err()).isZero();
        List<JsonObject> events = new ArrayList<>();
        for (String l : r.out().split("\\R")) {
            if (!l.isBlank()) {
                events.add(JsonParser.parseString(l).getAsJsonObject());
            }
        }
        assertThat(events.stream().filter(e -> e.get("event").getAsString().equals("error")))
                .as("error events of the scenario").isEmpty();
        return events;
    }

    private static String worker(JsonObject dispatch) {
        return dispatch.get("app").getAsString() + "-w" + dispatch.get("worker").getAsInt();
    }

    private static List<JsonObject> dispatches(List<JsonObject> events) {
        return events.stream().filter(e -> e.get("event").getAsString().equals("dispatch")).toList();
    }

    private static String client(int i) {
        return "198.18." + (i >> 8 & 0xFF) + "." + (i & 0xFF) + ":" + (10_000 + i % 50_000);
    }

    @Test
    void p2cAvoidsAWorkerThatStopsAccepting() throws IOException {
        // the seed's apps with p2c; every connection completes and the apps accept after each one,
        // but from connection 60 on app3-w2 stops accepting: its ACCEPTING sessions stay pending
        List<String> s = new ArrayList<>(List.of("app attach app1", "app attach app2", "app attach app3",
                "worker add app2", "worker add app3", "worker add app3"));
        for (String[] aw : new String[][] {{"app1", "0"}, {"app2", "0"}, {"app2", "1"}, {"app3", "0"}, {"app3", "1"},
                {"app3", "2"}}) {
            s.add("listen " + aw[0] + " " + aw[1] + " tcp://10.0.0.100/80 reuseport selector p2c");
        }
        for (int i = 0; i < 600; i++) {
            s.add("connect " + client(i) + " 10.0.0.100:80");
            for (String[] aw : new String[][] {{"app1", "0"}, {"app2", "0"}, {"app2", "1"}, {"app3", "0"}, {"app3", "1"},
                    {"app3", "2"}}) {
                if (i < 60 || !(aw[0].equals("app3") && aw[1].equals("2"))) {
                    s.add("accept " + aw[0] + " " + aw[1]);
                }
            }
        }
        List<JsonObject> d = dispatches(run(s));
        assertThat(d).hasSize(600);
        Map<String, Integer> before = count(d.subList(0, 60));
        Map<String, Integer> after = count(d.subList(60, 600));
        assertThat(before.get("app3-w2")).as("app3-w2's connections while it accepted (60 of 6 workers)").isPositive();
        // it is chosen only when drawn with a worker at least as loaded: every other worker is at
        // 0 pending after each accept, so once it holds one it loses every pair
        assertThat(after.getOrDefault("app3-w2", 0)).as("connections given to app3-w2 after it stopped accepting, of 540")
                .isLessThanOrEqualTo(1);
        for (String w : List.of("app1-w0", "app2-w0", "app2-w1", "app3-w0", "app3-w1")) {
            assertThat(after.get(w)).as("%s's share of the 540 after app3-w2 stopped (a fifth is 108)", w).isBetween(80, 136);
        }
    }

    @Test
    void weightedGivesThreeOneOneExactly() throws IOException {
        List<String> s = new ArrayList<>(List.of("app attach a", "app attach b", "app attach c", "worker add a",
                "worker add c", "worker add c"));
        s.add("listen a 0 tcp://10.0.0.100/80 reuseport selector weighted");
        s.add("listen a 1 tcp://10.0.0.100/80 reuseport");
        s.add("listen b 0 tcp://10.0.0.100/80 reuseport");
        for (int w = 0; w < 3; w++) {
            s.add("listen c " + w + " tcp://10.0.0.100/80 reuseport");
        }
        s.add("group weight tcp://10.0.0.100/80 a 3");
        for (int i = 0; i < 500; i++) {
            s.add("syn " + client(i) + " 10.0.0.100:80 thread " + (i / 250));
        }
        List<JsonObject> d = dispatches(run(s));
        assertThat(d).hasSize(500);
        Map<String, Integer> apps = new TreeMap<>();
        for (JsonObject e : d) {
            apps.merge(e.get("app").getAsString(), 1, Integer::sum);
        }
        assertThat(apps).as("500 SYNs over weights 3, 1, 1 (250 on each of two data threads)")
                .containsExactlyEntriesOf(new TreeMap<>(Map.of("a", 300, "b", 100, "c", 100)));
        Map<String, Integer> workers = count(d);
        assertThat(workers).as("a's workers in turn, c's in turn")
                .containsEntry("a-w0", 150).containsEntry("a-w1", 150).containsEntry("c-w0", 34).containsEntry("c-w1", 34)
                .containsEntry("c-w2", 32);
    }

    /**
     * Ten members of one worker each; a set of flows is sent (SYN, then RST, so each is a probe
     * that leaves nothing behind); the middle member leaves; the same flows are sent again. The
     * fraction of the flows that were on the other nine and now go elsewhere.
     */
    private double othersMoved(String selector, int leaving, int flows) throws IOException {
        List<String> s = new ArrayList<>(List.of("hash secret 0x5eed"));
        for (int a = 1; a <= 10; a++) {
            s.add("app attach m" + a);
        }
        for (int a = 1; a <= 10; a++) {
            s.add("listen m" + a + " 0 tcp://10.0.0.100/80 reuseport selector " + selector);
        }
        for (int pass = 0; pass < 2; pass++) {
            if (pass == 1) {
                s.add("unlisten m" + leaving + " 0 tcp://10.0.0.100/80");
            }
            for (int i = 0; i < flows; i++) {
                s.add("syn " + client(i) + " 10.0.0.100:80");
                s.add("rst " + client(i) + " 10.0.0.100:80");
            }
        }
        List<JsonObject> d = dispatches(run(s));
        assertThat(d).hasSize(2 * flows);
        Map<String, String> first = new HashMap<>();
        for (int i = 0; i < flows; i++) {
            first.put(d.get(i).get("src").getAsString(), worker(d.get(i)));
        }
        int others = 0;
        int moved = 0;
        for (int i = flows; i < 2 * flows; i++) {
            String was = first.get(d.get(i).get("src").getAsString());
            if (!was.startsWith("m" + leaving + "-")) {
                others++;
                moved += was.equals(worker(d.get(i))) ? 0 : 1;
            }
        }
        return (double) moved / others;
    }

    @Test
    void whenOneOfTenLeavesMaglevMovesFewOfTheOthersFlowsAndHashAboutAFifth() throws IOException {
        double maglev = othersMoved("maglev", 5, 3_000);
        double hash = othersMoved("hash", 5, 3_000);
        System.out.printf("m5 of 10 leaves: maglev moves %.2f %% of the others' flows, hash %.2f %%%n", 100 * maglev, 100 * hash);
        assertThat(maglev).as("maglev: fraction of the other nine's flows that moved when m5 left").isLessThan(0.03);
        assertThat(hash).as("hash (range partition): fraction of the other nine's flows that moved when m5 left")
                .isBetween(0.16, 0.24);
    }

    @Test
    void incomingKeepsThreadKsConnectionsOnWorkerK() throws IOException {
        List<String> s = new ArrayList<>(List.of("threads 4", "app attach a", "app attach b"));
        for (String app : List.of("a", "b")) {
            for (int w = 1; w < 4; w++) {
                s.add("worker add " + app);
            }
            for (int w = 0; w < 4; w++) {
                s.add("listen " + app + " " + w + " tcp://10.0.0.100/80 reuseport selector incoming");
            }
        }
        for (int i = 0; i < 400; i++) {
            s.add("connect " + client(i) + " 10.0.0.100:80 thread " + (i % 4));
        }
        List<JsonObject> d = dispatches(run(s));
        assertThat(d).hasSize(400);
        Map<String, Integer> perApp = new TreeMap<>();
        for (JsonObject e : d) {
            assertThat(e.get("worker").getAsInt()).as("the worker of %s, received on thread %d", e.get("src"),
                    e.get("thread").getAsInt()).isEqualTo(e.get("thread").getAsInt());
            perApp.merge(e.get("app").getAsString(), 1, Integer::sum);
        }
        assertThat(perApp).as("the members still take turns").containsEntry("a", 200).containsEntry("b", 200);
    }

    private static Map<String, Integer> count(List<JsonObject> dispatches) {
        Map<String, Integer> m = new TreeMap<>();
        for (JsonObject e : dispatches) {
            m.merge(worker(e), 1, Integer::sum);
        }
        return m;
    }
}
