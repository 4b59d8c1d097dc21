package dev.hoststack.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code hoststack compare} as a user runs it: every installed selector through one workload on a
 * real stack, the summary, the Markdown report with its charts, and the mistakes it refuses.
 */
class CompareCommandTest {

    @TempDir
    Path dir;

    /** Two applications, app2 three times slower; app1 leaves at half the run, app3 joins at 60 %. */
    private Path workload() throws IOException {
        return write("small.workload", "seed 3", "threads 2", "connections 1500", "rate 700", "probes 3000",
                "app app1 workers 1 service exp 2ms", "app app2 workers 2 service exp 6ms",
                "app app3 workers 1 service exp 2ms join 60%", "leave app1 50%", "weight app2 2");
    }

    private Path write(String name, String... lines) throws IOException {
        Path f = dir.resolve(name);
        Files.write(f, List.of(lines));
        return f;
    }

    /** The summary line of a selector: wait p99 in ms, and the moved percentages. */
    private static double[] summary(String out, String selector) {
        Matcher m = Pattern.compile("(?m)^  " + selector + " +([0-9.]+) ms +([0-9.]+) ms.* ([0-9.]+) % +([0-9.]+) %$")
                .matcher(out);
        assertThat(m.find()).as("the summary line of %s in:%n%s", selector, out).isTrue();
        return new double[] {Double.parseDouble(m.group(2)), Double.parseDouble(m.group(3)), Double.parseDouble(m.group(4))};
    }

    @Test
    void everySelectorRunsTheSameWorkloadAndTheReportIsWritten() throws IOException {
        Path doc = dir.resolve("out").resolve("selectors.md");
        Files.createDirectories(doc.getParent());
        CommandRun r = CommandRun.of("compare", workload().toString(), "--write", doc.toString());
        assertThat(r.exitCode()).as("%s", r).isZero();
        for (String s : List.of("roundrobin", "hash", "p2c", "least", "weighted", "maglev", "incoming")) {
            assertThat(r.out()).as("a line for %s", s).containsPattern("(?m)^  " + s + " +1,500 connections");
        }
        double[] rr = summary(r.out(), "roundrobin");
        double[] least = summary(r.out(), "least");
        double[] p2c = summary(r.out(), "p2c");
        double[] hash = summary(r.out(), "hash");
        double[] maglev = summary(r.out(), "maglev");
        // roundrobin gives slow app2 as many connections as app1: its queue grows; the load-aware ones do not
        assertThat(least[0]).as("least's p99 wait against roundrobin's (%s ms)", rr[0]).isLessThan(rr[0]);
        assertThat(p2c[0]).as("p2c's p99 wait against roundrobin's (%s ms)", rr[0]).isLessThan(rr[0]);
        assertThat(maglev[2]).as("maglev: flows moved when app1 leaves, against hash's %s %%", hash[2]).isLessThan(hash[2]);
        String md = Files.readString(doc);
        assertThat(md).startsWith("# Choosing a selector").contains("## Workload `small.workload`")
                .contains("| `least` |").contains("![shares](img/selectors-small-shares.png)")
                .contains("![disruption](img/selectors-small-disruption.png)").contains("app3 joins at 60 %");
        for (String png : List.of("shares", "wait", "disruption")) {
            byte[] b = Files.readAllBytes(doc.getParent().resolve("img").resolve("selectors-small-" + png + ".png"));
            assertThat(b.length).as("%s.png's size", png).isGreaterThan(5_000);
            assertThat(new String(b, 1, 3, java.nio.charset.StandardCharsets.US_ASCII)).as("%s.png is a PNG", png).isEqualTo("PNG");
        }
    }

    @Test
    void theSameWorkloadGivesTheSameFigures() throws IOException {
        Path w = workload();
        CommandRun a = CommandRun.of("compare", w.toString(), "--selectors", "p2c,maglev");
        CommandRun b = CommandRun.of("compare", w.toString(), "--selectors", "p2c,maglev");
        assertThat(a.exitCode()).as("%s", a).isZero();
        String table = a.out().substring(a.out().indexOf("  selector"));
        assertThat(b.out()).as("a second run's summary").contains(table);
        assertThat(a.out()).doesNotContain("roundrobin");
    }

    @Test
    void mistakesAreOneLineAndExit2() throws IOException {
        Path w = workload();
        CommandRun unknown = CommandRun.of("compare", w.toString(), "--selectors", "p2c,fastest");
        assertThat(unknown.exitCode()).isEqualTo(Main.USAGE);
        assertThat(unknown.errLines()).hasSize(1);
        assertThat(unknown.err()).contains("no selector named 'fastest'").contains("known: hash, incoming, least");
        CommandRun twice = CommandRun.of("compare", w.toString(), "--selectors", "p2c,p2c");
        assertThat(twice.err()).contains("--selectors names 'p2c' twice");
        Path bad = write("bad.workload", "rate 100", "app a workers 2 service exp 2", "");
        CommandRun syntax = CommandRun.of("compare", bad.toString());
        assertThat(syntax.exitCode()).isEqualTo(Main.USAGE);
        assertThat(syntax.err().strip()).isEqualTo("hoststack compare: " + bad + ":2: expected the mean with a unit (us, ms"
                + " or s), e.g. 2ms, not '2'");
        assertThat(syntax.out()).as("nothing ran").isEmpty();
        CommandRun missing = CommandRun.of("compare", dir.resolve("none.workload").toString());
        assertThat(missing.exitCode()).isEqualTo(Main.USAGE);
        assertThat(missing.err()).contains("none.workload");
    }
}
