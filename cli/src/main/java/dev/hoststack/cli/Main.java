package dev.hoststack.cli;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.HelpCommand;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.UsageMessageSpec;
import picocli.CommandLine.MissingParameterException;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParseResult;
import picocli.CommandLine.Spec;
import picocli.CommandLine.UnmatchedArgumentException;

/**
 * The {@code hoststack} command: picocli subcommands, and the rules every one of them keeps.
 *
 * <ul>
 *   <li>A usage error (an unknown command or option, a missing or malformed value, a value out of
 *       range, options that do not go together, a file that cannot be read) prints one line on
 *       standard error, {@code hoststack COMMAND: what to fix (see 'hoststack COMMAND --help')},
 *       and exits with {@link #USAGE}. No command at all prints the usage on standard error and
 *       exits with {@link #USAGE} too.</li>
 *   <li>A command that runs and fails prints one line naming what failed and exits with
 *       {@link #FAILED}, or with a code of its own that its help lists ({@code worker}: 3 and 4).</li>
 *   <li>An exception nobody expected (a bug) prints one line too; the stack trace only when the
 *       environment sets {@code HOSTSTACK_STACKTRACE=1}.</li>
 * </ul>
 *
 * <p>Help texts are single paragraphs that picocli wraps to the usage width: a description never
 * carries hard line breaks, and each command's {@code header} is its one-line summary in
 * {@code hoststack --help}.
 */
@Command(name = "hoststack", mixinStandardHelpOptions = true, version = "hoststack 0.1.0",
        header = "A VPP-style host stack session layer with reuseport across applications.",
        description = "Several applications listen on one endpoint with reuseport; each new connection goes to one worker"
            + " of one application, chosen by a pluggable selector. 'hoststack demo' shows the design note's example;"
            + " 'hoststack COMMAND --help' tells more about each command. Documents: README.md, docs/commands.md.",
        synopsisSubcommandLabel = "COMMAND",
        commandListHeading = "%nCommands:%n",
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {
            "0:success",
            "1:the command ran and failed (a daemon that cannot start, a capture that ends with an error,"
                + " unanswered connections, ...); one line says what",
            "2:usage error: unknown command or option, bad value, unreadable file, scenario syntax, a plug-in that"
                + " cannot be loaded; one line says what to fix",
            "3:worker: the daemon refused a request ('error CODE message')",
            "4:worker: no daemon answers, or it went away",
            "70:daemon: it cannot go on (an OutOfMemoryError, say); a supervisor should start it again"},
        subcommands = {DemoCommand.class, RunCommand.class, ReplayCommand.class, DaemonCommand.class, WorkerCommand.class, ServeCommand.class,
            StatusCommand.class, BenchCommand.class, SelectorsCommand.class, CompareCommand.class, HelpCommand.class})
public final class Main implements Callable<Integer> {

    /** Exit code of a command that ran and failed. */
    public static final int FAILED = 1;
    /** Exit code of a usage error. */
    public static final int USAGE = 2;

    @Spec
    CommandSpec spec;

    @Option(names = "--plugins", paramLabel = "DIR|JAR", description = "before the command: a selector jar, or a"
            + " directory of them, to load for every command (repeatable; after those in the environment variable "
            + Plugins.ENV + ", entries separated by ':'); './hoststack selectors' lists what is installed (default: none)")
    List<String> plugins = new ArrayList<>();

    /** No command: the usage, on standard error, and a usage error's exit code. */
    @Override
    public Integer call() {
        spec.commandLine().usage(spec.commandLine().getErr());
        return USAGE;
    }

    /** Runs the command line and exits with its code. */
    public static void main(String[] args) {
        System.exit(execute(args));
    }

    /** Runs the command line and returns its exit code (for tests). */
    public static int execute(String... args) {
        return commandLine().execute(args);
    }

    /** The command line with this class's error handling and help layout. */
    static CommandLine commandLine() {
        CommandLine cl = new CommandLine(new Main());
        cl.setParameterExceptionHandler(Main::usageError);
        cl.setExecutionExceptionHandler(Main::unexpected);
        cl.setExecutionStrategy(Main::withPlugins);
        layout(cl.getCommandSpec().usageMessage(), true);
        for (CommandLine sub : cl.getSubcommands().values()) {
            UsageMessageSpec u = sub.getCommandSpec().usageMessage();
            // one paragraph that picocli wraps; a description written as several lines would be cut in
            // 'hoststack --help' (its first line is the summary) and re-wrapped raggedly in COMMAND --help
            String paragraph = String.join(" ", Arrays.stream(u.description()).map(String::strip).toList());
            u.description(paragraph);
            if (u.header().length == 0) {
                u.header(firstSentence(paragraph));
            }
            layout(u, false);
        }
        HelpLayout.install(cl);
        return cl;
    }

