package dev.hoststack.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hoststack.client.sample.AnswerWorker;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The mistakes a newcomer makes on the command line: each gets one line on standard error that
 * names what to fix, and the documented exit code (2 for usage errors, 4 for no daemon), with
 * nothing started and no stack trace.
 */
class CommandLineErrorsTest {

    @TempDir
    Path dir;

    /** Asserts a usage error: exit 2, nothing on standard output, one line on standard error holding every fragment. */
    private static void usageError(CommandRun r, String command, String... fragments) {
        assertThat(r.exitCode()).as("exit code (2: usage error) of\n%s", r).isEqualTo(2);
        assertThat(r.out()).as("standard output of\n%s", r).isEmpty();
        assertThat(r.errLines()).as("one line on standard error:\n%s", r).hasSize(1);
        String line = r.errLines().get(0);
        assertThat(line).as("the line names the command").startsWith(command + ": ");
        assertThat(line).as("no exception class names").doesNotContain("Exception").doesNotContain("\tat ");
        for (String f : fragments) {
            assertThat(line).as("the line names what to fix").contains(f);
        }
    }

    // ---------------------------------------------------------------- the command itself

    @Test
    void noCommandPrintsTheUsageOnStandardErrorAndExits2() throws Exception {
        CommandRun r = CommandRun.process(Duration.ofSeconds(60));
        assertThat(r.exitCode()).as("a real process's exit code:\n%s", r).isEqualTo(2);
        assertThat(r.out()).isEmpty();
        assertThat(r.err()).contains("Usage: hoststack [-hV] [--plugins=DIR|JAR]... COMMAND").contains("Commands:").contains("Exit codes:");
    }

    @Test
    void anUnknownCommandNamesTheCommandsAndTheLikelyOne() {
        usageError(CommandRun.of("dmeo"), "hoststack", "unknown command 'dmeo'", "did you mean demo",
                "demo, run, replay, daemon, worker, serve, status, bench");
    }

    @Test
    void anUnknownOptionAndAMissingOneAreOneLineEach() {
        usageError(CommandRun.of("daemon", "--control", dir.toString(), "--bogus"), "hoststack daemon",
                "unknown option '--bogus'", "see 'hoststack daemon --help'");
        usageError(CommandRun.of("daemon"), "hoststack daemon", "--control=DIR");
        usageError(CommandRun.of("daemon", "--contrl", dir.toString()), "hoststack daemon",
                "unknown option '--contrl' (did you mean --control?)");
        usageError(CommandRun.of("worker", "--control", dir.toString(), "--app", "a"), "hoststack worker", "--listen");
    }

    @Test
    void aValueOfTheWrongTypeIsOneLine() {
        usageError(CommandRun.of("run", "--threads", "notanumber", "x.scn"), "hoststack run", "--threads", "'notanumber'");
    }

    @picocli.CommandLine.Command(name = "boom")
    static final class Boom implements java.util.concurrent.Callable<Integer> {
        @Override
        public Integer call() {
            throw new IllegalStateException("something nobody expected\nsecond line");
        }
    }

    @Test
    void anExceptionNobodyExpectedIsOneLineWithExit1() {
        picocli.CommandLine cl = Main.commandLine();
        cl.addSubcommand("boom", new Boom());
        java.io.StringWriter err = new java.io.StringWriter();
        cl.setErr(new java.io.PrintWriter(err, true));
        int code = cl.execute("boom");
        assertThat(code).isEqualTo(1);
        assertThat(err.toString()).isEqualTo("hoststack boom: unexpected error: IllegalStateException: something nobody"
                + " expected (this is a bug; HOSTSTACK_STACKTRACE=1 prints its stack trace)" + System.lineSeparator());
    }

    // ---------------------------------------------------------------- daemon

