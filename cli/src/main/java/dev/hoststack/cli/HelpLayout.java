package dev.hoststack.cli;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import picocli.CommandLine;
import picocli.CommandLine.Help;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Model.PositionalParamSpec;
import picocli.CommandLine.Model.UsageMessageSpec;

/**
 * The help's layout: every text wrapped at spaces only, to {@link #WIDTH} columns.
 *
 * <p>Hand-written rather than picocli's own wrapping because picocli breaks lines where
 * {@link java.text.BreakIterator} allows, which includes after a {@code .}, {@code :} or
 * {@code -} inside a word: {@code docs/scenarios.} / {@code md}, {@code 1..} / {@code 200},
 * {@code --} / {@code reconnect}. Here a line breaks only at a space; a word longer than the line
 * stays whole. The sections keep picocli's order and headings; only their text is laid out here.
 */
final class HelpLayout {

    /** Columns of the help text. */
    static final int WIDTH = 80;
    /** The widest option label that still shares a line with its description. */
    private static final int MAX_LABEL = 24;

    private HelpLayout() {
    }

    /** Installs the layout on {@code cl} and its subcommands. */
    static void install(CommandLine cl) {
        Map<String, CommandLine.IHelpSectionRenderer> sections = cl.getHelpSectionMap();
        // a command's header is its summary in the parent's command list; its own help opens with the description
        sections.put(UsageMessageSpec.SECTION_KEY_HEADER, h -> h.commandSpec().parent() != null ? ""
                : paragraphs(h.commandSpec().usageMessage().header(), 0));
        sections.put(UsageMessageSpec.SECTION_KEY_DESCRIPTION,
                h -> paragraphs(h.commandSpec().usageMessage().description(), 0));
        sections.put(UsageMessageSpec.SECTION_KEY_PARAMETER_LIST, HelpLayout::parameters);
        sections.put(UsageMessageSpec.SECTION_KEY_OPTION_LIST, HelpLayout::options);
        sections.put(UsageMessageSpec.SECTION_KEY_COMMAND_LIST, HelpLayout::commands);
        sections.put(UsageMessageSpec.SECTION_KEY_EXIT_CODE_LIST, HelpLayout::exitCodes);
        for (CommandLine sub : cl.getSubcommands().values()) {
            install(sub);
        }
    }

    /** Each element a paragraph, wrapped. */
    private static String paragraphs(String[] texts, int indent) {
        StringBuilder b = new StringBuilder();
        for (String t : texts) {
            for (String line : wrap(lineBreaks(t), WIDTH - indent)) {
                b.append(" ".repeat(indent)).append(line).append('\n');
            }
        }
        return b.toString();
    }

    private static String parameters(Help help) {
        List<String[]> rows = new ArrayList<>();
        for (PositionalParamSpec p : help.commandSpec().positionalParameters()) {
            if (!p.hidden()) {
                rows.add(new String[] {"      " + p.paramLabel(), text(p)});
            }
        }
        return table(rows);
    }

    private static String options(Help help) {
        CommandSpec spec = help.commandSpec();
        List<OptionSpec> options = new ArrayList<>();
        List<OptionSpec> standard = new ArrayList<>();
        for (OptionSpec o : spec.options()) {
            if (!o.hidden()) {
                (o.usageHelp() || o.versionHelp() ? standard : options).add(o);
            }
        }
        if (spec.usageMessage().sortOptions()) {
            options.sort(Comparator.comparing(o -> o.longestName().replaceFirst("^-+", "")));
        }
        options.addAll(standard);
        List<String[]> rows = new ArrayList<>();
        for (OptionSpec o : options) {
            String shortName = Arrays.stream(o.names()).filter(n -> n.length() == 2).findFirst().orElse(null);
            String longName = Arrays.stream(o.names()).filter(n -> n.length() > 2).findFirst().orElse(null);
            String label = (shortName == null ? "    " : shortName + (longName == null ? "" : ", "))
                    + (longName == null ? "" : longName)
                    + (o.typeInfo().isBoolean() || o.arity().max() == 0 ? "" : "=" + o.paramLabel());
            rows.add(new String[] {"  " + label, text(o)});
        }
        return table(rows);
    }

    private static String commands(Help help) {
        List<String[]> rows = new ArrayList<>();
        for (Map.Entry<String, CommandLine> e : help.commandSpec().subcommands().entrySet()) {
            UsageMessageSpec u = e.getValue().getCommandSpec().usageMessage();
            String[] summary = u.header().length > 0 ? u.header() : u.description();
            rows.add(new String[] {"  " + e.getKey(), summary.length == 0 ? "" : lineBreaks(summary[0])});
        }
        return table(rows);
    }

    private static String exitCodes(Help help) {
        List<String[]> rows = new ArrayList<>();
        for (Map.Entry<String, String> e : help.commandSpec().usageMessage().exitCodeList().entrySet()) {
            rows.add(new String[] {"  " + e.getKey(), e.getValue()});
        }
        return table(rows);
    }

    /** An argument's description, its variables (such as the default value) filled in, as one paragraph. */
    private static String text(ArgSpec a) {
        return String.join(" ", Arrays.stream(a.description()).map(d -> lineBreaks(d).strip()).toList());
    }

    /**
     * Two columns: labels, then text wrapped at spaces, continuation lines indented by two more;
     * a label wider than {@link #MAX_LABEL} gets a line of its own.
     */
    private static String table(List<String[]> rows) {
        int labelWidth = 0;
        for (String[] r : rows) {
            if (r[0].length() <= MAX_LABEL) {
                labelWidth = Math.max(labelWidth, r[0].length());
            }
        }
        int textColumn = labelWidth + 3;
        StringBuilder b = new StringBuilder();
        for (String[] r : rows) {
            List<String> lines = wrap(r[1], WIDTH - textColumn - 2);
            String first;
            if (r[0].length() > labelWidth) {
                b.append(r[0]).append('\n');
                first = " ".repeat(textColumn);
            } else {
                first = r[0] + " ".repeat(textColumn - r[0].length());
            }
            for (int i = 0; i < lines.size(); i++) {
                b.append(i == 0 ? first : " ".repeat(textColumn + 2)).append(lines.get(i)).append('\n');
            }
        }
        return b.toString();
    }

    /** Picocli's {@code %n} as a line break (the texts are not format strings otherwise). */
    private static String lineBreaks(String text) {
        return text.replace("%n", "\n");
    }

    /** Greedy wrapping at spaces (and at line breaks in the text); a longer word keeps its own line. */
    static List<String> wrap(String text, int width) {
        List<String> lines = new ArrayList<>();
        for (String paragraph : text.split("\\R", -1)) {
            StringBuilder line = new StringBuilder();
            for (String word : paragraph.trim().split(" +")) {
                if (word.isEmpty()) {
                    continue;
                }
                if (line.length() > 0 && line.length() + 1 + word.length() > width) {
                    lines.add(line.toString());
                    line.setLength(0);
                }
                line.append(line.length() == 0 ? "" : " ").append(word);
            }
            if (line.length() > 0 || lines.isEmpty()) {
                lines.add(line.toString());
            }
        }
        return lines;
    }
}
