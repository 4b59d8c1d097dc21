package dev.hoststack.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Selector plug-ins through the command line as a user gives them ({@code --plugins DIR|JAR}
 * before the command, {@code HOSTSTACK_PLUGINS}): they reach {@code selectors}, {@code run},
 * {@code demo} (and through it a daemon process); bad ones stop the command with one line and
 * exit 2; a selector that fails at run time is refused or counted, never a crash. The jars are
 * compiled here ({@link PluginJars}), so their classes are nowhere else.
 */
class PluginsTest {

    @TempDir
    static Path dir;

    /** {@code first}: always the first slot (app1-w0 in the seed's layout). */
    static Path first;

    @BeforeAll
    static void jars() throws IOException {
        first = PluginJars.one(Files.createDirectories(dir.resolve("good")), "first", "return 0;", "", "");
    }

    private static Path scenario(String name, String... lines) throws IOException {
        Path f = dir.resolve(name);
        Files.write(f, List.of(lines));
        return f;
    }

    private static void usageError(CommandRun r, String... parts) {
        assertThat(r.exitCode()).as("exit code of %s", r).isEqualTo(Main.USAGE);
        assertThat(r.errLines()).as("standard error of %s: one line", r).hasSize(1);
        assertThat(r.errLines().get(0)).startsWith("hoststack: ").contains(parts);
        assertThat(r.out()).as("nothing ran").isEmpty();
    }

    @Test
    void selectorsListsBuiltInsAndThePlugInWithItsJar() {
        CommandRun r = CommandRun.of("--plugins", first.toString(), "selectors");
        assertThat(r.exitCode()).as("%s", r).isZero();
        assertThat(r.out()).contains("8 selectors").containsPattern("(?m)^  first +\\Q" + first.toAbsolutePath() + "\\E$")
                .contains("a test plug-in named first").containsPattern("(?m)^  roundrobin +built in$")
                .containsPattern("(?m)^  maglev +built in$");
        CommandRun json = CommandRun.of("--plugins", first.getParent().toString(), "selectors", "--json");
        assertThat(json.out()).as("a directory loads its jars").contains("{\"name\":\"first\",\"origin\":\"" + first.toAbsolutePath());
        assertThat(CommandRun.of("selectors").out()).as("without --plugins").contains("7 selectors").doesNotContain("first");
    }

    @Test
    void aScenarioUsesThePlugInsSelectorByNameAndAnUnknownNameListsTheKnownOnes() throws IOException {
        Path s = scenario("first.scn", "app attach a", "app attach b", "worker add b",
                "listen a 0 tcp://10.0.0.1/80 reuseport selector first", "listen b 0 tcp://10.0.0.1/80 reuseport",
                "listen b 1 tcp://10.0.0.1/80 reuseport", "syn 198.18.0.1:1000 10.0.0.1:80", "syn 198.18.0.2:1000 10.0.0.1:80",
                "listen b 0 tcp://10.0.0.1/81 reuseport selector nope");
        CommandRun r = CommandRun.of("--plugins", first.toString(), "run", s.toString());
        assertThat(r.exitCode()).as("%s", r).isZero();
        assertThat(r.out()).contains("line 7: dispatch 198.18.0.1:1000 -> a-w0").contains("line 8: dispatch 198.18.0.2:1000 -> a-w0")
                .contains("error UNKNOWN_SELECTOR: no reuseport selector named 'nope' (known: first, hash, incoming, least,"
                        + " maglev, p2c, roundrobin, weighted)");
        CommandRun without = CommandRun.of("run", s.toString());
        assertThat(without.out()).as("without the plug-in").contains("no reuseport selector named 'first'");
    }

    @Test
    void theDemoShowsThePlugInsColumn() {
        CommandRun r = CommandRun.of("--plugins", first.toString(), "demo", "--connections", "60", "--no-kernel");
        assertThat(r.exitCode()).as("%s", r).isZero();
        assertThat(r.out()).contains("first (a test plug-in named first [" + first.toAbsolutePath() + "]): the first 12 dispatches")
                .containsPattern("(?m)^ +roundrobin +hash +first +incoming +least +maglev +p2c +weighted$")
                .containsPattern("(?m)^  app1 +33\\.3 %.* 100\\.0 %");
    }