    @Test
    void daemonWithAnUnknownSelectorIsAUsageErrorListingTheKnownOnes() throws Exception {
        // a real process: before, a 189-line Guice CreationException and exit 1
        CommandRun r = CommandRun.process(Duration.ofSeconds(60), "daemon", "--control", dir.resolve("c").toString(),
                "--selector", "fancy");
        usageError(r, "hoststack daemon", "'fancy'", "known: hash, incoming, least, maglev, p2c, roundrobin, weighted");
        assertThat(dir.resolve("c")).as("nothing started: no control directory made").doesNotExist();
    }

    @Test
    void daemonNamespacesAreCheckedBeforeAnythingStarts() {
        String c = dir.resolve("c").toString();
        usageError(CommandRun.of("daemon", "--control", c, "--namespace", "blue:42:70000"), "hoststack daemon",
                "namespace 'blue'", "FIB 70000 is not in 0..65535");
        usageError(CommandRun.of("daemon", "--control", c, "--namespace", "blue:42"), "hoststack daemon",
                "expected NAME:SECRET:FIB");
        usageError(CommandRun.of("daemon", "--control", c, "--namespace", "blue:x:1"), "hoststack daemon",
                "SECRET 'x'");
        usageError(CommandRun.of("daemon", "--control", c, "--namespace", "default:1:0"), "hoststack daemon",
                "'default' always exists");
        usageError(CommandRun.of("daemon", "--control", c, "--namespace", "a:1:1", "--namespace", "a:2:2"),
                "hoststack daemon", "namespace 'a' is given twice");
        assertThat(dir.resolve("c")).doesNotExist();
    }

    @Test
    void daemonSocketModeIsOctalPermissionBits() {
        String c = dir.resolve("c").toString();
        usageError(CommandRun.of("daemon", "--control", c, "--socket-mode", "999"), "hoststack daemon",
                "--socket-mode", "'999' is not permission bits in octal, 0 to 0777");
        usageError(CommandRun.of("daemon", "--control", c, "--socket-mode", "1777"), "hoststack daemon", "'1777'");
        usageError(CommandRun.of("daemon", "--control", c, "--max-window", "0"), "hoststack daemon",
                "--max-window must be in 1..200, not 0");
        usageError(CommandRun.of("daemon", "--control", c, "--backlog", "0"), "hoststack daemon",
                "--backlog must be at least 1, not 0");
    }

    @Test
    void theHashSecretTakesWhatScenariosTake() {
        // parsed only: the daemon would run until a signal
        for (String[] given : List.of(new String[] {"0x5eed", "24301"}, new String[] {"4294967295", "-1"},
                new String[] {"-2147483648", "-2147483648"}, new String[] {"0xFFFFFFFF", "-1"}, new String[] {"7", "7"})) {
            DaemonCommand d = new DaemonCommand();
            new picocli.CommandLine(d).parseArgs("--control", dir.toString(), "--hash-secret", given[0]);
            assertThat(d.hashSecret).as("--hash-secret %s", given[0]).isEqualTo(Integer.parseInt(given[1]));
        }
        usageError(CommandRun.of("daemon", "--control", dir.toString(), "--hash-secret", "4294967296"),
                "hoststack daemon", "'4294967296' is not a 32-bit number");
        usageError(CommandRun.of("daemon", "--control", dir.toString(), "--hash-secret", "0x100000000"),
                "hoststack daemon", "'0x100000000' is not a 32-bit number");
        // and the demo runs with a hex one
        CommandRun demo = CommandRun.of("demo", "--hash-secret", "0x5eed", "--connections", "12", "--no-kernel");
        assertThat(demo.exitCode()).as("%s", demo).isZero();
        assertThat(demo.out()).contains("(same)");
    }

    @Test
    void theControlSocketGivenForItsDirectoryNamesTheDirectory() throws IOException {
        Path socket = dir.resolve("hoststack.sock");
        try (ServerSocketChannel s = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            s.bind(UnixDomainSocketAddress.of(socket));
            for (String command : List.of("daemon", "worker")) {
                CommandRun r = command.equals("daemon") ? CommandRun.of("daemon", "--control", socket.toString())
                        : CommandRun.of("worker", "--control", socket.toString(), "--app", "a", "--listen", "tcp://127.0.0.1/0");
                usageError(r, "hoststack " + command, "--control takes the daemon's control directory, not its socket",
                        "--control " + dir);
            }
        }
        Path file = Files.writeString(dir.resolve("notes.txt"), "x");
        usageError(CommandRun.of("daemon", "--control", file.toString()), "hoststack daemon", "is a file, not a directory");
    }

