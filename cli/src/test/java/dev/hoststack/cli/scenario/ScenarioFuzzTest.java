package dev.hoststack.cli.scenario;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import dev.hoststack.cli.EventFormat;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Seeded random scenarios: whatever the lines, the parser answers steps or a
 * {@link ScenarioSyntaxException} (never anything else), a file fails at its first bad line, and
 * running whatever parses never throws out of {@link ScenarioRunner}: every step answers exactly
 * one event, refusals included, that both output formats print on one line.
 *
 * <p>The seed is printed and named in every failure; {@code -Dhoststack.test.seed=N} replays it.
 */
class ScenarioFuzzTest {

    /** Most data threads a random scenario may ask for: every data thread costs about 1.5 MiB of mailbox. */
    private static final int MAX_THREADS = 4;

    private static long seed;
    private static String replay;

    @BeforeAll
    static void seed() {
        String p = System.getProperty("hoststack.test.seed", "");
        seed = p.isBlank() ? System.nanoTime() : Long.parseLong(p.trim());
        replay = "seed " + seed + " (replay with -Dhoststack.test.seed=" + seed + ")";
        System.out.println(ScenarioFuzzTest.class.getSimpleName() + ": " + replay);
    }

    // ================================================================ vocabulary

    private static final String[] VERBS = {
        "threads", "namespace", "app", "worker", "listen", "unlisten", "selector", "hash", "syn", "ack", "rst", "fin",
        "connect", "accept", "advance", "group", "show", "SYN", "Show", "listener", "#", "",
    };
    private static final String[] WORDS = {
        "add", "del", "attach", "detach", "secret", "fib", "namespace", "owner", "scope", "global", "local", "both",
        "reuseport", "selector", "default", "hash", "roundrobin", "thread", "all", "migrate", "on", "off", "listeners",
        "groups", "sessions", "stats", "a", "b", "blue", "red", "nosuch", "s", "#", "\t", "x y",
    };
    private static final String[] NUMBERS = {
        "0", "1", "2", "3", "7", "-1", "75", "74.9", "0.5s", "1e9", "1e10", "NaN", "-0", "0x", "0x10", "0xFFFFFFFF",
        "0x100000000", "0xFFFFFFFFFFFFFFFF", "4294967294", "4294967295", "4294967296", "2147483648", "-2147483649",
        "1023", "1024", "1025", "4095", "4096", "65535", "65536", "99999999999999999999", "+5", "1_0", "0x1p3",
    };
    private static final String[] URIS = {
        "tcp://0.0.0.0/80", "tcp://10.0.0.1/80", "tcp://10.0.0.2/80", "tcp://::/443", "tcp://[::]/443",
        "tcp://2001:db8::1/443", "tcp://[2001:db8::1]/443", "udp://0.0.0.0/53", "tcp://0.0.0.0/0", "tcp://0.0.0.0/",
        "tcp://0.0.0.0/65536", "http://0.0.0.0/80", "tcp://host/80", "tcp:///80", "tcp://[::/443", "tcp://::ffff:10.0.0.1/80",
        "TCP://10.0.0.1/80", "tcp://10.0.0.1/080", "tcp://224.0.0.1/80", "tcp://255.255.255.255/80",
    };
    private static final String[] SRCS = {
        "198.18.0.1:40000", "198.18.0.2:40000", "198.18.0.1:40001", "[2001:db8::a]:40000", "[2001:db8::b]:40001",
        "0.0.0.0:1", "224.0.0.1:5", "255.255.255.255:9", "[::]:1", "[ff02::1]:1", "[::ffff:198.18.0.1]:40000",
        "10.0.0.1", "10.0.0.1:0", "10.0.0.1:65536", "[2001:db8::a]", "2001:db8::a:1", "host:1", ":1", "[]:1", "[:1",
    };
    private static final String[] DSTS = {
        "10.0.0.1:80", "10.0.0.2:80", "10.0.0.1:81", "[2001:db8::1]:443", "[2001:db8::2]:443", "[::]:443",
        "0.0.0.0:80", "10.0.0.1:0", "[2001:db8::1]",
    };
    private static final String[] APPS = {"a", "b", "c"};

    private static String pick(SplittableRandom r, String[] from) {
        return from[r.nextInt(from.length)];
    }

    /** A line of random words of the language, numbers, URIs, addresses and junk. */
    private static String garbageLine(SplittableRandom r) {
        int kind = r.nextInt(10);
        if (kind == 0) {
            return randomBytes(r);
        }
        if (kind <= 2) {
            return mutate(r, validLine(r));
        }
        if (kind == 3) {
            return validLine(r);
        }
        StringBuilder b = new StringBuilder(pick(r, VERBS));
        int n = r.nextInt(7);
        for (int i = 0; i < n; i++) {
            b.append(r.nextInt(8) == 0 ? "\t" : " ");
            switch (r.nextInt(6)) {
                case 0 -> b.append(pick(r, WORDS));
                case 1 -> b.append(pick(r, NUMBERS));
                case 2 -> b.append(pick(r, URIS));
                case 3 -> b.append(pick(r, SRCS));
                case 4 -> b.append(pick(r, DSTS));
                default -> b.append(pick(r, APPS));
            }
        }
        return b.toString();
    }