    @Test
    void badPlugInsStopTheCommandWithOneLine() throws IOException {
        Path text = dir.resolve("notes.jar");
        Files.writeString(text, "not a zip");
        usageError(CommandRun.of("--plugins", text.toString(), "selectors"), "--plugins " + text, "not a jar");
        usageError(CommandRun.of("--plugins", dir.resolve("missing.jar").toString(), "demo"), "no such file or directory");
        Path empty = Files.createDirectories(dir.resolve("empty"));
        usageError(CommandRun.of("--plugins", empty.toString(), "run", "x.scn"), "the directory holds no .jar file");
        Path bare = PluginJars.jar(dir, "bare.jar", Map.of("plugin.bare.Provider",
                PluginJars.provider("bare", "return 0;", "", "")), null);
        usageError(CommandRun.of("--plugins", bare.toString(), "selectors"), "the jar has no META-INF/services/"
                + "dev.hoststack.api.spi.ReuseportSelectorProvider");
        Path dup = PluginJars.one(dir, "hash", "return 0;", "", "");
        usageError(CommandRun.of("--plugins", dup.toString(), "selectors"), "two selectors are named 'hash'",
                "dev.hoststack.selector.hash.HashSelectorProvider (built in)", "plugin.hash.Provider (" + dup.toAbsolutePath(),
                "remove one jar or rename one");
        assertThat(CommandRun.of("--plugins", first.toString(), "--plugins", first.getParent().toString(), "selectors")
                .exitCode()).as("one jar named twice is loaded once").isZero();
        Path throwing = PluginJars.one(dir, "boom", "return 0;", "throw new IllegalStateException(\"no config file\");", "");
        usageError(CommandRun.of("--plugins", throwing.toString(), "selectors"), "a selector provider could not be loaded",
                "listed in " + throwing.toAbsolutePath(), "plugin.boom.Provider", "IllegalStateException: no config file");
        Path upper = PluginJars.one(dir, "Fancy", "return 0;", "", "");
        usageError(CommandRun.of("--plugins", upper.toString(), "selectors"), "is named 'Fancy'", "lower-case");
        Path listedOnly = PluginJars.jar(dir, "ghost.jar", Map.of("plugin.ghost.Other",
                "package plugin.ghost; public class Other {}"), List.of("plugin.ghost.Missing"));
        usageError(CommandRun.of("--plugins", listedOnly.toString(), "selectors"), "could not be loaded", "plugin.ghost.Missing");
    }

    @Test
    void aProviderThatThrowsAtCreateIsARefusedListenAndASelectorThatThrowsIsCounted() throws IOException {
        Path broken = PluginJars.one(dir, "broken", "return 0;", "", "if (context.groupIndex() >= 0) throw new"
                + " UnsupportedOperationException(\"not today\");");
        Path flaky = PluginJars.one(dir, "flaky", "if (flow.remotePort() % 2 == 0) throw new IllegalStateException(\"odd\");"
                + " return group.workerCount() - 1;", "", "");
        Path s = scenario("throws.scn", "app attach a", "worker add a",
                "listen a 0 tcp://10.0.0.1/80 reuseport selector broken",
                "listen a 0 tcp://10.0.0.1/81 reuseport selector flaky", "listen a 1 tcp://10.0.0.1/81 reuseport",
                "syn 198.18.0.1:1001 10.0.0.1:81", "syn 198.18.0.1:1002 10.0.0.1:81", "syn 198.18.0.1:1003 10.0.0.1:81",
                "syn 198.18.0.1:1004 10.0.0.1:81", "show groups");
        CommandRun r = CommandRun.of("--plugins", broken.toString(), "--plugins", flaky.toString(), "run", "--json", s.toString());
        assertThat(r.exitCode()).as("%s", r).isZero();
        assertThat(r.out()).contains("\"code\":\"SELECTOR_FAILED\"").contains("selector 'broken' (plugin.broken.Provider)"
                + " failed to create a selector: java.lang.UnsupportedOperationException: not today");
        assertThat(r.out().lines().filter(l -> l.contains("\"event\":\"dispatch\""))).as("every SYN dispatched").hasSize(4);
        assertThat(r.out()).as("the odd ports to its answer, the even ones by the kernel hash, counted")
                .contains("\"selections\":4,\"fallbacks\":2,\"selectorErrors\":2");
    }

    @Test
    void theEnvironmentVariableLoadsPlugInsAndTheyReachADaemonProcess() throws Exception {
        List<String> command = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElse("java"), "-cp",
                System.getProperty("java.class.path"), Main.class.getName(), "selectors"));
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
        pb.environment().put(Plugins.ENV, "/nonexistent-first:" + first);
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes());
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(out).isEqualTo(Main.USAGE);
        assertThat(out).contains("HOSTSTACK_PLUGINS entry '/nonexistent-first': no such file or directory");
        pb.environment().put(Plugins.ENV, first.toString());
        p = pb.start();
        out = new String(p.getInputStream().readAllBytes());
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(out).as("selectors with %s=%s", Plugins.ENV, first).contains("  first ").contains("8 selectors");

        // demo --real starts a daemon process with the plug-in's selector: it reaches it through --plugins
        CommandRun real = CommandRun.process(Duration.ofSeconds(120), "--plugins", first.toString(), "demo", "--real",
                "--selector", "first", "--connections", "12");
        assertThat(real.exitCode()).as("%s", real).isZero();
        assertThat(real.out()).contains("daemon (first): the first 12 connections were answered by")
                .contains("app1-w0, app1-w0, app1-w0, app1-w0, app1-w0, app1-w0, app1-w0, app1-w0, app1-w0, app1-w0, app1-w0, app1-w0");

        // bench --real too: its daemon process runs the plug-in's selector, the report names it and how to get it
        // (--warmup 0 once waited ten minutes for a phase of no connections)
        CommandRun bench = CommandRun.process(Duration.ofSeconds(120), "--plugins", first.toString(), "bench", "--real",
                "--selector", "first", "--connections", "24", "--concurrency", "4", "--rounds", "1", "--warmup", "0",
                "--paths", "handoff");
        assertThat(bench.exitCode()).as("%s", bench).isZero();
        assertThat(bench.out()).contains("daemon selector first")
                .contains("a daemon with `--dispatch handoff` (one group, `first`)")
                .contains("Command: `./hoststack --plugins " + first + " bench --real --connections 24")
                .contains("--paths handoff`")
                .containsPattern("run 1 round 1 handoff .* failed 0\n")
                .containsPattern("run 1 round 1 kernel .* failed 0\n");
    }
}
