package dev.hoststack.cli;

import dev.hoststack.cli.scenario.Step;
import dev.hoststack.pcap.CaptureException;
import dev.hoststack.pcap.CaptureReader;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code hoststack replay CAPTURE --setup SCENARIO}: feeds a real packet capture to a stack. */
@Command(name = "replay", mixinStandardHelpOptions = true,
        description = {"Replays a pcap or pcapng capture (Ethernet, Linux cooked SLL/SLL2, raw IP, BSD loopback) into a",
            "stack set up by a scenario: every inbound TCP segment goes to transport-tcp on a thread chosen like RSS",
            "(a flow hash); each dispatch is reported as 'run --json' does, then the per-app / per-worker table."})
public final class ReplayCommand implements Callable<Integer> {

    /** Exit code of a capture that ended with an error (after the partial report). */
    public static final int CAPTURE_ERROR = 1;

    @Parameters(index = "0", paramLabel = "CAPTURE", description = "a .pcap or .pcapng file")
    Path capture;

    @Option(names = "--setup", required = true, paramLabel = "SCENARIO", description = "the scenario that attaches and listens")
    Path setup;

    @Option(names = "--json", description = "one JSON object per line")
    boolean json;

    @Option(names = "--threads", description = "data threads (default: ${DEFAULT-VALUE})", defaultValue = "2")
    int threads;

    @Option(names = "--rss-secret", description = "keys the flow hash that picks a thread (default: ${DEFAULT-VALUE})",
            defaultValue = "0")
    int rssSecret;

    @Override
    public Integer call() {
        PrintStream out = System.out;
        List<Step> steps = RunCommand.load("replay", setup, threads);
        if (steps == null) {
            return RunCommand.SYNTAX_ERROR;
        }
        CaptureReader reader;
        long size;
        try {
            size = Files.size(capture);
            reader = CaptureReader.open(capture);
        } catch (IOException e) {
            System.err.println("hoststack replay: cannot read " + capture + ": " + e);
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
            out.println("connections per application and per worker:");
            r.table.print(out, "replay");
        }
        if (r.error != null) {
            System.err.println("hoststack replay: " + capture + ": " + r.error);
            return CAPTURE_ERROR;
        }
        return 0;
    }
}
