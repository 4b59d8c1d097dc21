package dev.hoststack.cli.scenario;

import dev.hoststack.api.Endpoint;
import dev.hoststack.api.Ip;
import dev.hoststack.api.Scope;
import java.io.IOException;
import java.net.Inet4Address;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Parses a scenario, every line, before anything runs: a bad line anywhere stops the run before
 * its first command, with the file, the line and what was expected. Blank lines and lines (or
 * line ends) starting with {@code #} are comments.
 */
public final class ScenarioParser {

    private static final String SEGMENT_FORM = "SRC DST [thread T], e.g. 10.0.0.1:40000 10.0.0.100:80 "
            + "or [2001:db8::1]:40000 [2001:db8::100]:443";

    private final String file;

    private ScenarioParser(String file) {
        this.file = file;
    }

    /**
     * Parses a file of UTF-8 text.
     *
     * @throws ScenarioSyntaxException also for bytes that are not UTF-8, naming their line and column
     * @throws IOException when the file cannot be read
     */
    public static List<Step> parse(Path path) throws IOException, ScenarioSyntaxException {
        return parse(path.toString(), decode(path.toString(), Files.readAllBytes(path)).lines().toList());
    }

    /** The text, or an error naming the line and column (in bytes) of the first byte that is not UTF-8. */
    public static String decode(String name, byte[] bytes) throws ScenarioSyntaxException {
        ByteBuffer in = ByteBuffer.wrap(bytes);
        CharBuffer out = CharBuffer.allocate(bytes.length);
        CoderResult r = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT).decode(in, out, true);
        if (r.isError()) {
            int at = in.position();
            int line = 1;
            int lineStart = 0;
            for (int i = 0; i < at; i++) {
                if (bytes[i] == '\n' || bytes[i] == '\r' && (i + 1 >= bytes.length || bytes[i + 1] != '\n')) {
                    line++;
                    lineStart = i + 1;
                }
            }
            throw new ScenarioSyntaxException(name, line, String.format("not UTF-8 text: byte 0x%02x at column %d"
                    + " (save the file as UTF-8)", bytes[at] & 0xFF, at - lineStart + 1));
        }
        out.flip();
        return out.toString();
    }

    /** Parses lines; {@code name} names them in errors. */
    public static List<Step> parse(String name, List<String> lines) throws ScenarioSyntaxException {
        ScenarioParser p = new ScenarioParser(name);
        List<Step> steps = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            Step s = p.line(i + 1, lines.get(i));
            if (s != null) {
                steps.add(s);
            }
        }
        return steps;
    }

    /** The words of a line, a cursor over them, and errors that name the line. */
    private final class Words {
        final int line;
        final String[] w;
        int i;

        Words(int line, String[] w) {
            this.line = line;
            this.w = w;
        }

        boolean more() {
            return i < w.length;
        }

        String peek() {
            return more() ? w[i] : null;
        }

        String next(String what) throws ScenarioSyntaxException {
            if (!more()) {
                throw error("expected " + what + " after '" + String.join(" ", w) + "'");
            }
            return w[i++];
        }

        ScenarioSyntaxException error(String message) {
            return new ScenarioSyntaxException(file, line, message);
        }

        void end(String form) throws ScenarioSyntaxException {
            if (more()) {
                throw error("unexpected '" + w[i] + "': expected " + form);
            }
        }

        long number(String what) throws ScenarioSyntaxException {
            String t = next(what);
            try {
                return t.startsWith("0x") || t.startsWith("0X") ? Long.parseUnsignedLong(t.substring(2), 16) : Long.parseLong(t);
            } catch (NumberFormatException e) {
                throw error("expected " + what + " (a decimal or 0x number), not '" + t + "'");
            }
        }

        int integer(String what, long min, long max) throws ScenarioSyntaxException {
            String token = more() ? w[i] : "";
            long v = number(what);
            if (v < min || v > max) {
                throw error(what + " " + token + " is not in " + min + ".." + max);
            }
            return (int) v;
        }

        Endpoint uri() throws ScenarioSyntaxException {
            String t = next("a URI like tcp://0.0.0.0/80");
            try {
                return Endpoint.parseUri(t);
            } catch (IllegalArgumentException e) {
                throw error(e.getMessage());
            }
        }

        InetSocketAddress hostPort(String what) throws ScenarioSyntaxException {
            String t = next(what + " (" + SEGMENT_FORM + ")");
            try {
                return Ip.parseHostPort(t);
            } catch (IllegalArgumentException e) {
                throw error(e.getMessage());
            }
        }
    }

    private Step line(int n, String raw) throws ScenarioSyntaxException {
        int hash = raw.indexOf('#');
        String text = (hash >= 0 ? raw.substring(0, hash) : raw).trim();
        if (text.isEmpty()) {
            return null;
        }
        Words w = new Words(n, text.split("\\s+"));
        String verb = w.next("a command").toLowerCase(Locale.ROOT);
        switch (verb) {
            case "threads": {
                int t = w.integer("the number of threads", 1, 1024);
                w.end("threads N");
                return new Step.Threads(n, t);
            }
            case "namespace":
                return namespace(w);
            case "app":
                return app(w);
            case "worker":
                return worker(w);
            case "listen":
            case "unlisten":
                return listen(w, verb.equals("listen"));
            case "selector": {
                expect(w, "default", "selector default NAME");
                String name = w.next("a selector name");
                w.end("selector default NAME");
                return new Step.SelectorDefault(n, name);
            }
            case "hash": {
                expect(w, "secret", "hash secret N");
                String t = w.next("the secret");
                long v;
                try {
                    v = t.startsWith("0x") || t.startsWith("0X") ? Long.parseLong(t.substring(2), 16) : Long.parseLong(t);
                } catch (NumberFormatException e) {
                    v = Long.MAX_VALUE;
                }
                if (v < Integer.MIN_VALUE || v > 0xFFFF_FFFFL) {
                    throw w.error("the hash secret is a 32-bit number (decimal, or 0x and up to 8 hex digits), not '" + t + "'");
                }
                w.end("hash secret N");
                return new Step.HashSecret(n, (int) v);
            }
            case "syn":
            case "ack":
            case "rst":
            case "fin":
            case "connect":
                return segment(w, Step.SegmentKind.valueOf(verb.toUpperCase(Locale.ROOT)));
            case "accept": {
                String app = w.next("an application name");
                int worker = w.integer("a worker index", 0, 4095);
                int count = -1;
                if (w.more()) {
                    String c = w.peek();
                    if (c.equals("all")) {
                        w.i++;
                    } else {
                        count = w.integer("a count or 'all'", 0, Integer.MAX_VALUE);
                    }
                }
                w.end("accept APP WORKER [N|all]");
                return new Step.Accept(n, app, worker, count);
            }
            case "advance": {
                String t = w.next("seconds");
                double s;
                try {
                    if (!t.matches("[0-9.eE+]+s?")) {
                        throw new NumberFormatException(t);
                    }
                    s = Double.parseDouble(t.endsWith("s") ? t.substring(0, t.length() - 1) : t);
                } catch (NumberFormatException e) {
                    throw w.error("expected seconds, e.g. 75 or 0.5s, not '" + t + "'");
                }
                if (!(s >= 0) || s > 1e9) {
                    throw w.error("seconds must be between 0 and 1e9, not " + t);
                }
                w.end("advance SECONDS");
                return new Step.Advance(n, s);
            }
            case "group": {
                final String forms = "'migrate' or 'weight' (group migrate URI on|off, group weight URI APP N)";
                String sub = w.next(forms);
                if (sub.equals("weight")) {
                    Endpoint ep = w.uri();
                    if (ep.port() == 0) {
                        throw w.error("port 0 is never listened on: " + ep.toUri());
                    }
                    String app = w.next("an application name");
                    long weight = w.number("a weight");
                    w.end("group weight URI APP N");
                    return new Step.GroupWeight(n, ep, app, weight);
                }
                if (!sub.equals("migrate")) {
                    throw w.error("expected " + forms + ", not '" + sub + "'");
                }
                Endpoint ep = w.uri();
                if (ep.port() == 0) {
                    throw w.error("port 0 is never listened on: " + ep.toUri());
                }
                String v = w.next("on or off");
                if (!v.equals("on") && !v.equals("off")) {
                    throw w.error("expected on or off, not '" + v + "'");
                }
                w.end("group migrate URI on|off");
                return new Step.GroupMigrate(n, ep, v.equals("on"));
            }
            case "show": {
                String what = w.next("listeners, groups, sessions or stats");
                Step.ShowWhat s;
                try {
                    s = Step.ShowWhat.valueOf(what.toUpperCase(Locale.ROOT));
                } catch (IllegalArgumentException e) {
                    throw w.error("expected listeners, groups, sessions or stats, not '" + what + "'");
                }
                w.end("show listeners|groups|sessions|stats");
                return new Step.Show(n, s);
            }
            default:
                throw w.error("unknown command '" + verb + "': expected one of threads, namespace, app, worker, listen, "
                        + "unlisten, selector, hash, syn, ack, rst, fin, connect, accept, advance, group, show");
        }
    }

    private static void expect(Words w, String word, String form) throws ScenarioSyntaxException {
        String t = w.next("'" + word + "' (" + form + ")");
        if (!t.equals(word)) {
            throw w.error("expected '" + word + "' (" + form + "), not '" + t + "'");
        }
    }

    private Step namespace(Words w) throws ScenarioSyntaxException {
        String form = "namespace add NAME secret N [fib F]";
        expect(w, "add", form);
        String name = w.next("a namespace name");
        expect(w, "secret", form);
        long secret = w.number("the secret");
        int fib = 0;
        if (w.more()) {
            expect(w, "fib", form);
            fib = w.integer("the FIB index", 0, 65535);
        }
        w.end(form);
        return new Step.NamespaceAdd(w.line, name, secret, fib);
    }

    private Step app(Words w) throws ScenarioSyntaxException {
        String form = "app attach NAME [namespace NS secret N] [owner UID] [scope global|local|both], or app detach NAME";
        String sub = w.next("attach or detach");
        if (sub.equals("detach")) {
            String name = w.next("an application name");
            w.end("app detach NAME");
            return new Step.AppDetach(w.line, name);
        }
        if (!sub.equals("attach")) {
            throw w.error("expected attach or detach, not '" + sub + "' (" + form + ")");
        }
        String name = w.next("an application name");
        String ns = "default";
        long secret = 0;
        int owner = 0;
        Scope scope = Scope.GLOBAL;
        while (w.more()) {
            String opt = w.next("an option");
            switch (opt) {
                case "namespace" -> {
                    ns = w.next("a namespace name");
                    expect(w, "secret", form);
                    secret = w.number("the secret");
                }
                case "owner" -> owner = w.integer("the owner uid", 0, 0xFFFF_FFFEL);
                case "scope" -> {
                    String s = w.next("global, local or both");
                    try {
                        scope = Scope.valueOf(s.toUpperCase(Locale.ROOT));
                    } catch (IllegalArgumentException e) {
                        throw w.error("expected scope global, local or both, not '" + s + "'");
                    }
                }
                default -> throw w.error("unexpected '" + opt + "': expected " + form);
            }
        }
        return new Step.AppAttach(w.line, name, ns, secret, owner, scope);
    }

    private Step worker(Words w) throws ScenarioSyntaxException {
        String sub = w.next("add or del");
        String app = w.next("an application name");
        if (sub.equals("add")) {
            w.end("worker add APP");
            return new Step.WorkerAdd(w.line, app);
        }
        if (sub.equals("del")) {
            int index = w.integer("a worker index", 0, 4095);
            w.end("worker del APP INDEX");
            return new Step.WorkerDel(w.line, app, index);
        }
        throw w.error("expected add or del, not '" + sub + "' (worker add APP | worker del APP INDEX)");
    }

    private Step listen(Words w, boolean listen) throws ScenarioSyntaxException {
        String form = listen ? "listen APP WORKER URI [reuseport] [selector NAME]" : "unlisten APP WORKER URI";
        String app = w.next("an application name");
        int worker = w.integer("a worker index", 0, 4095);
        Endpoint ep = w.uri();
        if (ep.port() == 0) {
            throw w.error("port 0 cannot be listened on: " + ep.toUri());
        }
        if (!listen) {
            w.end(form);
            return new Step.Unlisten(w.line, app, worker, ep);
        }
        boolean reuseport = false;
        String selector = null;
        while (w.more()) {
            String opt = w.next("an option");
            if (opt.equals("reuseport")) {
                reuseport = true;
            } else if (opt.equals("selector")) {
                selector = w.next("a selector name");
            } else {
                throw w.error("unexpected '" + opt + "': expected " + form);
            }
        }
        if (selector != null && !reuseport) {
            throw w.error("'selector " + selector + "' needs 'reuseport': a selector picks among a reuseport group");
        }
        return new Step.Listen(w.line, app, worker, ep, reuseport, selector);
    }

    private static String t(InetSocketAddress a) {
        return new Endpoint(dev.hoststack.api.TransportProto.TCP, a.getAddress(), a.getPort()).hostPort();
    }

    private Step segment(Words w, Step.SegmentKind kind) throws ScenarioSyntaxException {
        InetSocketAddress src = w.hostPort("SRC");
        InetSocketAddress dst = w.hostPort("DST");
        if ((src.getAddress() instanceof Inet4Address) != (dst.getAddress() instanceof Inet4Address)) {
            throw w.error("SRC " + t(src) + " and DST " + t(dst) + " are of different address families");
        }
        if (src.getPort() == 0 || dst.getPort() == 0) {
            throw w.error("ports must be 1..65535 in " + SEGMENT_FORM);
        }
        int thread = 0;
        if (w.more()) {
            expect(w, "thread", SEGMENT_FORM);
            thread = w.integer("a thread index", 0, 1023);
        }
        w.end(SEGMENT_FORM);
        return new Step.Segment(w.line, kind, src, dst, thread);
    }
}