    @Test
    void aControlDirectoryThatCannotBeMadeIsOneLineAndExit1() throws IOException {
        Path file = Files.writeString(dir.resolve("notes.txt"), "x");
        Path under = file.resolve("control");
        CommandRun r = CommandRun.of("daemon", "--control", under.toString());
        assertThat(r.exitCode()).as("%s", r).isEqualTo(1);
        assertThat(r.errLines()).singleElement().asString()
                .isEqualTo("hoststack daemon: cannot make or use the control directory: " + file
                        + ": exists and is not a directory");
    }

    // ---------------------------------------------------------------- worker

    @Test
    void workerCountsAndWindowsArePositive() {
        String[] base = {"worker", "--control", dir.toString(), "--app", "a", "--listen", "tcp://127.0.0.1/0"};
        for (String window : List.of("0", "-1")) {
            usageError(CommandRun.of(concat(base, "--window", window)), "hoststack worker",
                    "--window must be at least 1, not " + window);
        }
        CommandRun workers = CommandRun.of(concat(base, "--workers", "0"));
        usageError(workers, "hoststack worker", "--workers must be at least 1, not 0");
        assertThat(workers.err()).as("no hand-written usage listing test-only options").doesNotContain("--stall-after")
                .doesNotContain("usage:");
        usageError(CommandRun.of(concat(base, "--reconnect-attempts", "0")), "hoststack worker", "--reconnect-attempts");
        usageError(CommandRun.of(concat(base, "--reconnect-max-delay", "-5")), "hoststack worker", "--reconnect-max-delay");
        usageError(CommandRun.of(concat(base, "--secret", "0xfoo")), "hoststack worker", "'0xfoo' is not a 64-bit number");
    }

    @Test
    void workerSelectorNeedsReuseportAsInScenarios() {
        usageError(CommandRun.of("worker", "--control", dir.toString(), "--app", "a", "--listen", "tcp://127.0.0.1/0",
                "--selector", "hash"), "hoststack worker", "--selector needs --reuseport");
    }

    @Test
    void workerWeightsAreOneTo256AndNeedReuseport() {
        String[] base = {"worker", "--control", dir.toString(), "--app", "a", "--listen", "tcp://127.0.0.1/0"};
        usageError(CommandRun.of(concat(base, "--weight", "3")), "hoststack worker", "--weight needs --reuseport");
        for (String weight : List.of("0", "-1", "257")) {
            usageError(CommandRun.of(concat(base, "--reuseport", "--weight", weight)), "hoststack worker", "--weight",
                    weight);
        }
        usageError(CommandRun.of(concat(base, "--reuseport", "--weight", "heavy")), "hoststack worker", "--weight",
                "heavy");
    }

    @Test
    void workerUrisAreCheckedBeforeAttaching() {
        usageError(CommandRun.of("worker", "--control", dir.toString(), "--app", "a", "--listen", "tcp://127.0.0.1:80"),
                "hoststack worker", "--listen", "expected proto://address/port");
        usageError(CommandRun.of("worker", "--control", dir.toString(), "--app", "a", "--listen", "udp://127.0.0.1/80"),
                "hoststack worker", "the daemon serves TCP only");
        usageError(CommandRun.of("worker", "--control", dir.toString(), "--app", "a", "--listen", "tcp://127.0.0.1/0",
                "--kernel", "tcp://localhost/0"), "hoststack worker", "--kernel");
    }

