package dev.hoststack.cli;

import dev.hoststack.cli.scenario.ScenarioParser;
import dev.hoststack.cli.scenario.ScenarioRunner;
import dev.hoststack.cli.scenario.ScenarioSyntaxException;
import dev.hoststack.cli.scenario.Step;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code hoststack run SCENARIO}: runs a scenario file (see docs/scenarios.md). */
@Command(name = "run", mixinStandardHelpOptions = true,
        description = {"Runs a scenario: namespaces, apps, workers, listeners, then syn/ack/rst/fin segments, accepts",
            "and shows. Every line is parsed before anything runs; a line that cannot be parsed stops the run with",
            "exit code 2. A refused command reports an error and the scenario goes on. See docs/scenarios.md."})
public final class RunCommand implements Callable<Integer> {

    /** Exit code of a scenario that cannot be parsed or read. */
    public static final int SYNTAX_ERROR = 2;

    @Parameters(index = "0", paramLabel = "SCENARIO", description = "the scenario file")
    Path scenario;

    @Option(names = "--json", description = "one JSON object per line, per command")
    boolean json;

    @Option(names = "--threads", description = "data threads unless the scenario says 'threads N' (default: ${DEFAULT-VALUE})",
            defaultValue = "2")
    int threads;

    /**
     * Checks {@code --threads} and parses a scenario for a command, printing why it cannot run.
     *
     * @return the steps, or null (the command then exits with {@link #SYNTAX_ERROR})
     */
    static List<Step> load(String command, Path file, int threads) {
        if (threads < 1 || threads > 1024) {
            System.err.println("hoststack " + command + ": --threads must be in 1..1024, not " + threads);
            return null;
        }
        try {
            return ScenarioParser.parse(file);
        } catch (ScenarioSyntaxException e) {
            System.err.println("hoststack " + command + ": " + e.getMessage());
        } catch (IOException e) {
            System.err.println("hoststack " + command + ": cannot read " + file + ": " + e);
        }
        return null;
    }

    @Override
    public Integer call() {
        PrintStream out = System.out;
        List<Step> steps = load("run", scenario, threads);
        if (steps == null) {
            return SYNTAX_ERROR;
        }
        ScenarioRunner runner = new ScenarioRunner(e -> out.println(json ? EventFormat.json(e) : EventFormat.text(e)), threads);
        runner.run(steps);
        out.flush();
        return 0;
    }
}
