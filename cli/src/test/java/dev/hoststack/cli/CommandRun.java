package dev.hoststack.cli;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The {@code hoststack} command run as a user runs it, with what it printed: in this JVM through
 * {@link Main#execute} (the code path of {@code ./hoststack ARGS}, with {@code System.out} and
 * {@code System.err} captured; not for tests running concurrently with each other), or as a real
 * process through {@link Main#main}, whose exit code is the process's.
 *
 * @param exitCode what {@code main} exits with
 * @param out      everything printed to standard output
 * @param err      everything printed to standard error
 */
record CommandRun(int exitCode, String out, String err) {

    /** Runs {@code hoststack ARGS} in this JVM. */
    static synchronized CommandRun of(String... args) {
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
            return new CommandRun(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(oldOut);
            System.setErr(oldErr);
        }
    }

    /** Runs {@code hoststack ARGS} as a process of its own (this JVM's java and class path), waiting at most {@code timeout}. */
    static CommandRun process(Duration timeout, String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElse("java"),
                "-cp", System.getProperty("java.class.path"), Main.class.getName()));
        command.addAll(List.of(args));
        return run(command, timeout);
    }

    /** Runs any command, waiting at most {@code timeout}; fails the test if it does not end by then. */
    static CommandRun run(List<String> command, Duration timeout) throws IOException, InterruptedException {
        Path dir = Files.createTempDirectory("hoststack-cmd");
        Path out = dir.resolve("out");
        Path err = dir.resolve("err");
        Process p = new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            p.destroyForcibly();
            throw new AssertionError(command + " did not end within " + timeout + "; its output so far: "
                    + Files.readString(out) + Files.readString(err));
        }
        CommandRun r = new CommandRun(p.exitValue(), Files.readString(out), Files.readString(err));
        Files.delete(out);
        Files.delete(err);
        Files.delete(dir);
        return r;
    }

    /** Standard error's lines. */
    List<String> errLines() {
        return err.isEmpty() ? List.of() : List.of(err.split("\\R"));
    }

    @Override
    public String toString() {
        return "exit " + exitCode + "\n--- stdout\n" + out + "--- stderr\n" + err;
    }
}