    /** Random bytes read as UTF-8 (malformed sequences become U+FFFD) or as Latin-1. */
    private static String randomBytes(SplittableRandom r) {
        byte[] bytes = new byte[r.nextInt(60)];
        for (int i = 0; i < bytes.length; i++) {
            bytes[i] = (byte) r.nextInt(256);
        }
        String s = r.nextBoolean() ? new String(bytes, StandardCharsets.UTF_8) : new String(bytes, StandardCharsets.ISO_8859_1);
        return s.replace('\n', ' ').replace('\r', ' ');
    }

    /** Deletes, inserts or replaces a character, or swaps two words. */
    private static String mutate(SplittableRandom r, String line) {
        if (line.isEmpty()) {
            return "#";
        }
        int at = r.nextInt(line.length());
        String chars = "x0:/[]#.%- \t\u00e9\u0000";
        String junk = String.valueOf(chars.charAt(r.nextInt(chars.length())));
        return switch (r.nextInt(4)) {
            case 0 -> line.substring(0, at) + line.substring(at + 1);
            case 1 -> line.substring(0, at) + junk + line.substring(at);
            case 2 -> line.substring(0, at) + junk + line.substring(at + 1);
            default -> {
                String[] w = line.split(" ");
                int i = r.nextInt(w.length);
                int j = r.nextInt(w.length);
                String t = w[i];
                w[i] = w[j];
                w[j] = t;
                yield String.join(" ", w);
            }
        };
    }

    /** A line that mostly parses, over few names, so that runs reach deep states (joins, handshakes, reuse). */
    private static String validLine(SplittableRandom r) {
        String app = pick(r, APPS);
        int worker = r.nextInt(4);
        String src = pick(r, new String[] {"198.18.0.1:40000", "198.18.0.2:40000", "198.18.0.1:40001", "198.18.0.3:40002",
            "[2001:db8::a]:40000", "[2001:db8::b]:40001"});
        boolean v6 = src.startsWith("[");
        String dst = v6 ? pick(r, new String[] {"[2001:db8::1]:443", "[2001:db8::2]:443"})
                : pick(r, new String[] {"10.0.0.1:80", "10.0.0.2:80", "10.0.0.1:81"});
        String uri = pick(r, new String[] {"tcp://0.0.0.0/80", "tcp://10.0.0.1/80", "tcp://10.0.0.1/81", "tcp://::/443",
            "tcp://2001:db8::1/443", "udp://0.0.0.0/53"});
        String thread = r.nextInt(3) == 0 ? " thread " + r.nextInt(MAX_THREADS + 1) : "";
        return switch (r.nextInt(22)) {
            case 0 -> "threads " + (1 + r.nextInt(MAX_THREADS));
            case 1 -> "namespace add " + pick(r, new String[] {"blue", "red"}) + " secret " + r.nextInt(3)
                    + (r.nextBoolean() ? " fib " + r.nextInt(3) : "");
            case 2, 3 -> "app attach " + app
                    + (r.nextInt(3) == 0 ? " namespace " + pick(r, new String[] {"blue", "red", "default"}) + " secret " + r.nextInt(3) : "")
                    + (r.nextInt(4) == 0 ? " owner " + pick(r, new String[] {"0", "1000", "4294967294"}) : "")
                    + (r.nextInt(3) == 0 ? " scope " + pick(r, new String[] {"global", "local", "both"}) : "");
            case 4 -> "app detach " + app;
            case 5 -> "worker add " + app;
            case 6 -> "worker del " + app + " " + worker;
            case 7, 8, 9 -> "listen " + app + " " + worker + " " + uri + (r.nextInt(3) > 0 ? " reuseport" : "")
                    + (r.nextInt(4) == 0 ? " selector " + pick(r, new String[] {"hash", "roundrobin", "nosuch"}) : "");
            case 10 -> "unlisten " + app + " " + worker + " " + uri;
            case 11 -> "selector default " + pick(r, new String[] {"hash", "roundrobin", "nosuch"});
            case 12 -> "hash secret " + pick(r, new String[] {"0", "1", "0x5eed", "4294967295", "-1"});
            case 13, 14 -> "syn " + src + " " + dst + thread;
            case 15 -> "ack " + src + " " + dst + thread;
            case 16 -> pick(r, new String[] {"rst ", "fin "}) + src + " " + dst + thread;
            case 17 -> "connect " + src + " " + dst + thread;
            case 18 -> "accept " + app + " " + worker + pick(r, new String[] {"", " all", " 0", " 1", " 2"});
            case 19 -> "advance " + pick(r, new String[] {"0", "0.5s", "74.9", "75", "1e9"});
            case 20 -> "group migrate " + uri + pick(r, new String[] {" on", " off"});
            default -> "show " + pick(r, new String[] {"listeners", "groups", "sessions", "stats"});
        };
    }

    // ================================================================ properties

