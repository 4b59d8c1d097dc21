package dev.hoststack.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * {@code hoststack status} prints whatever a daemon answers without letting a name forge rows or
 * reach the terminal as an escape sequence (a daemon of this version refuses such names; an older
 * one, or another program on the socket, may not), and merges the pages of {@code show}.
 */
class StatusCommandTest {

    static final String PAGE1 = "{\"ok\":true,\"daemon_pid\":1,\"uptime_ms\":1000,\"open_fds\":9,"
            + "\"totals\":{\"accepted\":1,\"workers_died\":0,\"workers_left\":2},\"drops\":{},"
            + "\"refused\":{\"INVALID_NAME\":3},\"reservations\":{\"active\":true,\"seconds_left\":42,\"apps\":1,\"ports\":2},"
            + "\"listeners\":[{\"uri\":\"tcp://127.0.0.1/8080\",\"fib\":0,\"listens\":1,\"accepted\":1,\"parked_now\":0,"
            + "\"paused\":false},{\"uri\":\"tcp://127.0.0.1/8081\",\"fib\":0,\"listens\":2,\"accepted\":5,\"parked_now\":0,"
            + "\"selector\":\"weighted\",\"weights\":{\"web\":3,\"x\\n  fake\\u001b[2J\":1},\"selector_errors\":0,"
            + "\"selector_fallbacks\":0,\"paused\":false}],"
            + "\"apps\":[{\"name\":\"evil\",\"workers\":[{\"app\":\"evil\\n  forged    0  1  2\\u001b[2J\\u001b]0;title\\u0007\","
            + "\"worker\":0,\"pid\":7,\"uid\":0,\"window\":64,\"in_flight\":0,\"handed\":1,\"taken\":1,\"congestion_skips\":0,"
            + "\"requeued_away\":0,\"requeued_in\":0}]}],\"apps_total\":2,\"next\":1,"
            + "\"gone\":[{\"app\":\"old\",\"worker\":0,\"pid\":5,\"uid\":0,\"window\":64,\"in_flight\":0,\"handed\":0,"
            + "\"taken\":0,\"congestion_skips\":0,\"requeued_away\":0,\"requeued_in\":0,\"gone\":\"detached\\r\\u001b[1A\"}]}";
    static final String PAGE2 = "{\"ok\":true,\"apps\":[{\"name\":\"second\",\"workers\":[{\"app\":\"second\",\"worker\":0,"
            + "\"pid\":8,\"uid\":0,\"window\":64,\"in_flight\":0,\"handed\":0,\"taken\":0,\"congestion_skips\":0,"
            + "\"requeued_away\":0,\"requeued_in\":0}]}],\"apps_total\":2,\"apps_from\":1}";

    @Test
    void namesArePrintedEscapedAndPagesAreMerged() {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        StatusCommand.print(new PrintStream(b, true, StandardCharsets.UTF_8), StatusCommand.merge(List.of(PAGE1, PAGE2)));
        String out = b.toString(StandardCharsets.UTF_8);
        assertThat(out).doesNotContain("\u001b").doesNotContain("\u0007").doesNotContain("\r");
        assertThat(out.lines().filter(l -> l.contains("forged"))).hasSize(1)
                .allMatch(l -> l.startsWith("  evil\\x0a  forged"));
        assertThat(out).contains("\\x1b[2J").contains("gone: detached\\x0d\\x1b[1A");
        assertThat(out).contains("second").contains("refused: {\"INVALID_NAME\":3}")
                .contains("reserved after the restart for 42 s more: 1 application name(s), 2 port(s)")
                .contains("workers_died=0 workers_left=2");
        assertThat(out).doesNotContain("more applications than");
        assertThat(out).as("a reuseport group's line under its socket, a plain socket has none")
                .contains("  tcp://127.0.0.1/8081         fib 0  listens 2  accepted 5  parked 0\n"
                        + "    group: selector weighted  weights web=3 x\\x0a  fake\\x1b[2J=1  selector errors 0  fallbacks 0\n")
                .containsOnlyOnce("group: selector");
    }
}
