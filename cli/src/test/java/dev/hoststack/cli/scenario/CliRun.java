package dev.hoststack.cli.scenario;

import dev.hoststack.cli.Main;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The {@code hoststack} command line run in-process, with what it printed: the same code path as
 * {@code ./hoststack ARGS} ({@link Main#execute}), with {@code System.out} and {@code System.err}
 * captured. Not for tests that run concurrently with each other (it swaps the JVM's streams).
 *
 * @param exitCode what {@code main} would exit with
 * @param out      everything printed to standard output
 * @param err      everything printed to standard error
 */
record CliRun(int exitCode, String out, String err) {

    /** Runs {@code hoststack ARGS}. */
    static synchronized CliRun of(String... args) {
        PrintStream oldOut = System.out;
        PrintStream oldErr = System.err;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        try (PrintStream o = new PrintStream(out, true, StandardCharsets.UTF_8);
             PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8)) {
            System.setOut(o);
            System.setErr(e);
            int code = Main.execute(args);
            o.flush();
            e.flush();
            return new CliRun(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(oldOut);
            System.setErr(oldErr);
        }
    }

    /** Standard output split into lines, without the empty string after the last line break. */
    List<String> outLines() {
        List<String> lines = new ArrayList<>(List.of(out.split("\\R", -1)));
        if (!lines.isEmpty() && lines.get(lines.size() - 1).isEmpty()) {
            lines.remove(lines.size() - 1);
        }
        return lines;
    }
}