    @Test
    void workerWithNoDaemonSaysHowToStartOneAndExits4() throws IOException {
        String[] args = {"--app", "a", "--listen", "tcp://127.0.0.1/0"};
        Path missing = dir.resolve("missing");
        CommandRun r = CommandRun.of(concat(new String[] {"worker", "--control", missing.toString()}, args));
        assertThat(r.exitCode()).as("%s", r).isEqualTo(4);
        assertThat(r.errLines()).containsExactly("hoststack worker: no daemon runs on " + missing
                + ": the directory does not exist (start one: hoststack daemon --control " + missing + ")");

        r = CommandRun.of(concat(new String[] {"worker", "--control", dir.toString()}, args));
        assertThat(r.exitCode()).as("%s", r).isEqualTo(4);
        assertThat(r.errLines()).singleElement().asString().contains("there is no " + dir.resolve("hoststack.sock"));

        // a socket file nobody listens on (a daemon killed with SIGKILL leaves one)
        try (ServerSocketChannel s = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            s.bind(UnixDomainSocketAddress.of(dir.resolve("hoststack.sock")));
        }
        r = CommandRun.of(concat(new String[] {"worker", "--control", dir.toString()}, args));
        assertThat(r.exitCode()).as("%s", r).isEqualTo(4);
        assertThat(r.errLines()).singleElement().asString().contains("no daemon answers on " + dir.resolve("hoststack.sock"))
                .contains("start one: hoststack daemon --control " + dir);
        assertThat(r.out()).isEmpty();
    }

    @Test
    void theWorkerProgramItselfExits4NotThreeWhenNoDaemonAnswers() throws IOException {
        // the race the command's own check cannot close: the daemon goes between the check and the attach
        try (ServerSocketChannel s = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            s.bind(UnixDomainSocketAddress.of(dir.resolve("hoststack.sock")));
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = AnswerWorker.run(new String[] {"--control", dir.toString(), "--app", "a", "--listen", "tcp://127.0.0.1/0"},
                new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
        assertThat(code).as("exit code for UNREACHABLE (3 is for the daemon refusing)").isEqualTo(4);
        assertThat(out.toString(StandardCharsets.UTF_8)).startsWith("error UNREACHABLE ");
    }

    // ---------------------------------------------------------------- demo and bench

    @Test
    void demoOptionsThatDoNotGoTogetherAreUsageErrorsAndStartNothing() {
        usageError(CommandRun.of("demo", "--real", "--selector", "fancy"), "hoststack demo", "no selector named 'fancy'",
                "known: hash, incoming, least, maglev, p2c, roundrobin, weighted");
        usageError(CommandRun.of("demo", "--selector", "hash"), "hoststack demo", "--selector applies to --real only");
        usageError(CommandRun.of("demo", "--real", "--no-kernel"), "hoststack demo", "--no-kernel");
        usageError(CommandRun.of("demo", "--connections", "5"), "hoststack demo", "--connections must be at least 12, not 5");
        usageError(CommandRun.of("demo", "--hash-secret", "0xzz"), "hoststack demo", "'0xzz' is not a 32-bit number");
    }

    @Test
    void benchChecksItsOutputFileBeforeTheRun() throws IOException {
        long start = System.nanoTime();
        CommandRun r = CommandRun.of("bench", "--real", "--write", "/nonexistent/dir/x.md");
        usageError(r, "hoststack bench", "--write /nonexistent/dir/x.md", "the directory /nonexistent/dir does not exist");
        assertThat((System.nanoTime() - start) / 1e9).as("seconds: refused before any process started").isLessThan(5);
        usageError(CommandRun.of("bench", "--real", "--write", dir.toString()), "hoststack bench", "is a directory");
        usageError(CommandRun.of("bench"), "hoststack bench", "give --real");
        usageError(CommandRun.of("bench", "--real", "--rounds", "0"), "hoststack bench", "--rounds must be at least 1");
        usageError(CommandRun.of("bench", "--real", "--runs", "0"), "hoststack bench", "--runs must be at least 1");
    }

    // ---------------------------------------------------------------- run and replay

    @Test
    void runAndReplayNameTheFileAndWhy() throws IOException {
        Path missing = dir.resolve("missing.scn");
        CommandRun r = CommandRun.of("run", missing.toString());
        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.errLines()).containsExactly("hoststack run: " + missing + ": no such file");

        Path setup = Files.writeString(dir.resolve("setup.scn"), "app attach a\nlisten a 0 tcp://127.0.0.1/40101\n");
        r = CommandRun.of("replay", missing.toString(), "--setup", setup.toString());
        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.errLines()).containsExactly("hoststack replay: " + missing + ": no such file");

        r = CommandRun.of("replay", dir.toString(), "--setup", setup.toString());
        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.errLines()).containsExactly("hoststack replay: " + dir + ": is a directory, not a capture file");

