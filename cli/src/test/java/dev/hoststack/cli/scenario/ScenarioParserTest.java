package dev.hoststack.cli.scenario;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.junit.jupiter.params.provider.Arguments.arguments;

import dev.hoststack.api.Endpoint;
import dev.hoststack.api.Ip;
import dev.hoststack.api.Scope;
import dev.hoststack.cli.RunCommand;
import dev.hoststack.cli.scenario.Step.SegmentKind;
import dev.hoststack.cli.scenario.Step.ShowWhat;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The scenario parser: every command and option to its {@link Step}, every error to a
 * {@link ScenarioSyntaxException} naming the file, the line and what was expected, comments and
 * blank lines, and that nothing runs when any line is bad.
 */
class ScenarioParserTest {

    private static final String FILE = "test.scn";

    private static List<Step> parse(String... lines) throws ScenarioSyntaxException {
        return ScenarioParser.parse(FILE, List.of(lines));
    }

    private static Endpoint uri(String uri) {
        return Endpoint.parseUri(uri);
    }

    private static InetSocketAddress at(String hostPort) {
        return Ip.parseHostPort(hostPort);
    }

    // ================================================================ every command and option

    static Stream<Arguments> commands() {
        return Stream.of(
                arguments("threads 4", new Step.Threads(1, 4)),
                arguments("threads 1", new Step.Threads(1, 1)),
                arguments("threads 1024", new Step.Threads(1, 1024)),
                arguments("threads 0x10", new Step.Threads(1, 16)),

                arguments("namespace add blue secret 42", new Step.NamespaceAdd(1, "blue", 42, 0)),
                arguments("namespace add blue secret 42 fib 3", new Step.NamespaceAdd(1, "blue", 42, 3)),
                arguments("namespace add blue secret 0 fib 65535", new Step.NamespaceAdd(1, "blue", 0, 65535)),
                arguments("namespace add blue secret -7", new Step.NamespaceAdd(1, "blue", -7, 0)),
                arguments("namespace add blue secret 0xdeadbeefcafe", new Step.NamespaceAdd(1, "blue", 0xdead_beef_cafeL, 0)),
                // a namespace secret is 64 bits, as VPP's; hex is read unsigned
                arguments("namespace add blue secret 0xFFFFFFFFFFFFFFFF", new Step.NamespaceAdd(1, "blue", -1L, 0)),

                arguments("app attach web", new Step.AppAttach(1, "web", "default", 0, 0, Scope.GLOBAL)),
                arguments("app attach web namespace blue secret 42",
                        new Step.AppAttach(1, "web", "blue", 42, 0, Scope.GLOBAL)),
                arguments("app attach web owner 1000", new Step.AppAttach(1, "web", "default", 0, 1000, Scope.GLOBAL)),
                arguments("app attach web scope global", new Step.AppAttach(1, "web", "default", 0, 0, Scope.GLOBAL)),
                arguments("app attach web scope local", new Step.AppAttach(1, "web", "default", 0, 0, Scope.LOCAL)),
                arguments("app attach web scope both", new Step.AppAttach(1, "web", "default", 0, 0, Scope.BOTH)),
                arguments("app attach web namespace blue secret 42 owner 1000 scope local",
                        new Step.AppAttach(1, "web", "blue", 42, 1000, Scope.LOCAL)),
                arguments("app attach web scope both owner 7 namespace blue secret 0x2a",
                        new Step.AppAttach(1, "web", "blue", 42, 7, Scope.BOTH)),
                arguments("app detach web", new Step.AppDetach(1, "web")),

                arguments("worker add web", new Step.WorkerAdd(1, "web")),
                arguments("worker del web 2", new Step.WorkerDel(1, "web", 2)),
                arguments("worker del web 4095", new Step.WorkerDel(1, "web", 4095)),

                arguments("listen web 0 tcp://0.0.0.0/80",
                        new Step.Listen(1, "web", 0, uri("tcp://0.0.0.0/80"), false, null)),
                arguments("listen web 1 tcp://10.0.0.1/80 reuseport",
                        new Step.Listen(1, "web", 1, uri("tcp://10.0.0.1/80"), true, null)),
                arguments("listen web 0 tcp://10.0.0.1/80 reuseport selector hash",
                        new Step.Listen(1, "web", 0, uri("tcp://10.0.0.1/80"), true, "hash")),
                arguments("listen web 0 tcp://10.0.0.1/80 selector roundrobin reuseport",
                        new Step.Listen(1, "web", 0, uri("tcp://10.0.0.1/80"), true, "roundrobin")),
                arguments("listen web 0 tcp://::/443", new Step.Listen(1, "web", 0, uri("tcp://::/443"), false, null)),
                arguments("listen web 0 tcp://[::]/443", new Step.Listen(1, "web", 0, uri("tcp://::/443"), false, null)),
                arguments("listen web 0 tcp://2001:db8::1/443 reuseport",
                        new Step.Listen(1, "web", 0, uri("tcp://[2001:db8::1]/443"), true, null)),
                arguments("listen web 0 tcp://10.0.0.1/65535",
                        new Step.Listen(1, "web", 0, uri("tcp://10.0.0.1/65535"), false, null)),
                // UDP parses (it is in the keys); the stack refuses it with TRANSPORT when it runs
                arguments("listen web 0 udp://0.0.0.0/53", new Step.Listen(1, "web", 0, uri("udp://0.0.0.0/53"), false, null)),
                arguments("unlisten web 3 tcp://10.0.0.1/80", new Step.Unlisten(1, "web", 3, uri("tcp://10.0.0.1/80"))),

                arguments("selector default hash", new Step.SelectorDefault(1, "hash")),
                arguments("selector default nosuch", new Step.SelectorDefault(1, "nosuch")),

                arguments("hash secret 0", new Step.HashSecret(1, 0)),
                arguments("hash secret 24301", new Step.HashSecret(1, 24301)),
                arguments("hash secret 0xdeadbeef", new Step.HashSecret(1, 0xdeadbeef)),
                arguments("hash secret 4294967295", new Step.HashSecret(1, -1)),
                arguments("hash secret -1", new Step.HashSecret(1, -1)),
                arguments("hash secret -2147483648", new Step.HashSecret(1, Integer.MIN_VALUE)),
                arguments("hash secret 0xFFFFFFFF", new Step.HashSecret(1, -1)),

                arguments("syn 10.0.0.1:40000 10.0.0.100:80",
                        new Step.Segment(1, SegmentKind.SYN, at("10.0.0.1:40000"), at("10.0.0.100:80"), 0)),
                arguments("ack 10.0.0.1:40000 10.0.0.100:80 thread 1",
                        new Step.Segment(1, SegmentKind.ACK, at("10.0.0.1:40000"), at("10.0.0.100:80"), 1)),
                arguments("rst 10.0.0.1:1 10.0.0.100:65535 thread 1023",
                        new Step.Segment(1, SegmentKind.RST, at("10.0.0.1:1"), at("10.0.0.100:65535"), 1023)),
                arguments("fin [2001:db8::1]:40000 [2001:db8::100]:443",
                        new Step.Segment(1, SegmentKind.FIN, at("[2001:db8::1]:40000"), at("[2001:db8::100]:443"), 0)),
                arguments("connect [2001:db8::1]:40000 [2001:db8::100]:443 thread 0x2",
                        new Step.Segment(1, SegmentKind.CONNECT, at("[2001:db8::1]:40000"), at("[2001:db8::100]:443"), 2)),

                arguments("accept web 0", new Step.Accept(1, "web", 0, -1)),
                arguments("accept web 0 all", new Step.Accept(1, "web", 0, -1)),
                arguments("accept web 1 3", new Step.Accept(1, "web", 1, 3)),
                arguments("accept web 1 0", new Step.Accept(1, "web", 1, 0)),

                arguments("advance 75", new Step.Advance(1, 75)),
                arguments("advance 0.5", new Step.Advance(1, 0.5)),
                arguments("advance 0.5s", new Step.Advance(1, 0.5)),
                arguments("advance 0", new Step.Advance(1, 0)),
                arguments("advance 1e9", new Step.Advance(1, 1e9)),

                arguments("group migrate tcp://0.0.0.0/80 on", new Step.GroupMigrate(1, uri("tcp://0.0.0.0/80"), true)),
                arguments("group migrate tcp://[::]/443 off", new Step.GroupMigrate(1, uri("tcp://::/443"), false)),
                arguments("group weight tcp://0.0.0.0/80 web 3", new Step.GroupWeight(1, uri("tcp://0.0.0.0/80"), "web", 3)),
                arguments("group weight tcp://0.0.0.0/80 web 0", new Step.GroupWeight(1, uri("tcp://0.0.0.0/80"), "web", 0)),

                arguments("show listeners", new Step.Show(1, ShowWhat.LISTENERS)),
                arguments("show groups", new Step.Show(1, ShowWhat.GROUPS)),
                arguments("show sessions", new Step.Show(1, ShowWhat.SESSIONS)),
                arguments("show stats", new Step.Show(1, ShowWhat.STATS)));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("commands")
    void everyCommandAndOptionParsesToItsStep(String line, Step expected) throws ScenarioSyntaxException {
        assertThat(parse(line)).containsExactly(expected);
    }

    @Test
    void wordsMayBeSeparatedByAnyWhitespace() throws ScenarioSyntaxException {
        assertThat(parse("  listen\tweb  0 \t tcp://0.0.0.0/80   reuseport  "))
                .containsExactly(new Step.Listen(1, "web", 0, uri("tcp://0.0.0.0/80"), true, null));
    }

    @Test
    void aSegmentsAddressesAreKeptAsWritten() throws ScenarioSyntaxException {
        Step.Segment s = (Step.Segment) parse("syn [2001:db8::1]:40000 [2001:db8::100]:443").get(0);
        assertThat(s.src().getAddress().getHostAddress()).isEqualTo("2001:db8:0:0:0:0:0:1");
        assertThat(s.src().getPort()).isEqualTo(40000);
        assertThat(s.dst().getPort()).isEqualTo(443);
    }

    // ================================================================ comments, blank lines, line numbers

    @Test
    void commentsAndBlankLinesAreSkippedAndLinesKeepTheirNumbers() throws ScenarioSyntaxException {
        List<Step> steps = parse(
                "# a comment",
                "",
                "   ",
                "\t# an indented comment",
                "app attach a   # a comment at the end of a line",
                "app attach b#no space before it",
                "worker add a",
                "show stats #",
                "#app attach c",
                "\t");
        assertThat(steps).containsExactly(
                new Step.AppAttach(5, "a", "default", 0, 0, Scope.GLOBAL),
                new Step.AppAttach(6, "b", "default", 0, 0, Scope.GLOBAL),
                new Step.WorkerAdd(7, "a"),
                new Step.Show(8, ShowWhat.STATS));
    }

    @Test
    void aFileOfCommentsOrNothingHasNoSteps() throws ScenarioSyntaxException {
        assertThat(parse()).isEmpty();
        assertThat(parse("# only", "", "   # comments")).isEmpty();
    }

    @Test
    void aCommentCutsAWordShort() throws ScenarioSyntaxException {
        // '#' starts a comment wherever it is, even inside a word
        assertThat(parse("listen web 0 tcp://0.0.0.0/80 reuseport#selector hash"))
                .containsExactly(new Step.Listen(1, "web", 0, uri("tcp://0.0.0.0/80"), true, null));
        ScenarioSyntaxException e = catchThrowableOfType(ScenarioSyntaxException.class, () -> parse("show stat#s"));
        assertThat(e).hasMessage(FILE + ":1: expected listeners, groups, sessions or stats, not 'stat'");
    }

    @Test
    void aFileWithWindowsLineEndsParses(@TempDir Path dir) throws IOException, ScenarioSyntaxException {
        Path f = dir.resolve("crlf.scn");
        Files.writeString(f, "# crlf\r\napp attach a\r\n\r\nworker add a\r\n", StandardCharsets.UTF_8);
        assertThat(ScenarioParser.parse(f)).containsExactly(
                new Step.AppAttach(2, "a", "default", 0, 0, Scope.GLOBAL),
                new Step.WorkerAdd(4, "a"));
    }

    // ================================================================ every error

    static Stream<Arguments> errors() {
        return Stream.of(
                // unknown commands
                arguments("frobnicate 1", "unknown command 'frobnicate': expected one of threads, namespace, app, worker, "
                        + "listen, unlisten, selector, hash, syn, ack, rst, fin, connect, accept, advance, group, show"),
                arguments("listener web 0 tcp://0.0.0.0/80", "unknown command 'listener'"),
                // missing words
                arguments("threads", "expected the number of threads after 'threads'"),
                arguments("namespace", "expected 'add' (namespace add NAME secret N [fib F]) after 'namespace'"),
                arguments("namespace add", "expected a namespace name after 'namespace add'"),
                arguments("namespace add blue", "expected 'secret' (namespace add NAME secret N [fib F]) after 'namespace add blue'"),
                arguments("namespace add blue secret", "expected the secret after 'namespace add blue secret'"),
                arguments("namespace add blue secret 1 fib", "expected the FIB index after 'namespace add blue secret 1 fib'"),
                arguments("app", "expected attach or detach after 'app'"),
                arguments("app attach", "expected an application name after 'app attach'"),
                arguments("app detach", "expected an application name after 'app detach'"),
                arguments("app attach a namespace", "expected a namespace name after 'app attach a namespace'"),
                arguments("app attach a namespace blue", "expected 'secret' (app attach NAME [namespace NS secret N] "
                        + "[owner UID] [scope global|local|both], or app detach NAME) after 'app attach a namespace blue'"),
                arguments("app attach a namespace blue secret", "expected the secret after 'app attach a namespace blue secret'"),
                arguments("app attach a owner", "expected the owner uid after 'app attach a owner'"),
                arguments("app attach a scope", "expected global, local or both after 'app attach a scope'"),
                arguments("worker", "expected add or del after 'worker'"),
                arguments("worker add", "expected an application name after 'worker add'"),
                arguments("worker del a", "expected a worker index after 'worker del a'"),
                arguments("listen", "expected an application name after 'listen'"),
                arguments("listen a", "expected a worker index after 'listen a'"),
                arguments("listen a 0", "expected a URI like tcp://0.0.0.0/80 after 'listen a 0'"),
                arguments("listen a 0 tcp://0.0.0.0/80 selector", "expected a selector name after 'listen a 0 tcp://0.0.0.0/80 selector'"),
                arguments("unlisten a 0", "expected a URI like tcp://0.0.0.0/80 after 'unlisten a 0'"),
                arguments("selector", "expected 'default' (selector default NAME) after 'selector'"),
                arguments("selector default", "expected a selector name after 'selector default'"),
                arguments("hash", "expected 'secret' (hash secret N) after 'hash'"),
                arguments("hash secret", "expected the secret after 'hash secret'"),
                arguments("syn", "expected SRC (SRC DST [thread T], e.g. 10.0.0.1:40000 10.0.0.100:80 "
                        + "or [2001:db8::1]:40000 [2001:db8::100]:443) after 'syn'"),
                arguments("ack 10.0.0.1:1", "expected DST (SRC DST [thread T]"),
                arguments("rst 10.0.0.1:1 10.0.0.2:80 thread", "expected a thread index after 'rst 10.0.0.1:1 10.0.0.2:80 thread'"),
                arguments("accept", "expected an application name after 'accept'"),
                arguments("accept a", "expected a worker index after 'accept a'"),
                arguments("advance", "expected seconds after 'advance'"),
                arguments("group", "expected 'migrate' or 'weight' (group migrate URI on|off, group weight URI APP N)"
                        + " after 'group'"),
                arguments("group weight", "expected a URI like tcp://0.0.0.0/80 after 'group weight'"),
                arguments("group weight tcp://0.0.0.0/80", "expected an application name after 'group weight tcp://0.0.0.0/80'"),
                arguments("group weight tcp://0.0.0.0/80 a", "expected a weight after 'group weight tcp://0.0.0.0/80 a'"),
                arguments("group weight tcp://0.0.0.0/80 a heavy", "expected a weight (a decimal or 0x number), not 'heavy'"),
                arguments("group weight tcp://0.0.0.0/80 a 3 now", "unexpected 'now': expected group weight URI APP N"),
                arguments("group weight tcp://0.0.0.0/0 a 3", "port 0 is never listened on"),
                arguments("group migrate", "expected a URI like tcp://0.0.0.0/80 after 'group migrate'"),
                arguments("group migrate tcp://0.0.0.0/80", "expected on or off after 'group migrate tcp://0.0.0.0/80'"),
                arguments("show", "expected listeners, groups, sessions or stats after 'show'"),
                // extra words
                arguments("threads 2 3", "unexpected '3': expected threads N"),
                arguments("namespace add b secret 1 fib 2 x", "unexpected 'x': expected namespace add NAME secret N [fib F]"),
                arguments("app attach a colour red", "unexpected 'colour': expected app attach NAME [namespace NS secret N] "
                        + "[owner UID] [scope global|local|both], or app detach NAME"),
                arguments("app detach a b", "unexpected 'b': expected app detach NAME"),
                arguments("worker add a b", "unexpected 'b': expected worker add APP"),
                arguments("worker del a 1 2", "unexpected '2': expected worker del APP INDEX"),
                arguments("listen a 0 tcp://0.0.0.0/80 fast", "unexpected 'fast': expected listen APP WORKER URI [reuseport] [selector NAME]"),
                arguments("unlisten a 0 tcp://0.0.0.0/80 reuseport", "unexpected 'reuseport': expected unlisten APP WORKER URI"),
                arguments("selector default a b", "unexpected 'b': expected selector default NAME"),
                arguments("hash secret 1 2", "unexpected '2': expected hash secret N"),
                arguments("syn 10.0.0.1:1 10.0.0.2:80 thread 1 extra", "unexpected 'extra': expected SRC DST [thread T]"),
                arguments("syn 10.0.0.1:1 10.0.0.2:80 core 1", "expected 'thread' (SRC DST [thread T]"),
                arguments("accept a 0 all more", "unexpected 'more': expected accept APP WORKER [N|all]"),
                arguments("accept a 0 3 4", "unexpected '4': expected accept APP WORKER [N|all]"),
                arguments("advance 1 2", "unexpected '2': expected advance SECONDS"),
                arguments("group migrate tcp://0.0.0.0/80 on now", "unexpected 'now': expected group migrate URI on|off"),
                arguments("show stats now", "unexpected 'now': expected show listeners|groups|sessions|stats"),
                // wrong sub-commands and keywords
                arguments("namespace del blue", "expected 'add' (namespace add NAME secret N [fib F]), not 'del'"),
                arguments("namespace add blue key 1", "expected 'secret' (namespace add NAME secret N [fib F]), not 'key'"),
                arguments("namespace add x secret 1 table 2", "expected 'fib' (namespace add NAME secret N [fib F]), not 'table'"),
                arguments("app start a", "expected attach or detach, not 'start'"),
                arguments("app attach a namespace blue key 1", "expected 'secret' (app attach NAME"),
                arguments("worker remove a 1", "expected add or del, not 'remove' (worker add APP | worker del APP INDEX)"),
                arguments("selector hash", "expected 'default' (selector default NAME), not 'hash'"),
                arguments("hash seed 1", "expected 'secret' (hash secret N), not 'seed'"),
                arguments("group join tcp://0.0.0.0/80 on", "expected 'migrate' or 'weight' (group migrate URI on|off, group weight"
                        + " URI APP N), not 'join'"),
                arguments("group migrate tcp://0.0.0.0/80 yes", "expected on or off, not 'yes'"),
                // bad numbers
                arguments("threads x", "expected the number of threads (a decimal or 0x number), not 'x'"),
                arguments("threads 0", "the number of threads 0 is not in 1..1024"),
                arguments("threads 1025", "the number of threads 1025 is not in 1..1024"),
                arguments("threads 99999999999999999999", "expected the number of threads (a decimal or 0x number), not '99999999999999999999'"),
                arguments("threads 0x", "expected the number of threads (a decimal or 0x number), not '0x'"),
                arguments("threads 0xg", "expected the number of threads (a decimal or 0x number), not '0xg'"),
                arguments("threads 1.5", "expected the number of threads (a decimal or 0x number), not '1.5'"),
                arguments("namespace add b secret zz", "expected the secret (a decimal or 0x number), not 'zz'"),
                arguments("namespace add b secret 1 fib 65536", "the FIB index 65536 is not in 0..65535"),
                arguments("namespace add b secret 1 fib -1", "the FIB index -1 is not in 0..65535"),
                arguments("app attach a namespace blue secret x", "expected the secret (a decimal or 0x number), not 'x'"),
                arguments("app attach a owner -1", "the owner uid -1 is not in 0..4294967294"),
                arguments("app attach a owner 4294967295", "the owner uid 4294967295 is not in 0..4294967294"),
                arguments("app attach a owner root", "expected the owner uid (a decimal or 0x number), not 'root'"),
                arguments("worker del a -1", "a worker index -1 is not in 0..4095"),
                arguments("worker del a 4096", "a worker index 4096 is not in 0..4095"),
                arguments("listen a x tcp://0.0.0.0/80", "expected a worker index (a decimal or 0x number), not 'x'"),
                arguments("listen a 4096 tcp://0.0.0.0/80", "a worker index 4096 is not in 0..4095"),
                arguments("unlisten a -1 tcp://0.0.0.0/80", "a worker index -1 is not in 0..4095"),
                arguments("accept a x", "expected a worker index (a decimal or 0x number), not 'x'"),
                arguments("accept a 4096", "a worker index 4096 is not in 0..4095"),
                arguments("accept a 0 many", "expected a count or 'all' (a decimal or 0x number), not 'many'"),
                arguments("accept a 0 -1", "a count or 'all' -1 is not in 0..2147483647"),
                arguments("accept a 0 2147483648", "a count or 'all' 2147483648 is not in 0..2147483647"),
                // bad URIs
                arguments("listen a 0 http://0.0.0.0/80", "'http://0.0.0.0/80': unknown protocol 'http' (known: tcp, udp)"),
                arguments("listen a 0 0.0.0.0/80", "'0.0.0.0/80' is not a URI: expected proto://address/port, e.g. tcp://0.0.0.0/80"),
                arguments("listen a 0 tcp://0.0.0.0", "'tcp://0.0.0.0': expected proto://address/port, e.g. tcp://0.0.0.0/80"),
                arguments("listen a 0 tcp:///80", "'tcp:///80': expected proto://address/port"),
                arguments("listen a 0 tcp://example.com/80", "'tcp://example.com/80': 'example.com' is not an IPv4 or IPv6 address"),
                arguments("listen a 0 tcp://10.0.0.256/80", "'10.0.0.256' is not an IPv4 or IPv6 address"),
                arguments("listen a 0 tcp://0.0.0.0/http", "'tcp://0.0.0.0/http': port 'http' is not a number 0..65535"),
                arguments("listen a 0 tcp://0.0.0.0/65536", "'tcp://0.0.0.0/65536': port 65536 is not in 0..65535"),
                arguments("listen a 0 tcp://0.0.0.0/-80", "port '-80' is not a number 0..65535"),
                arguments("unlisten a 0 tcp://0.0.0.0/", "port '' is not a number 0..65535"),
                arguments("group migrate tcp:/0.0.0.0/80 on", "'tcp:/0.0.0.0/80' is not a URI"),
                // port 0
                arguments("listen a 0 tcp://0.0.0.0/0", "port 0 cannot be listened on: tcp://0.0.0.0/0"),
                arguments("listen a 0 tcp://[::]/0 reuseport", "port 0 cannot be listened on: tcp://::/0"),
                arguments("unlisten a 0 tcp://0.0.0.0/0", "port 0 cannot be listened on: tcp://0.0.0.0/0"),
                // selector without reuseport
                arguments("listen a 0 tcp://0.0.0.0/80 selector hash",
                        "'selector hash' needs 'reuseport': a selector picks among a reuseport group"),
                // bad SRC / DST
                arguments("syn 10.0.0.1 10.0.0.2:80", "'10.0.0.1': expected address:port, e.g. 10.0.0.1:40000 or [2001:db8::1]:40000"),
                arguments("syn 10.0.0.1:1 10.0.0.2", "'10.0.0.2': expected address:port"),
                arguments("syn 2001:db8::1:4000 [2001:db8::2]:80",
                        "'2001:db8::1:4000': an IPv6 address needs brackets, e.g. [2001:db8::1]:40000"),
                arguments("syn [2001:db8::1] [2001:db8::2]:80", "'[2001:db8::1]': the port is missing, e.g. [2001:db8::1]:40000"),
                arguments("syn host:80 10.0.0.2:80", "'host:80': 'host' is not an IPv4 or IPv6 address"),
                arguments("syn 10.0.0.1:http 10.0.0.2:80", "'10.0.0.1:http': port 'http' is not a number 0..65535"),
                arguments("syn 10.0.0.1:99999 10.0.0.2:80", "'10.0.0.1:99999': port 99999 is not in 0..65535"),
                arguments("syn 10.0.0.1:+80 10.0.0.2:80", "'10.0.0.1:+80': port '+80' is not a number 0..65535"),
                arguments("syn 10.0.0.1:0 10.0.0.2:80", "ports must be 1..65535 in SRC DST [thread T]"),
                arguments("fin 10.0.0.1:1 10.0.0.2:0", "ports must be 1..65535 in SRC DST [thread T]"),
                arguments("syn tcp://10.0.0.1/1 10.0.0.2:80", "is not an IPv4 or IPv6 address"),
                // mixed families
                arguments("syn 10.0.0.1:1 [2001:db8::1]:80", "are of different address families"),
                arguments("connect [2001:db8::1]:1 10.0.0.2:80", "are of different address families"),
                // bad thread
                arguments("syn 10.0.0.1:1 10.0.0.2:80 thread x", "expected a thread index (a decimal or 0x number), not 'x'"),
                arguments("syn 10.0.0.1:1 10.0.0.2:80 thread -1", "a thread index -1 is not in 0..1023"),
                arguments("ack 10.0.0.1:1 10.0.0.2:80 thread 1024", "a thread index 1024 is not in 0..1023"),
                // bad scope
                arguments("app attach a scope world", "expected scope global, local or both, not 'world'"),
                // bad show target
                arguments("show apps", "expected listeners, groups, sessions or stats, not 'apps'"),
                // bad advance
                arguments("advance soon", "expected seconds, e.g. 75 or 0.5s, not 'soon'"),
                arguments("advance s", "expected seconds, e.g. 75 or 0.5s, not 's'"),
                arguments("advance 1_0", "expected seconds, e.g. 75 or 0.5s, not '1_0'"),
                arguments("advance -1", "expected seconds, e.g. 75 or 0.5s, not '-1'"),
                arguments("advance -0", "expected seconds, e.g. 75 or 0.5s, not '-0'"),
                arguments("advance NaN", "expected seconds, e.g. 75 or 0.5s, not 'NaN'"),
                arguments("advance Infinity", "expected seconds, e.g. 75 or 0.5s, not 'Infinity'"),
                arguments("advance 0x1p3", "expected seconds, e.g. 75 or 0.5s, not '0x1p3'"),
                arguments("advance 75f", "expected seconds, e.g. 75 or 0.5s, not '75f'"),
                arguments("advance 2e9", "seconds must be between 0 and 1e9, not 2e9"),
                arguments("group migrate tcp://0.0.0.0/0 on", "port 0 is never listened on"),
                arguments("advance 1e10", "seconds must be between 0 and 1e9, not 1e10"),
                // hash secret out of 32 bits
                arguments("hash secret 4294967296", "the hash secret is a 32-bit number (decimal, or 0x and up to 8 hex digits), not '4294967296'"),
                arguments("hash secret 0x100000000", "the hash secret is a 32-bit number (decimal, or 0x and up to 8 hex digits), not '0x100000000'"),
                arguments("hash secret -2147483649", "the hash secret is a 32-bit number (decimal, or 0x and up to 8 hex digits), not '-2147483649'"),
                arguments("hash secret 0xFFFFFFFFFFFFFFFF", "the hash secret is a 32-bit number (decimal, or 0x and up to 8 hex digits), not '0xFFFFFFFFFFFFFFFF'"),
                arguments("hash secret 0xFFFFFFFF80000000", "not '0xFFFFFFFF80000000'"),
                arguments("hash secret 0xFFFFFFFF00000001", "not '0xFFFFFFFF00000001'"),
                arguments("hash secret 0x8000000000000000", "the hash secret is a 32-bit number"),
                arguments("hash secret 0xdeadbeefx", "the hash secret is a 32-bit number (decimal, or 0x and up to 8 hex digits), not '0xdeadbeefx'"),
                arguments("hash secret seed", "the hash secret is a 32-bit number (decimal, or 0x and up to 8 hex digits), not 'seed'"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("errors")
    void everyErrorNamesTheFileTheLineAndWhatWasExpected(String bad, String expected) {
        // the bad line is line 3, after a comment and a good line
        ScenarioSyntaxException e = catchThrowableOfType(ScenarioSyntaxException.class,
                () -> parse("# setup", "app attach a", bad, "show stats"));
        assertThat(e).as("parsing '%s'", bad).isNotNull();
        assertThat(e.file()).isEqualTo(FILE);
        assertThat(e.line()).isEqualTo(3);
        assertThat(e.getMessage()).startsWith(FILE + ":3: ").contains(expected);
    }

    @Test
    void theFirstBadLineIsTheOneReported() {
        ScenarioSyntaxException e = catchThrowableOfType(ScenarioSyntaxException.class,
                () -> parse("app attach a", "show nothing", "syn nowhere", "show stats"));
        assertThat(e.line()).isEqualTo(2);
        assertThat(e).hasMessage(FILE + ":2: expected listeners, groups, sessions or stats, not 'nothing'");
    }

    @Test
    void aFileIsNamedAsItWasGiven(@TempDir Path dir) throws IOException {
        Path f = dir.resolve("named.scn");
        Files.writeString(f, "app attach a\n\nworker add\n", StandardCharsets.UTF_8);
        assertThatThrownBy(() -> ScenarioParser.parse(f))
                .isInstanceOf(ScenarioSyntaxException.class)
                .hasMessage(f + ":3: expected an application name after 'worker add'");
    }

    // ================================================================ parse before run

    private static final String GOOD = String.join("\n",
            "app attach web",
            "listen web 0 tcp://10.0.0.1/80",
            "syn 198.18.0.1:40000 10.0.0.1:80",
            "show stats",
            "");

    @Test
    void aBadLastLineMeansNothingRuns(@TempDir Path dir) throws IOException {
        Path f = dir.resolve("bad-last.scn");
        Files.writeString(f, GOOD + "# the last line is bad\nsyn 198.18.0.2:40000 10.0.0.1\n", StandardCharsets.UTF_8);
        for (String[] args : List.of(new String[] {"run", f.toString()}, new String[] {"run", "--json", f.toString()})) {
            CliRun r = CliRun.of(args);
            assertThat(r.exitCode()).as("exit code of %s", List.of(args)).isEqualTo(RunCommand.SYNTAX_ERROR).isEqualTo(2);
            assertThat(r.out()).as("stdout of %s", List.of(args)).isEmpty();
            assertThat(r.err()).contains(f + ":6: ").contains("'10.0.0.1': expected address:port");
        }
    }

    @Test
    void theSameFileWithoutItsBadLineRuns(@TempDir Path dir) throws IOException {
        Path f = dir.resolve("good.scn");
        Files.writeString(f, GOOD, StandardCharsets.UTF_8);
        CliRun r = CliRun.of("run", "--json", f.toString());
        assertThat(r.exitCode()).isZero();
        assertThat(r.err()).isEmpty();
        assertThat(r.outLines()).hasSize(4);
        assertThat(r.outLines().get(2)).startsWith("{\"line\":3,\"event\":\"dispatch\",\"app\":\"web\",\"worker\":0,");
    }

    @Test
    void aBadLineInTheMiddleStopsTheRunBeforeItsFirstCommand(@TempDir Path dir) throws IOException {
        Path f = dir.resolve("bad-middle.scn");
        Files.writeString(f, "app attach web\nlisten web 0 tcp://10.0.0.1/80 selector hash\nshow stats\n", StandardCharsets.UTF_8);
        CliRun r = CliRun.of("run", f.toString());
        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.out()).isEmpty();
        assertThat(r.err()).startsWith("hoststack run: " + f + ":2: 'selector hash' needs 'reuseport'");
    }

    @Test
    void aFileThatCannotBeReadStopsTheRunWithExitCode2AndOneLineFileColonWhy(@TempDir Path dir) throws IOException {
        CliRun missing = CliRun.of("run", dir.resolve("missing.scn").toString());
        assertThat(missing.exitCode()).isEqualTo(2);
        assertThat(missing.out()).isEmpty();
        assertThat(missing.err()).isEqualTo("hoststack run: " + dir.resolve("missing.scn") + ": no such file\n");

        Path latin1 = dir.resolve("latin1.scn");
        Files.write(latin1, "# caf\u00e9 is Latin-1 below\napp attach caf\u00e9\n".getBytes(StandardCharsets.ISO_8859_1));
        CliRun notUtf8 = CliRun.of("run", latin1.toString());
        assertThat(notUtf8.exitCode()).isEqualTo(2);
        assertThat(notUtf8.out()).isEmpty();
        assertThat(notUtf8.err()).as("the line and column of the first byte that is not UTF-8")
                .isEqualTo("hoststack run: " + latin1 + ":1: not UTF-8 text: byte 0xe9 at column 6 (save the file as UTF-8)\n");

        CliRun directory = CliRun.of("run", dir.toString());
        assertThat(directory.exitCode()).isEqualTo(2);
        assertThat(directory.out()).isEmpty();
        assertThat(directory.err()).isEqualTo("hoststack run: " + dir + ": is a directory, not a scenario file\n");
    }

    @Test
    void utf8TextWithEveryKindOfLineEndParsesAsBefore() throws ScenarioSyntaxException {
        byte[] text = "# caf\u00e9 \u2014 fine\r\napp attach a\rworker add a\n\nworker add a".getBytes(StandardCharsets.UTF_8);
        assertThat(ScenarioParser.decode("t.scn", text).lines().toList())
                .containsExactly("# caf\u00e9 \u2014 fine", "app attach a", "worker add a", "", "worker add a");
    }

    @Test
    void aBadByteOnALaterLineIsFoundWhateverTheLineEnds() {
        byte[] text = "a\r\nb\rc\n\u00e9\u00e9x\u00ff".getBytes(StandardCharsets.ISO_8859_1);
        assertThatThrownBy(() -> ScenarioParser.decode("t.scn", text))
                .isInstanceOf(ScenarioSyntaxException.class)
                .hasMessage("t.scn:4: not UTF-8 text: byte 0xe9 at column 1 (save the file as UTF-8)");
    }
}
