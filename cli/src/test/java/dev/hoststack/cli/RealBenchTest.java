package dev.hoststack.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hoststack.cli.RealBench.Route;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code bench --real}'s paths: the HAProxy configuration it writes, how it finds HAProxy and
 * says when it cannot, the order of the phases, and a real (small) run of every path whose
 * {@code --write} section holds every path's row and ratio line.
 */
class RealBenchTest {

    @Test
    void haproxyConfigIsTcpRoundRobinOverEveryWorkerPort() {
        String cfg = Haproxy.config(new InetSocketAddress("127.0.0.1", 4242),
                List.of("tcp://127.0.0.1/5001", "tcp://127.0.0.1/5002", "tcp://[::1]/5003"), 1024);
        assertThat(cfg).as("the configuration written for HAProxy:\n%s", cfg)
                .contains("    mode tcp\n")
                .contains("    maxconn 1024\n")
                .contains("frontend bench\n    bind 127.0.0.1:4242\n    default_backend workers\n")
                .contains("backend workers\n    balance roundrobin\n"
                        + "    server w0 127.0.0.1:5001\n"
                        + "    server w1 127.0.0.1:5002\n"
                        + "    server w2 ipv6@::1:5003\n")
                .doesNotContain(" check");
        // every timeout HAProxy warns about when missing
        assertThat(cfg).contains("timeout connect").contains("timeout client").contains("timeout server");
        assertThatThrownBy(() -> Haproxy.config(new InetSocketAddress("127.0.0.1", 1), List.of(), 1024))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("at least one server");
    }

    @Test
    void haproxyIsFoundOnThePathOrThroughTheVariableAndAMissingOneIsSaid(@TempDir Path dir) throws Exception {
        Path fake = dir.resolve("haproxy");
        Files.writeString(fake, "#!/bin/sh\n");
        Files.setPosixFilePermissions(fake, PosixFilePermissions.fromString("rwxr-xr-x"));
        Haproxy.Found onPath = Haproxy.find(Map.of("PATH", dir.toString()));
        assertThat(onPath.binary()).as("the first haproxy on the PATH").isEqualTo(fake);

        Haproxy.Found missing = Haproxy.find(Map.of(Haproxy.ENV, dir.resolve("nope").toString(), "PATH", dir.toString()));
        assertThat(missing.available()).as("%s names a missing file: nothing else is tried", Haproxy.ENV).isFalse();
        assertThat(Haproxy.skipLine(missing.whyNot())).isEqualTo("HAProxy path skipped: " + Haproxy.ENV + "=" + dir.resolve("nope")
                + " is not an executable file (Debian: apt-get install haproxy, as .ci/run does; or set " + Haproxy.ENV
                + " to a haproxy binary)");
    }

    @Test
    void thePathsOrderRotatesFromRoundToRound() {
        List<Route> all = List.of(Route.KERNEL, Route.DISPATCH, Route.HANDOFF, Route.HAPROXY);
        assertThat(RealBench.order(all, 1)).containsExactly(Route.KERNEL, Route.DISPATCH, Route.HANDOFF, Route.HAPROXY);
        assertThat(RealBench.order(all, 2)).containsExactly(Route.DISPATCH, Route.HANDOFF, Route.HAPROXY, Route.KERNEL);
        assertThat(RealBench.order(all, 5)).containsExactly(Route.KERNEL, Route.DISPATCH, Route.HANDOFF, Route.HAPROXY);
    }

