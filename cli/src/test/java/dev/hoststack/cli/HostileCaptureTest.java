package dev.hoststack.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hoststack.cli.scenario.ScenarioParser;
import dev.hoststack.pcap.CaptureException;
import dev.hoststack.pcap.CaptureReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Mutated real captures through the whole replay path (pcap reader, link decoding, segment
 * parser, session layer, selectors): a corrupt capture is a reported error, a corrupt segment a
 * counted drop; nothing else escapes. Seeded ({@code -Dhoststack.test.seed=N}).
 */
class HostileCaptureTest {

    private static final Path CAPTURES = Path.of("..", "pcap", "src", "test", "resources", "captures");

    @Test
    void mutatedCapturesReplayOrEndWithAReportedErrorNeverAnException() throws Exception {
        long seed = Long.getLong("hoststack.test.seed", System.nanoTime());
        Random r = new Random(seed);
        List<byte[]> originals = List.of(Files.readAllBytes(CAPTURES.resolve("lo-ipv4-ethernet.pcap")),
                Files.readAllBytes(CAPTURES.resolve("any-mixed-sll2-nano.pcap")),
                Files.readAllBytes(CAPTURES.resolve("lo-mixed-dumpcap.pcapng")));
        var setup = ScenarioParser.parse("setup", List.of("app attach a", "worker add a", "app attach b",
                "listen a 0 tcp://127.0.0.1/40101 reuseport", "listen a 1 tcp://127.0.0.1/40101 reuseport",
                "listen b 0 tcp://127.0.0.1/40101 reuseport", "listen a 0 tcp://::1/40102 reuseport selector hash",
                "listen b 0 tcp://::1/40102 reuseport", "listen b 0 tcp://127.0.0.1/40104"));
        Replayer replayer = null;
        int errors = 0;
        int mutants = 1200;
        for (int m = 0; m < mutants; m++) {
            if (m % 100 == 0) {
                replayer = new Replayer(e -> { }, 2, r.nextInt(), setup);
            }
            byte[] bytes = originals.get(r.nextInt(originals.size())).clone();
            int kind = r.nextInt(4);
            int edits = 1 + r.nextInt(kind == 0 ? 64 : 8);
            for (int e = 0; e < edits; e++) {
                int at = r.nextInt(bytes.length);
                switch (kind) {
                    case 0 -> bytes[at] ^= (byte) (1 << r.nextInt(8));
                    case 1 -> bytes[at] = (byte) r.nextInt(256);
                    case 2 -> bytes[at] = (byte) (r.nextBoolean() ? 0 : 0xFF);
                    default -> bytes = java.util.Arrays.copyOf(bytes, Math.max(0, at));
                }
                if (bytes.length == 0) {
                    break;
                }
            }
            String context = "mutant " + m + " (kind " + kind + "), seed " + seed + " (replay with -Dhoststack.test.seed=" + seed + ")";
            try {
                CaptureReader reader = CaptureReader.of(bytes);
                Replayer.Result result = replayer.replay(reader, e -> { }, o -> { });
                if (result.error != null) {
                    errors++;
                    assertThat(result.error).as(context).contains("offset");
                }
            } catch (CaptureException e) {
                errors++;
                assertThat(e.getMessage()).as(context).isNotBlank();
            } catch (RuntimeException | Error e) {
                throw new AssertionError("an unexpected " + e + " escaped the replay of " + context, e);
            }
        }
        assertThat(errors).as("some mutants are corrupt captures; seed %s", seed).isPositive();
        assertThat(errors).as("some mutants still replay; seed %s", seed).isLessThan(mutants);
    }
}