        r = CommandRun.of("replay", setup.toString(), "--setup", missing.toString());
        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.errLines()).containsExactly("hoststack replay: " + missing + ": no such file");

        usageError(CommandRun.of("replay", setup.toString(), "--setup", setup.toString(), "--threads", "0"),
                "hoststack replay", "--threads must be in 1..1024, not 0");
        usageError(CommandRun.of("replay", setup.toString(), "--setup", setup.toString(), "--rss-secret", "x"),
                "hoststack replay", "--rss-secret");
    }

    @Test
    void aReplayWithTheWrongSetupSaysWhereTheSynsWentAndWhereItListens() {
        Path capture = Path.of("..", "pcap", "src", "test", "resources", "captures", "lo-ipv4-ethernet.pcap");
        CommandRun r = CommandRun.of("replay", capture.toString(), "--setup", Path.of("..", "docs", "scenarios", "seed.scn")
                .toString());
        assertThat(r.exitCode()).as("%s", r).isZero();
        assertThat(r.out()).contains("0 SYNs dispatched")
                .contains("40 SYNs found no listener: sent to tcp://127.0.0.1/40101 (40); the set-up listens on"
                        + " tcp://10.0.0.100/80.")
                .contains("docs/scenarios/replay-40101.scn");
        CommandRun json = CommandRun.of("replay", "--json", capture.toString(), "--setup",
                Path.of("..", "docs", "scenarios", "seed.scn").toString());
        assertThat(json.out()).contains("\"synsToNoListener\":{\"tcp://127.0.0.1/40101\":40}");
        CommandRun right = CommandRun.of("replay", capture.toString(), "--setup",
                Path.of("..", "docs", "scenarios", "replay-40101.scn").toString());
        assertThat(right.out()).contains("40 SYNs dispatched").doesNotContain("found no listener");
    }

    // ---------------------------------------------------------------- the Python example

    @Test
    void thePythonWorkerWithNoDaemonPrintsOneLineAndExits4() throws Exception {
        Path script = Path.of("..", "examples", "python", "hoststack_worker.py");
        Path missing = dir.resolve("missing");
        CommandRun r = CommandRun.run(List.of("python3", script.toString(), "--control", missing.toString(), "--app", "py",
                "--listen", "tcp://127.0.0.1/0"), Duration.ofSeconds(30));
        assertThat(r.exitCode()).as("%s", r).isEqualTo(4);
        assertThat(r.out()).isEmpty();
        assertThat(r.errLines()).containsExactly("hoststack_worker.py: no daemon runs on " + missing
                + ": the directory does not exist (start one: ./hoststack daemon --control " + missing + ")");

        try (ServerSocketChannel s = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            s.bind(UnixDomainSocketAddress.of(dir.resolve("hoststack.sock")));
        }
        r = CommandRun.run(List.of("python3", script.toString(), "--control", dir.toString(), "--app", "py",
                "--listen", "tcp://127.0.0.1/0"), Duration.ofSeconds(30));
        assertThat(r.exitCode()).as("%s", r).isEqualTo(4);
        assertThat(r.errLines()).singleElement().asString().contains("no daemon answers on " + dir.resolve("hoststack.sock"))
                .doesNotContain("Traceback");
    }

    private static String[] concat(String[] a, String... b) {
        String[] c = new String[a.length + b.length];
        System.arraycopy(a, 0, c, 0, a.length);
        System.arraycopy(b, 0, c, a.length, b.length);
        return c;
    }
}
