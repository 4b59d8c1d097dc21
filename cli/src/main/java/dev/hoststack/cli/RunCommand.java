package dev.hoststack.cli;

import dev.hoststack.cli.scenario.ScenarioParser;
import dev.hoststack.cli.scenario.ScenarioRunner;
import dev.hoststack.cli.scenario.ScenarioSyntaxException;
import dev.hoststack.cli.scenario.Step;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code hoststack run SCENARIO}: runs a scenario file (see docs/scenarios.md). */
@Command(name = "run", mixinStandardHelpOptions = true,
        header = "Runs a scenario file: namespaces, applications, listeners, then segments, accepts and shows.",
        description = "Runs a scenario against a real stack: namespaces, applications, workers, listeners, then syn, ack,"
            + " rst and fin segments, accepts and shows, each answered by one event (a line, or with --json one JSON"
            + " object). Every line is parsed before anything runs. Exits with 2, printing 'hoststack run: FILE:LINE:"
            + " what was expected' (or 'FILE: why' for a file that cannot be read), when a line cannot be parsed or the"
            + " file cannot be read; a command the stack refuses answers an 'error' event and the scenario goes on."
            + " The language: docs/scenarios.md; examples: docs/scenarios/.",
        sortOptions = false)
public final class RunCommand implements Callable<Integer> {

    /** Exit code of a scenario that cannot be parsed or read. */
    public static final int SYNTAX_ERROR = Main.USAGE;

    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "SCENARIO", description = "the scenario file (UTF-8 text)")
    Path scenario;

    @Option(names = "--json", description = "one JSON object per line, per command")
    boolean json;

    @Option(names = "--threads", paramLabel = "N", defaultValue = "2",
            description = "data threads, 1..1024, unless the scenario says 'threads N' (default: ${DEFAULT-VALUE})")
    int threads;

    /**
     * Checks {@code --threads} and parses a scenario for a command, printing why it cannot run.
     *
     * @return the steps, or null (the command then exits with {@link #SYNTAX_ERROR})
     * @throws picocli.CommandLine.ParameterException for {@code --threads} out of range
     */
    static List<Step> load(CommandSpec spec, Path file, int threads) {
        CliChecks.range(spec, "--threads", threads, 1, 1024);
        String command = spec.qualifiedName();
        if (Files.isDirectory(file)) {
            System.err.println(command + ": " + file + ": is a directory, not a scenario file");
            return null;
        }
        try {
            return ScenarioParser.parse(file);
        } catch (ScenarioSyntaxException e) {
            System.err.println(command + ": " + e.getMessage());
        } catch (IOException e) {
            System.err.println(command + ": " + file + ": " + CliChecks.why(e));
        }
        return null;
    }

    @Override
    public Integer call() {
        PrintStream out = System.out;
        List<Step> steps = load(spec, scenario, threads);
        if (steps == null) {
            return SYNTAX_ERROR;
        }
        ScenarioRunner runner = new ScenarioRunner(e -> out.println(json ? EventFormat.json(e) : EventFormat.text(e)), threads);
        runner.run(steps);
        out.flush();
        return 0;
    }
}