    /**
     * Loads the plug-ins ({@code HOSTSTACK_PLUGINS}, then {@code --plugins}) and runs the command
     * with them; a bad plug-in is a usage error: one line, nothing started. Help and version
     * requests load nothing.
     */
    private static int withPlugins(ParseResult parsed) {
        for (ParseResult p = parsed; p != null; p = p.subcommand()) {
            if (p.isUsageHelpRequested() || p.isVersionHelpRequested() || p.commandSpec().userObject() instanceof HelpCommand) {
                return new CommandLine.RunLast().execute(parsed);
            }
        }
        Main main = parsed.commandSpec().commandLine().getCommand();
        Thread t = Thread.currentThread();
        ClassLoader before = t.getContextClassLoader();
        try {
            Plugins.install(System.getenv(Plugins.ENV), main.plugins);
        } catch (Plugins.PluginException e) {
            PrintWriter err = parsed.commandSpec().commandLine().getErr();
            err.println("hoststack: " + e.getMessage());
            err.flush();
            return USAGE;
        }
        try {
            return new CommandLine.RunLast().execute(parsed);
        } finally {
            t.setContextClassLoader(before);
        }
    }

    private static void layout(UsageMessageSpec u, boolean top) {
        u.synopsisHeading(top ? "%nUsage: " : "Usage: ").descriptionHeading("%n").parameterListHeading("%nParameters:%n")
                .optionListHeading("%nOptions:%n");
    }

    /** The text up to the end of its first sentence (a full stop followed by a space, or the end). */
    static String firstSentence(String paragraph) {
        int end = paragraph.indexOf(". ");
        return end < 0 ? paragraph : paragraph.substring(0, end + 1);
    }

    /** One line naming what to fix, and {@link #USAGE}. */
    private static int usageError(ParameterException e, String[] args) {
        CommandLine cl = e.getCommandLine();
        CommandSpec spec = cl.getCommandSpec();
        String name = spec.qualifiedName();
        String message = oneLine(e.getMessage());
        if (e instanceof MissingParameterException && !cl.getUnmatchedArguments().isEmpty()) {
            // a mistyped option leaves the real one missing: name the mistyped one, it is what to fix
            e = new UnmatchedArgumentException(cl, cl.getUnmatchedArguments());
            message = oneLine(e.getMessage());
        }
        if (e instanceof UnmatchedArgumentException u) {
            List<String> unmatched = u.getUnmatched();
            String first = unmatched.isEmpty() ? "" : unmatched.get(0);
            boolean command = spec.parent() == null && !first.startsWith("-");
            List<String> suggestions = suggest(first.replaceFirst("=.*", ""), command ? spec.subcommands().keySet()
                    : spec.optionsMap().keySet());
            String didYouMean = suggestions.isEmpty() ? "" : " (did you mean " + String.join(" or ", suggestions) + "?)";
            if (command) {
                message = "unknown command '" + first + "'" + didYouMean + "; the commands: "
                        + String.join(", ", spec.subcommands().keySet());
            } else if (first.startsWith("-")) {
                message = "unknown option '" + first + "'" + didYouMean;
            } else {
                message = message + didYouMean;
            }
        }
        PrintWriter err = cl.getErr();
        err.println(name + ": " + message + " (see '" + name + " --help')");
        err.flush();
        return USAGE;
    }

    /** The candidates within two edits (a letter added, removed, changed, or two swapped) of a mistyped word. */
    static List<String> suggest(String word, Collection<String> candidates) {
        List<String> close = new ArrayList<>();
        for (String c : candidates) {
            if (!c.equals(word) && c.length() > 2 && editDistance(word, c) <= Math.min(2, c.length() / 3)) {
                close.add(c);
            }
        }
        return close;
    }

    /** The optimal string alignment distance: insertions, deletions, substitutions and adjacent transpositions. */
    static int editDistance(String a, String b) {
        int[][] d = new int[a.length() + 1][b.length() + 1];
        for (int i = 0; i <= a.length(); i++) {
            d[i][0] = i;
        }
        for (int j = 0; j <= b.length(); j++) {
            d[0][j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                d[i][j] = Math.min(Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1), d[i - 1][j - 1] + cost);
                if (i > 1 && j > 1 && a.charAt(i - 1) == b.charAt(j - 2) && a.charAt(i - 2) == b.charAt(j - 1)) {
                    d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
                }
            }
        }
        return d[a.length()][b.length()];
    }

    /** An exception no command expected: one line, the trace only on request. */
    private static int unexpected(Exception e, CommandLine cl, ParseResult parsed) {
        PrintWriter err = cl.getErr();
        String what = e.getMessage() == null ? e.getClass().getSimpleName() : e.getClass().getSimpleName() + ": "
                + oneLine(e.getMessage());
        boolean trace = "1".equals(System.getenv("HOSTSTACK_STACKTRACE"));
        err.println(cl.getCommandSpec().qualifiedName() + ": unexpected error: " + what
                + (trace ? "" : " (this is a bug; HOSTSTACK_STACKTRACE=1 prints its stack trace)"));
        if (trace) {
            e.printStackTrace(err);
        }
        err.flush();
        return FAILED;
    }

    /** The first line of a message, trimmed. */
    static String oneLine(String message) {
        if (message == null) {
            return "";
        }
        String m = message.strip();
        int nl = m.indexOf('\n');
        return (nl < 0 ? m : m.substring(0, nl)).strip();
    }
}