    @Test
    void workerProcessesOfTheirOwnGetAsMuchWarmUpAsTheSharedOnes() {
        List<RealCluster.Child> shared = new java.util.ArrayList<>();
        List<RealCluster.Child> own = new java.util.ArrayList<>();
        InetSocketAddress a = new InetSocketAddress("127.0.0.1", 1);
        Map<Route, RealBench.Target> t = new java.util.EnumMap<>(Route.class);
        t.put(Route.KERNEL, new RealBench.Target(Route.KERNEL, a, null, shared));
        t.put(Route.DISPATCH, new RealBench.Target(Route.DISPATCH, a, null, shared));
        t.put(Route.HANDOFF, new RealBench.Target(Route.HANDOFF, a, null, own));
        t.put(Route.HAPROXY, new RealBench.Target(Route.HAPROXY, a, null, shared));
        assertThat(RealBench.warmupOf(Route.KERNEL, t, 1000)).isEqualTo(1000);
        assertThat(RealBench.warmupOf(Route.HAPROXY, t, 1000)).isEqualTo(1000);
        assertThat(RealBench.warmupOf(Route.HANDOFF, t, 1000)).as("three paths on the shared workers").isEqualTo(3000);
        t.remove(Route.HAPROXY);
        assertThat(RealBench.warmupOf(Route.HANDOFF, t, 1000)).isEqualTo(2000);
        t.put(Route.HANDOFF, new RealBench.Target(Route.HANDOFF, a, null, shared)); // hand-off alone: the baseline's workers
        t.remove(Route.DISPATCH);
        assertThat(RealBench.warmupOf(Route.HANDOFF, t, 1000)).isEqualTo(1000);
    }

    @Test
    void writeReplacesOnlyItsOwnSection(@TempDir Path dir) throws Exception {
        Path doc = dir.resolve("b.md");
        String handoff = RealBench.heading(List.of(Route.HANDOFF));
        String every = RealBench.heading(RealBench.DEFAULT_PATHS);
        assertThat(every).isEqualTo("## Real processes: kernel dispatch, hand-off and HAProxy vs the kernel's SO_REUSEPORT");
        Files.writeString(doc, "# T\n\n" + handoff + "\n\nold hand-off\n\n## Reading\n\nkept\n");
        RealBench.writeSection(doc, every + "\n\nfirst\n", every);
        RealBench.writeSection(doc, every + "\n\nsecond\n", every);
        assertThat(Files.readString(doc)).isEqualTo("# T\n\n" + handoff + "\n\nold hand-off\n\n## Reading\n\nkept\n\n"
                + every + "\n\nsecond\n");
        RealBench.writeSection(doc, handoff + "\n\nnew hand-off\n", handoff);
        assertThat(Files.readString(doc)).isEqualTo("# T\n\n" + handoff + "\n\nnew hand-off\n\n## Reading\n\nkept\n\n"
                + every + "\n\nsecond\n");
    }

    @Test
    void badPathsAreUsageErrors() {
        CommandRun unknown = CommandRun.of("bench", "--real", "--paths", "kernel-dispatch,nginx");
        assertThat(unknown.exitCode()).as("%s", unknown).isEqualTo(Main.USAGE);
        assertThat(unknown.err()).contains("--paths: unknown path 'nginx' (expected kernel-dispatch, handoff or haproxy)");
        CommandRun twice = CommandRun.of("bench", "--real", "--paths", "handoff,handoff");
        assertThat(twice.exitCode()).as("%s", twice).isEqualTo(Main.USAGE);
        assertThat(twice.err()).contains("--paths: 'handoff' is given twice");
        CommandRun both = CommandRun.of("bench", "--real", "--dispatch", "kernel", "--paths", "handoff");
        assertThat(both.exitCode()).as("%s", both).isEqualTo(Main.USAGE);
        assertThat(both.err()).contains("--dispatch and --paths do not go together: --dispatch kernel is --paths kernel-dispatch");
    }

