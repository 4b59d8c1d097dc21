package dev.hoststack.cli.scenario;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * The golden scenarios: every {@code docs/scenarios/NAME.scn} that has a
 * {@code NAME.expected.jsonl} beside it is run as {@code hoststack run --json NAME.scn} is (through
 * {@code Main.execute}), and its output must equal the file line by line.
 *
 * <p>After a deliberate change of behaviour, regenerate a golden file with
 * {@code ./hoststack run --json docs/scenarios/NAME.scn > docs/scenarios/NAME.expected.jsonl}, and
 * read the difference before committing it.
 */
class GoldenScenarioTest {

    /** The scenarios, relative to the cli module (Maven runs tests there). */
    static final Path DIR = Path.of("..", "docs", "scenarios");

    static Path expectedOf(Path scenario) {
        String name = scenario.getFileName().toString();
        return scenario.resolveSibling(name.substring(0, name.length() - ".scn".length()) + ".expected.jsonl");
    }

    static List<Path> goldenScenarios() throws IOException {
        try (Stream<Path> files = Files.list(DIR)) {
            return files.filter(p -> p.getFileName().toString().endsWith(".scn"))
                    .filter(p -> Files.isRegularFile(expectedOf(p)))
                    .sorted()
                    .toList();
        }
    }

    @Test
    void theGoldenScenariosAreFound() throws IOException {
        assertThat(goldenScenarios()).as("golden scenarios in %s", DIR.toAbsolutePath().normalize())
                .extracting(p -> p.getFileName().toString())
                .contains("seed.scn", "refusals.scn", "namespaces.scn", "exact-vs-wildcard.scn", "ipv6.scn",
                        "lifecycle.scn", "hash.scn", "migrate.scn");
    }

    @TestFactory
    Stream<DynamicTest> eachGoldenScenarioPrintsItsExpectedJsonLines() throws IOException {
        return goldenScenarios().stream()
                .map(p -> DynamicTest.dynamicTest(p.getFileName().toString(), () -> checkJson(p)));
    }

    @TestFactory
    Stream<DynamicTest> eachGoldenScenarioPrintsTheSameEventsForPeople() throws IOException {
        return goldenScenarios().stream()
                .map(p -> DynamicTest.dynamicTest(p.getFileName().toString(), () -> checkText(p)));
    }

    private static void checkJson(Path scenario) throws IOException {
        List<String> expected = Files.readAllLines(expectedOf(scenario), StandardCharsets.UTF_8);
        CliRun run = CliRun.of("run", "--json", scenario.toString());
        assertThat(run.err()).as("stderr of %s", scenario).isEmpty();
        assertThat(run.exitCode()).as("exit code of %s", scenario).isZero();
        List<String> actual = run.outLines();
        int n = Math.max(expected.size(), actual.size());
        for (int i = 0; i < n; i++) {
            String e = i < expected.size() ? expected.get(i) : "(no more lines)";
            String a = i < actual.size() ? actual.get(i) : "(no more lines)";
            if (!e.equals(a)) {
                fail("%s: output line %s differs from %s%n  expected: %s%n  actual:   %s%n"
                        + "(if the change is deliberate: ./hoststack run --json %s > %s, then read the diff)",
                        scenario, i + 1, expectedOf(scenario).getFileName(), e, a, scenario, expectedOf(scenario));
            }
        }
        // and each golden line is one JSON object with the line and the event
        int previousLine = 0;
        for (String line : expected) {
            JsonObject o = JsonParser.parseString(line).getAsJsonObject();
            assertThat(o.has("line") && o.has("event")).as("%s: %s", scenario, line).isTrue();
            assertThat(o.get("line").getAsInt()).as("%s: lines in order: %s", scenario, line).isGreaterThan(previousLine);
            previousLine = o.get("line").getAsInt();
        }
    }

    private static void checkText(Path scenario) throws IOException {
        List<String> expected = Files.readAllLines(expectedOf(scenario), StandardCharsets.UTF_8);
        CliRun run = CliRun.of("run", scenario.toString());
        assertThat(run.exitCode()).isZero();
        assertThat(run.err()).isEmpty();
        List<String> text = run.outLines();
        assertThat(text).as("%s: one line for people per JSON line", scenario).hasSameSizeAs(expected);
        for (int i = 0; i < text.size(); i++) {
            JsonObject o = JsonParser.parseString(expected.get(i)).getAsJsonObject();
            String prefix = "line " + o.get("line").getAsInt() + ": " + o.get("event").getAsString();
            assertThat(text.get(i)).as("%s", scenario).startsWith(prefix);
            if (o.has("code")) {
                assertThat(text.get(i)).contains(o.get("code").getAsString());
            }
            if (o.has("reason")) {
                assertThat(text.get(i)).contains(o.get("reason").getAsString());
            }
        }
    }
}