    /** Parses one line: its steps, or null for a syntax error; anything else fails the test. */
    private static List<Step> parseOrNull(String line) {
        try {
            return ScenarioParser.parse("fuzz.scn", List.of(line));
        } catch (ScenarioSyntaxException e) {
            assertThat(e.getMessage()).as(replay).startsWith("fuzz.scn:1: ");
            assertThat(e.line()).as(replay).isEqualTo(1);
            return null;
        } catch (RuntimeException | Error e) {
            throw new AssertionError(replay + ": parsing " + quote(line) + " threw " + e, e);
        }
    }

    private static String quote(String s) {
        StringBuilder b = new StringBuilder("\"");
        for (char c : s.toCharArray()) {
            b.append(c >= ' ' && c < 0x7f ? String.valueOf(c) : String.format("\\u%04x", (int) c));
        }
        return b.append('"').toString();
    }

    @Test
    void randomLinesParseOrFailWithAScenarioSyntaxExceptionAtTheFirstBadLine() {
        SplittableRandom r = new SplittableRandom(seed);
        int files = 60;
        int good = 0;
        int bad = 0;
        for (int f = 0; f < files; f++) {
            List<String> lines = new ArrayList<>();
            int firstBad = -1;
            for (int i = 0; i < 80; i++) {
                String line = garbageLine(r);
                lines.add(line);
                if (parseOrNull(line) == null) {
                    bad++;
                    if (firstBad < 0) {
                        firstBad = i + 1;
                    }
                } else {
                    good++;
                }
            }
            try {
                List<Step> steps = ScenarioParser.parse("fuzz.scn", lines);
                assertThat(firstBad).as("%s: file %s parsed although line %s alone does not", replay, f, firstBad).isEqualTo(-1);
                assertThat(steps).isNotNull();
            } catch (ScenarioSyntaxException e) {
                assertThat(e.line()).as("%s: file %s: %s", replay, f, e.getMessage()).isEqualTo(firstBad);
                assertThat(e.getMessage()).startsWith("fuzz.scn:" + firstBad + ": ");
            } catch (RuntimeException | Error e) {
                throw new AssertionError(replay + ": parsing file " + f + " threw " + e, e);
            }
        }
        // the generator must exercise both outcomes
        assertThat(good).as(replay).isGreaterThan(files * 80 / 10);
        assertThat(bad).as(replay).isGreaterThan(files * 80 / 10);
    }

    @Test
    void runningWhateverParsesNeverThrowsAndAnswersOneEventPerStep() {
        SplittableRandom r = new SplittableRandom(seed ^ 0x5DEECE66DL);
        int errors = 0;
        int dispatches = 0;
        for (int run = 0; run < 12; run++) {
            // mostly valid lines, some garbage; keep those that parse, then parse them as one file
            List<String> lines = new ArrayList<>();
            while (lines.size() < 300) {
                String line = r.nextInt(5) == 0 ? garbageLine(r) : validLine(r);
                List<Step> one = parseOrNull(line);
                if (one != null && !(one.size() == 1 && one.get(0) instanceof Step.Threads t && t.threads() > MAX_THREADS)) {
                    lines.add(line);
                }
            }
            List<Step> steps;
            try {
                steps = ScenarioParser.parse("fuzz.scn", lines);
            } catch (ScenarioSyntaxException e) {
                throw new AssertionError(replay + ": lines that parse alone failed together: " + e.getMessage(), e);
            }
            List<Map<String, Object>> events = new ArrayList<>();
            ScenarioRunner runner = new ScenarioRunner(events::add, 1 + r.nextInt(MAX_THREADS));
            for (Step s : steps) {
                int before = events.size();
                try {
                    runner.step(s);
                } catch (RuntimeException | Error e) {
                    throw new AssertionError(replay + ": run " + run + ", line " + s.line() + " " + quote(lines.get(s.line() - 1))
                            + " threw " + e + "\n" + String.join("\n", lines.subList(0, s.line())), e);
                }
                assertThat(events.size() - before).as("%s: run %s, events of line %s %s", replay, run, s.line(),
                        quote(lines.get(s.line() - 1))).isEqualTo(1);
                Map<String, Object> e = events.get(before);
                assertThat(e.get("line")).as(replay).isEqualTo(s.line());
                assertThat(e.get("event")).as(replay).isInstanceOf(String.class);
                if ("error".equals(e.get("event"))) {
                    errors++;
                    assertThat(e).as(replay).containsKeys("code", "message");
                }
                if ("dispatch".equals(e.get("event"))) {
                    dispatches++;
                    assertThat(e).as(replay).containsKeys("app", "worker", "thread", "session", "via");
                }
                String json = EventFormat.json(e);
                String text = EventFormat.text(e);
                assertThat(json).as(replay).startsWith("{\"line\":" + s.line() + ",\"event\":").doesNotContain("\n", "\r");
                assertThat(text).as(replay).startsWith("line " + s.line() + ": ").doesNotContain("\n", "\r");
            }
        }
        if (errors == 0 || dispatches == 0) {
            fail("%s: the runs should see refusals and dispatches (errors %s, dispatches %s)", replay, errors, dispatches);
        }
    }
}
