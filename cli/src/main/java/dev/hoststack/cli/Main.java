package dev.hoststack.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.HelpCommand;

/** The {@code hoststack} command. */
@Command(name = "hoststack", mixinStandardHelpOptions = true, version = "hoststack 0.1.0",
        description = {"A VPP-style host stack session layer with reuseport across applications."},
        subcommands = {DemoCommand.class, RunCommand.class, ReplayCommand.class, DaemonCommand.class, WorkerCommand.class,
            StatusCommand.class, BenchCommand.class, HelpCommand.class})
public final class Main implements Runnable {

    @Override
    public void run() {
        new CommandLine(this).usage(System.out);
    }

    /** Runs the command line and exits with its code. */
    public static void main(String[] args) {
        System.exit(execute(args));
    }

    /** Runs the command line and returns its exit code (for tests). */
    public static int execute(String... args) {
        return new CommandLine(new Main()).execute(args);
    }
}
