package dev.hoststack.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.ParameterException;
import org.junit.jupiter.api.Test;

/**
 * The help texts and the documents against the commands: summaries are whole sentences, texts are
 * wrapped at spaces within 80 columns, every default is shown, every option is documented in
 * docs/commands.md, and every {@code ./hoststack} command line the README and docs/ show parses.
 */
class HelpAndDocsTest {

    private static final Path DOCS = Path.of("..", "docs");
    private static final Path README = Path.of("..", "README.md");

    /** The options every command has from picocli's standard help mixin. */
    private static boolean standard(OptionSpec o) {
        return o.usageHelp() || o.versionHelp();
    }

    private static Map<String, CommandLine> commands() {
        return Main.commandLine().getSubcommands();
    }

    private static String help(String... args) {
        CommandRun r = CommandRun.of(args);
        assertThat(r.exitCode()).as("%s", r).isZero();
        return r.out();
    }

    /** Whitespace runs as one space: a text wrapped only at spaces reads back unchanged. */
    private static String flat(String text) {
        return text.replaceAll("\\s+", " ").trim();
    }

    @Test
    void everyCommandSummaryIsAWholeSentence() {
        String top = help("--help");
        String list = top.substring(top.indexOf("Commands:"), top.indexOf("Exit codes:"));
        Matcher m = Pattern.compile("(?m)^  (\\w+) +(.*(?:\\n {6,}.*)*)").matcher(list);
        List<String> seen = new ArrayList<>();
        while (m.find()) {
            seen.add(m.group(1));
            String summary = flat(m.group(2));
            assertThat(summary).as("the summary of '%s' in hoststack --help", m.group(1)).endsWith(".");
        }
        assertThat(seen).containsExactly("demo", "run", "replay", "daemon", "worker", "serve", "status", "bench", "selectors",
                "compare", "help");
    }

    @Test
    void helpTextsFitEightyColumnsAndBreakOnlyAtSpaces() {
        List<String[]> invocations = new ArrayList<>();
        invocations.add(new String[] {"--help"});
        for (String name : commands().keySet()) {
            invocations.add(name.equals("help") ? new String[] {"help", "demo"} : new String[] {name, "--help"});
        }
        for (String[] args : invocations) {
            String text = help(args);
            for (String line : text.split("\\R")) {
                assertThat(line.length()).as("line of hoststack %s --help: '%s'", args[0], line).isLessThanOrEqualTo(80);
            }
        }
        for (Map.Entry<String, CommandLine> e : commands().entrySet()) {
            if (e.getKey().equals("help")) {
                continue;
            }
            String text = flat(help(e.getKey(), "--help"));
            CommandSpec spec = e.getValue().getCommandSpec();
            assertThat(text).as("hoststack %s --help: the description read back whole (no word broken at a '.', ':' or '-')",
                    e.getKey()).contains(flat(String.join(" ", spec.usageMessage().description())));
            for (OptionSpec o : spec.options()) {
                assertThat(text).as("hoststack %s --help: %s's description read back whole", e.getKey(), o.longestName())
                        .contains(flat(String.join(" ", o.description())));
            }
        }
    }

    @Test
    void everyOptionWithADefaultShowsIt() {
        for (Map.Entry<String, CommandLine> e : commands().entrySet()) {
            for (OptionSpec o : e.getValue().getCommandSpec().options()) {
                if (standard(o) || o.arity().max() == 0 || o.required()) {
                    continue;
                }
                String description = String.join(" ", o.description());
                if (o.defaultValue() != null) {
                    assertThat(description).as("%s %s shows its default", e.getKey(), o.longestName())
                            .contains("default: " + o.defaultValue());
                } else if (!List.of("--write", "--kernel", "--namespace").contains(o.longestName())) {
                    assertThat(description).as("%s %s says what happens without it", e.getKey(), o.longestName())
                            .contains("default: ");
                }
            }
        }
    }

    @Test
    void theWorkerOffersNoTestOnlyOptions() {
        String text = help("worker", "--help");
        assertThat(text).doesNotContain("--stall-after").doesNotContain("--stall-for").doesNotContain("--answer-after");
    }

    @Test
    void everyOptionOfEveryCommandIsInItsSectionOfCommandsMd() throws IOException {
        String doc = Files.readString(DOCS.resolve("commands.md"));
        for (Map.Entry<String, CommandLine> e : commands().entrySet()) {
            if (e.getKey().equals("help")) {
                continue;
            }
            int at = doc.indexOf("\n## " + e.getKey() + "\n");
            assertThat(at).as("docs/commands.md has a section '## %s'", e.getKey()).isPositive();
            int end = doc.indexOf("\n## ", at + 1);
            String section = end < 0 ? doc.substring(at) : doc.substring(at, end);
            for (OptionSpec o : e.getValue().getCommandSpec().options()) {
                if (!standard(o)) {
                    assertThat(section).as("docs/commands.md, section %s, documents %s", e.getKey(), o.longestName())
                            .contains("`" + o.longestName());
                    if (o.defaultValue() != null && o.arity().max() > 0) {
                        assertThat(section).as("docs/commands.md, section %s, gives %s's default %s", e.getKey(),
                                o.longestName(), o.defaultValue())
                                .containsAnyOf("| " + o.defaultValue() + " |", "| `" + o.defaultValue() + "` |");
                    }
                }
            }
        }
    }

    /**
     * Every {@code ./hoststack ...} line in the README's and docs' code blocks that is a whole
     * command (no placeholders such as FILE or [--json]) parses: no option the command lacks, no
     * value it refuses to convert.
     */
    @Test
    void everyCommandLineTheDocumentsShowParses() throws IOException {
        List<Path> files = new ArrayList<>(List.of(README));
        try (Stream<Path> s = Files.list(DOCS)) {
            s.filter(p -> p.toString().endsWith(".md")).forEach(files::add);
        }
        Pattern command = Pattern.compile("(?:^|\\$ )\\./hoststack (.*)$");
        int checked = 0;
        for (Path f : files) {
            boolean code = false;
            List<String> lines = Files.readAllLines(f);
            for (int i = 0; i < lines.size(); i++) {
                String line = lines.get(i);
                if (line.startsWith("```")) {
                    code = !code;
                    continue;
                }
                Matcher m = command.matcher(line.strip());
                if (!code || !m.find()) {
                    continue;
                }
                if (i + 1 < lines.size() && lines.get(i + 1).contains("(see 'hoststack")) {
                    continue; // a mistake shown on purpose, with its usage error
                }
                String args = m.group(1).replaceAll("(\\s[&|>#]|;).*$", "").replaceAll("&$", "").strip();
                if (args.matches(".*(\\[|\\.\\.\\.|\\b[A-Z]{2,}\\b).*")) {
                    continue; // a synopsis with placeholders, not a command
                }
                String[] words = args.split("\\s+");
                try {
                    Main.commandLine().parseArgs(words);
                } catch (ParameterException e) {
                    throw new AssertionError(f + ": './hoststack " + args + "' does not parse: " + e.getMessage(), e);
                }
                checked++;
            }
        }
        assertThat(checked).as("command lines found in README.md and docs/").isGreaterThan(10);
    }
}
