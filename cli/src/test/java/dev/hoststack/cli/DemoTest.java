package dev.hoststack.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The demo's output against the design note's sequence. */
class DemoTest {

    @Test
    void roundRobinFollowsTheSeedAndSharesAThirdPerApplication() {
        DemoCommand.Run run = DemoCommand.run("roundrobin", 600, 0);
        List<String> oneBased = new ArrayList<>();
        for (String l : run.first().subList(0, 9)) {
            int dash = l.lastIndexOf("-w");
            oneBased.add(l.substring(0, dash) + "-w" + (Integer.parseInt(l.substring(dash + 2)) + 1));
        }
        assertThat(oneBased).as("the design note's sequence, workers from 1").containsExactlyElementsOf(DemoCommand.SEED);
        assertThat(run.table().app("app1")).isEqualTo(200);
        assertThat(run.table().app("app2")).isEqualTo(200);
        assertThat(run.table().app("app3")).isEqualTo(200);
        assertThat(run.accepted()).isEqualTo(600);
    }

    @Test
    void hashSharesPerWorker() {
        DemoCommand.Run run = DemoCommand.run("hash", 6000, 0);
        for (String app : List.of("app1", "app2", "app3")) {
            run.table().counts().get(app).forEach((w, n) ->
                    assertThat(n).as("%s-w%s of 6000 (1/6 = 1000 ± 15%%)", app, w).isBetween(850L, 1150L));
        }
    }

    @Test
    void theCommandPrintsTheSequenceTheTableAndTheKernelColumn() {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        PrintStream old = System.out;
        System.setOut(new PrintStream(buf, true, StandardCharsets.UTF_8));
        int code;
        try {
            code = Main.execute("demo", "--connections", "300");
        } finally {
            System.setOut(old);
        }
        String out = buf.toString(StandardCharsets.UTF_8);
        assertThat(code).isZero();
        assertThat(out).contains("app1-w1, app2-w1, app3-w1, app1-w1, app2-w2, app3-w2, app1-w1, app2-w1, app3-w3")
                .contains("(same)").contains("roundrobin").contains("hash");
        assertThat(out).contains("kernel SO_REUSEPORT");
        assertThat(out).contains("accepted by the apps: 300 of 300");
    }

    @Test
    void theKernelSpreadsConnectionsOverItsSockets() throws Exception {
        assertThat(KernelReuseport.supported()).as("SO_REUSEPORT on Linux (the project's platform)").isTrue();
        KernelReuseport.Result r = KernelReuseport.run(6, 1200);
        assertThat(r.refused()).as("connects the kernel reset (rare; counted)").isLessThanOrEqualTo(12);
        assertThat(r.total()).as("every connection made was accepted by one socket").isEqualTo(1200 - r.refused());
        for (long c : r.accepted()) {
            assertThat(c).as("each of six sockets gets some of 1200 connections").isGreaterThan(50);
        }
    }
}