    /** A real run of every path, small: the written section has each path's ratio line and row, and no failure. */
    @Test
    void everyPathIsMeasuredInOneRunAndWritten(@TempDir Path dir) throws Exception {
        Path doc = dir.resolve("benchmarks-real.md");
        Files.writeString(doc, "# Benchmarks with real processes\n\n## Reading the figures\n\nkept as is\n");
        Haproxy.Found haproxy = Haproxy.find(System.getenv());
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        RealBench.Settings s = new RealBench.Settings(60, 4, 2, 20, 1, "roundrobin", RealBench.DEFAULT_PATHS, "test");
        int code;
        try (PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8)) {
            code = RealBench.run(out, s, doc, haproxy, null);
        }
        String printed = bytes.toString(StandardCharsets.UTF_8);
        assertThat(code).as(printed).isZero();
        String text = Files.readString(doc);
        assertThat(text).as(text).startsWith("# Benchmarks with real processes\n\n## Reading the figures\n\nkept as is\n")
                .contains(RealBench.heading(RealBench.DEFAULT_PATHS) + "\n")
                .contains("- **kernel dispatch**: a daemon with `--dispatch kernel`")
                .doesNotContain("kept the group on the hand-off path");
        assertRatioAndRow(text, "Kernel dispatch path / kernel", Route.DISPATCH.row, 120);
        assertRatioAndRow(text, "Hand-off path / kernel", Route.HANDOFF.row, 120);
        if (haproxy.available()) {
            assertRatioAndRow(text, "HAProxy path / kernel", Route.HAPROXY.row, 120);
            assertThat(text).contains("- **HAProxy**: HAProxy ");
        } else {
            assertThat(printed).contains(Haproxy.skipLine(haproxy.whyNot()));
            assertThat(text).contains("- " + Haproxy.skipLine(haproxy.whyNot())).doesNotContain("HAProxy path / kernel");
        }
        assertThat(text).containsPattern("\\| kernel SO_REUSEPORT \\| 120 \\| \\d+ \\|");
        for (String key : List.of("kernel", "kernel-dispatch", "handoff")) {
            for (int round = 1; round <= 2; round++) {
                assertThat(printed).containsPattern("run 1 round " + round + " " + Pattern.quote(key) + " +\\d+ conn/s .* failed 0\n");
            }
        }
    }

    /** Without HAProxy, or where kernel dispatch cannot run, the bench says so in one line each and measures the rest. */
    @Test
    void aPathThatCannotRunIsSkippedWithOneLine(@TempDir Path dir) throws Exception {
        Haproxy.Found none = Haproxy.find(Map.of(Haproxy.ENV, dir.resolve("no-haproxy").toString()));
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        RealBench.Settings s = new RealBench.Settings(30, 4, 1, 0, 1, "roundrobin", RealBench.DEFAULT_PATHS, "test");
        int code;
        try (PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8)) {
            code = RealBench.run(out, s, null, none, "NOT_PERMITTED: (the probe's reason)");
        }
        String printed = bytes.toString(StandardCharsets.UTF_8);
        assertThat(code).as(printed).isZero();
        String skip = "HAProxy path skipped: " + Haproxy.ENV + "=" + dir.resolve("no-haproxy") + " is not an executable file";
        String kernel = "Kernel dispatch path skipped: NOT_PERMITTED: (the probe's reason)";
        assertThat(printed.lines().filter(l -> l.startsWith(skip)).count()).as(printed).isEqualTo(1);
        assertThat(printed.lines().filter(l -> l.equals(kernel)).count()).as(printed).isEqualTo(1);
        assertThat(printed).contains("Hand-off path / kernel: **").doesNotContain("HAProxy path / kernel")
                .doesNotContain("Kernel dispatch path / kernel").contains("- " + skip).contains("- " + kernel + ".")
                .containsPattern("run 1 round 1 handoff .* failed 0\n")
                .contains("the same worker processes as the baseline");
        // nothing at all to measure is an error naming both
        RealBench.Settings neither = new RealBench.Settings(30, 4, 1, 0, 1, "roundrobin",
                List.of(Route.DISPATCH, Route.HAPROXY), "test");
        assertThatThrownBy(() -> RealBench.run(new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8),
                neither, null, none, "NOT_PERMITTED: x")).isInstanceOf(java.io.IOException.class)
                .hasMessageContaining("nothing to measure: Kernel dispatch path skipped: NOT_PERMITTED: x; HAProxy path skipped");
    }

    private static void assertRatioAndRow(String text, String ratio, String row, int connections) {
        Matcher m = Pattern.compile(Pattern.quote(ratio) + ": \\*\\*(\\d+\\.\\d\\d)×\\*\\* the rate, (\\d+\\.\\d\\d×|n/a) the server CPU")
                .matcher(text);
        assertThat(m.find()).as("a line '%s: **N×** the rate, M× the server CPU' in:\n%s", ratio, text).isTrue();
        assertThat(Double.parseDouble(m.group(1))).as("%s rate ratio", ratio).isPositive();
        assertThat(text).as("the row of %s with its %d connections", row, connections)
                .contains("| " + row + " | " + connections + " | ");
    }
}
