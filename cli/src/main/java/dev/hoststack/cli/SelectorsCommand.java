package dev.hoststack.cli;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import java.io.PrintStream;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code hoststack selectors}: every installed selector, its description, and where it came from. */
@Command(name = "selectors", mixinStandardHelpOptions = true,
        header = "Lists every installed selector with its description and where it came from.",
        description = "Lists every selector this command line has: the ones built in and those of the plug-ins given"
            + " with --plugins (before the command) or HOSTSTACK_PLUGINS, each with its name (what 'listen ... selector"
            + " NAME', --selector and 'selector default' take), where it came from ('built in' or its jar) and its"
            + " one-line description. A plug-in that cannot be loaded stops every command, this one too, with one line"
            + " saying which and why (exit 2).",
        sortOptions = false)
public final class SelectorsCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--json", description = "one JSON object: {selectors: [{name, origin, description}]}")
    boolean json;

    @Override
    public Integer call() throws Plugins.PluginException {
        PrintStream out = System.out;
        List<Plugins.Installed> all = Plugins.providers(Plugins.loader(), Plugins.jars());
        if (json) {
            JsonArray a = new JsonArray();
            for (Plugins.Installed s : all) {
                JsonObject o = new JsonObject();
                o.addProperty("name", s.name());
                o.addProperty("origin", s.origin());
                o.addProperty("description", s.description());
                a.add(o);
            }
            JsonObject top = new JsonObject();
            top.add("selectors", a);
            out.println(top);
            return 0;
        }
        int width = 4;
        for (Plugins.Installed s : all) {
            width = Math.max(width, s.name().length());
        }
        out.println(all.size() + " selectors (a plug-in's origin is its jar):");
        for (Plugins.Installed s : all) {
            out.printf("  %-" + width + "s  %s%n", s.name(), s.origin());
            out.println("  " + " ".repeat(width) + "  " + s.description());
        }
        out.flush();
        return 0;
    }
}
