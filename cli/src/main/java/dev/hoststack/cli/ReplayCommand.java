package dev.hoststack.cli;

import dev.hoststack.cli.scenario.Step;
import dev.hoststack.pcap.CaptureException;
import dev.hoststack.pcap.CaptureReader;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code hoststack replay CAPTURE --setup SCENARIO}: feeds a real packet capture to a stack. */
@Command(name = "replay", mixinStandardHelpOptions = true,
        header = "Replays a pcap or pcapng capture's TCP segments into a stack set up by a scenario.",
        description = "Reads a pcap or pcapng capture (Ethernet, Linux cooked SLL/SLL2, raw IP, BSD loopback) and feeds"
            + " every inbound TCP segment to transport-tcp on a data thread chosen like RSS (a keyed hash of the flow);"
            + " the set-up scenario attaches the applications and listens where the capture's SYNs go. Each dispatch is"
            + " reported as 'run' reports it, then a summary and the connections per application and per worker. SYNs"
            + " that found no listener are counted by the endpoint they went to. Exits with 1 when the capture ends"
            + " with an error (after reporting what came before it), 2 when a file cannot be read or the set-up cannot"
            + " be parsed. More: docs/commands.md#replay.",
        sortOptions = false)
public final class ReplayCommand implements Callable<Integer> {

    /** Exit code of a capture that ended with an error (after the partial report). */
    public static final int CAPTURE_ERROR = Main.FAILED;

    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "CAPTURE", description = "a .pcap or .pcapng file")
    Path capture;

    @Option(names = "--setup", required = true, paramLabel = "SCENARIO",
            description = "the scenario that attaches the applications and listens (docs/scenarios.md); its segments,"
                + " if any, run before the capture")
    Path setup;

    @Option(names = "--json", description = "one JSON object per line, and a summary object at the end")
    boolean json;

    @Option(names = "--threads", paramLabel = "N", defaultValue = "2", description = "data threads, 1..1024 (default:"
            + " ${DEFAULT-VALUE})")
    int threads;

    @Option(names = "--rss-secret", paramLabel = "N", defaultValue = "0", converter = CliChecks.Secret32.class,
            description = "keys the flow hash that picks a segment's data thread, as a NIC's RSS key would; 32 bits,"
                + " decimal or 0x (default: ${DEFAULT-VALUE})")
    int rssSecret;

    @Override
    public Integer call() {
        PrintStream out = System.out;
        if (Files.isDirectory(capture)) {
            System.err.println("hoststack replay: " + capture + ": is a directory, not a capture file");
            return RunCommand.SYNTAX_ERROR;
        }
        List<Step> steps = RunCommand.load(spec, setup, threads);
        if (steps == null) {
            return RunCommand.SYNTAX_ERROR;
        }
        CaptureReader reader;
        long size;
        try {
            size = Files.size(capture);
            reader = CaptureReader.open(capture);
        } catch (IOException e) {
            System.err.println("hoststack replay: " + capture + ": " + CliChecks.why(e));
            return RunCommand.SYNTAX_ERROR;
        } catch (CaptureException e) {
            System.err.println("hoststack replay: " + capture + ": " + e.getMessage());
            return CAPTURE_ERROR;
        }
        java.util.function.Consumer<Map<String, Object>> print = e -> out.println(json ? EventFormat.json(e) : EventFormat.text(e));
        Replayer replayer = new Replayer(print, threads, rssSecret, steps);
        boolean terminal = System.console() != null;
        Replayer.Result r = replayer.replay(reader, print, offset -> {
            if (terminal) {
                System.err.printf("\rreplaying %s: %d%%", capture.getFileName(), size == 0 ? 100 : offset * 100 / size);
            }
        });
        if (terminal) {
            System.err.print("\r\033[K");
        }
        if (json) {
            Map<String, Object> summary = new java.util.LinkedHashMap<>();
            summary.put("event", "summary");
            summary.put("packets", r.packets);
            summary.put("fed", r.fed);
            summary.put("outbound", r.outbound);
            summary.put("notTcp", r.notTcp);
            summary.put("dispatched", r.dispatched);
            summary.put("established", r.established);
            summary.put("accepted", r.accepted);
            summary.put("drops", r.drops);
            summary.put("apps", r.table.counts());
            if (!r.synsUnheard.isEmpty()) {
                summary.put("synsToNoListener", r.synsUnheard);
            }
            if (r.error != null) {
                summary.put("error", r.error);
            }
            out.println(EventFormat.json(summary));
        } else {
            out.printf("%n%s: %d packets; %d inbound TCP segments fed, %d outbound (the captured server's) skipped, "
                    + "%d not TCP%n", capture.getFileName(), r.packets, r.fed, r.outbound, r.notTcp);
            out.printf("%d SYNs dispatched, %d handshakes completed, %d accepted%n", r.dispatched, r.established, r.accepted);
            if (!r.drops.isEmpty()) {
                out.println("drops and resets: " + r.drops);
            }
            if (!r.synsUnheard.isEmpty()) {
                out.println(unheardHint(r, steps));
            }
            out.println("connections per application and per worker:");
            r.table.print(out, "replay");
        }
        if (r.error != null) {
            System.err.println("hoststack replay: " + capture + ": " + r.error);
            return CAPTURE_ERROR;
        }
        return 0;
    }

    /**
     * What to do about SYNs no listener took: where they went, where the set-up listens, and a
     * set-up that fits.
     */
    static String unheardHint(Replayer.Result r, List<Step> setup) {
        long total = r.synsUnheardElsewhere;
        StringBuilder to = new StringBuilder();
        for (Map.Entry<String, Long> e : r.synsUnheard.entrySet()) {
            total += e.getValue();
            to.append(to.length() == 0 ? "" : ", ").append(e.getKey()).append(" (").append(e.getValue()).append(')');
        }
        if (r.synsUnheardElsewhere > 0) {
            to.append(", other endpoints (").append(r.synsUnheardElsewhere).append(')');
        }
        Set<String> listens = new LinkedHashSet<>();
        for (Step s : setup) {
            if (s instanceof Step.Listen l) {
                listens.add(l.endpoint().toUri());
            }
        }
        return total + " SYN" + (total == 1 ? "" : "s") + " found no listener: sent to " + to + "; the set-up listens on "
                + (listens.isEmpty() ? "nothing" : String.join(", ", listens))
                + ". Listen where the capture's SYNs go (a wildcard address takes every address of a port), e.g. as"
                + " docs/scenarios/replay-40101.scn does for the captures to 127.0.0.1:40101.";
    }
}
