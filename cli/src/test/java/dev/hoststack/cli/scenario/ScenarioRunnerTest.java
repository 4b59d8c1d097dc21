package dev.hoststack.cli.scenario;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The scenario runner's rules, and regressions for what the scenario tests found: one event per
 * step, refusals as events, the thread and clock rules, a late accept reply, unsigned owner uids,
 * and migration on and off.
 */
class ScenarioRunnerTest {

    private static List<Map<String, Object>> run(String... lines) throws ScenarioSyntaxException {
        List<Map<String, Object>> events = new ArrayList<>();
        new ScenarioRunner(events::add, 2).run(ScenarioParser.parse("runner.scn", List.of(lines)));
        return events;
    }

    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> list(Map<String, Object> event, String key) {
        return (List<Map<String, Object>>) event.get(key);
    }

    @Test
    void everyStepAnswersOneEventWithItsLineEvenWhenRefused() throws ScenarioSyntaxException {
        List<Map<String, Object>> events = run(
                "# comment",
                "app attach a",
                "app attach a",
                "",
                "listen nobody 0 tcp://0.0.0.0/80",
                "connect 198.18.0.1:1 10.0.0.1:80");
        assertThat(events).extracting(e -> e.get("line")).containsExactly(2, 3, 5, 6);
        assertThat(events).extracting(e -> e.get("event")).containsExactly("attached", "error", "error", "reset");
        assertThat(events.get(1)).containsEntry("code", "APP_EXISTS").containsKey("message");
        assertThat(events.get(2)).containsEntry("code", "NO_SUCH_APP");
        assertThat(events.get(3)).containsEntry("reason", "NO_LISTENER");
    }

    @Test
    void threadsComesBeforeTheStackAndSegmentsNameAThreadItHas() throws ScenarioSyntaxException {
        List<Map<String, Object>> events = run(
                "threads 3",
                "app attach a",
                "listen a 0 tcp://0.0.0.0/80",
                "syn 198.18.0.1:1 10.0.0.1:80 thread 2",
                "syn 198.18.0.1:2 10.0.0.1:80 thread 3",
                "ack 198.18.0.1:1 10.0.0.1:80",
                "ack 198.18.0.1:1 10.0.0.1:80 thread 2",
                "threads 4");
        assertThat(events.get(0)).containsEntry("event", "threads").containsEntry("threads", 3);
        assertThat(events.get(3)).containsEntry("event", "dispatch").containsEntry("thread", 2)
                .containsEntry("session", "0x0000000200000000");
        assertThat(events.get(4)).containsEntry("event", "error").containsEntry("code", "INVALID_ARGUMENT")
                .containsEntry("message", "thread 3 does not exist: the stack has 3 threads (0..2)");
        // the flow lives on thread 2: thread 0 drops its segments, as VPP does
        assertThat(events.get(5)).containsEntry("event", "drop").containsEntry("reason", "WRONG_THREAD");
        assertThat(events.get(6)).containsEntry("event", "established").containsEntry("thread", 2);
        assertThat(events.get(7)).containsEntry("event", "error").containsEntry("code", "INVALID_ARGUMENT")
                .containsEntry("message", "'threads' must come before any command that uses the stack");
    }

    @Test
    void theClockMovesOnlyWithAdvanceAndTheHandshakeTimeoutIs75Seconds() throws ScenarioSyntaxException {
        List<Map<String, Object>> events = run(
                "app attach a",
                "listen a 0 tcp://0.0.0.0/80",
                "syn 198.18.0.1:1 10.0.0.1:80",
                "advance 74.5",
                "advance 0.5",
                "syn 198.18.0.1:2 10.0.0.1:80",
                "advance 75s",
                "show sessions");
        assertThat(events.get(3)).containsEntry("event", "advanced").containsEntry("expired", 0L);
        assertThat(events.get(4)).containsEntry("expired", 1L);
        assertThat(events.get(6)).containsEntry("expired", 1L);
        assertThat(list(events.get(7), "sessions")).isEmpty();
    }

    /**
     * A session the app was told about outlives its transport until the app takes the event that
     * ends it, so a late accept reply cannot reach another session through a reused index.
     */
    @Test
    void aLateAcceptReplyDoesNotAcceptAnotherWorkersSession() throws ScenarioSyntaxException {
        List<Map<String, Object>> events = run(
                "app attach srv",
                "worker add srv",
                "listen srv 0 tcp://10.0.0.1/80",
                "listen srv 1 tcp://10.0.0.1/80",
                "connect 198.18.0.1:40001 10.0.0.1:80",   // srv-w1, ACCEPTING
                "fin 198.18.0.1:40001 10.0.0.1:80",       // closed before srv-w1 took it
                "show sessions",
                "connect 198.18.0.2:40002 10.0.0.1:80",   // srv-w0
                "accept srv 1 all",                       // srv-w1 answers its accept event, then takes the disconnect
                "show sessions");
        assertThat(events.get(4)).containsEntry("worker", 1);
        String closed = (String) events.get(4).get("session");
        assertThat(list(events.get(6), "sessions")).singleElement()
                .satisfies(s -> assertThat(s).containsEntry("session", closed).containsEntry("state", "CLOSED"));
        assertThat(events.get(7)).containsEntry("worker", 0).doesNotContainEntry("session", closed);
        assertThat(list(events.get(8), "events")).singleElement()
                .satisfies(e -> assertThat(e).containsEntry("type", "disconnect").containsEntry("session", closed));
        assertThat(list(events.get(9), "sessions")).singleElement()
                .satisfies(s -> assertThat(s).containsEntry("worker", 0).containsEntry("state", "ACCEPTING"));
    }

    @Test
    void anOwnerUidAbove2To31IsPrintedAsWritten() throws ScenarioSyntaxException {
        List<Map<String, Object>> events = run(
                "app attach a owner 4294967294",
                "listen a 0 tcp://10.0.0.1/80 reuseport",
                "show groups");
        assertThat(events.get(0)).containsEntry("owner", 4294967294L);
        assertThat(list(events.get(2), "groups").get(0)).containsEntry("owner", 4294967294L);
    }

    @Test
    void aGroupMigratesALeavingMembersHandshakesUnlessTurnedOff() throws ScenarioSyntaxException {
        for (boolean on : new boolean[] {true, false}) {
            List<Map<String, Object>> events = run(
                    "app attach a",
                    "app attach b",
                    "listen a 0 tcp://10.0.0.100/80 reuseport",
                    "listen b 0 tcp://10.0.0.100/80 reuseport",
                    "group migrate tcp://10.0.0.100/80 " + (on ? "on" : "off"),
                    "syn 198.18.0.1:40001 10.0.0.100:80",     // a-w0
                    "syn 198.18.0.2:40002 10.0.0.100:80",     // b-w0
                    "unlisten a 0 tcp://10.0.0.100/80",
                    "show sessions",
                    "show groups");
            assertThat(events.get(5)).containsEntry("app", "a");
            List<Map<String, Object>> sessions = list(events.get(8), "sessions");
            if (on) {
                assertThat(sessions).hasSize(2).allSatisfy(s -> assertThat(s).containsEntry("app", "b"));
            } else {
                assertThat(sessions).singleElement()
                        .satisfies(s -> assertThat(s.get("tuple")).asString().contains("198.18.0.2:40002"));
            }
            assertThat(list(events.get(9), "groups").get(0)).containsEntry("migrate", on).containsEntry("migrations", on ? 1L : 0L);
        }
    }
}
