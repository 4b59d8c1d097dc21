package dev.hoststack.cli;

import dev.hoststack.api.AppEventType;
import dev.hoststack.api.DropReason;
import dev.hoststack.api.Endpoint;
import dev.hoststack.api.JHash;
import dev.hoststack.api.SessionHandle;
import dev.hoststack.api.TransportProto;
import dev.hoststack.cli.scenario.ScenarioRunner;
import dev.hoststack.cli.scenario.Step;
import dev.hoststack.pcap.CaptureReader;
import dev.hoststack.pcap.PacketRecord;
import dev.hoststack.session.SessionLayer;
import dev.hoststack.session.SessionTables;
import dev.hoststack.session.SessionWorker;
import dev.hoststack.session.table.SessionKeys;
import dev.hoststack.stack.Stack;
import dev.hoststack.stack.StackConfig;
import dev.hoststack.tcp.SegmentParser;
import dev.hoststack.tcp.TcpConfig;
import dev.hoststack.tcp.TcpSegment;
import dev.hoststack.tcp.TcpTransport;
import java.nio.ByteBuffer;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Consumer;
import java.util.function.LongConsumer;

/**
 * Replays a packet capture into a stack set up by a scenario: every inbound TCP segment goes to
 * {@code transport-tcp} on a data thread chosen as RSS would (a keyed hash of the flow, the same
 * thread for every segment of a flow), with the capture's timestamps as the stack's clock. The
 * applications accept every connection as it completes.
 *
 * <p>Direction: a segment is <em>outbound</em> (sent by the captured server, so not fed) when no
 * connection matches it as inbound and its source is a listener's or a connection's local end.
 * The final ACK is not checked against the stack's ISN: the capture's server chose its own.
 */
public final class Replayer {

    /** What a replay did. */
    public static final class Result {
        /** Connections per app and worker. */
        public final DispatchTable table = new DispatchTable();
        /** Capture records read (IP or not). */
        public long packets;
        /** IP packets that were not TCP, or not parseable as TCP. */
        public long notTcp;
        /** Segments sent by the captured server, not fed. */
        public long outbound;
        /** Segments fed to the stack. */
        public long fed;
        /** SYNs dispatched. */
        public long dispatched;
        /** Handshakes completed (accept events). */
        public long established;
        /** Connections the applications accepted. */
        public long accepted;
        /** Drops by reason, over the whole stack. */
        public final Map<String, Long> drops = new TreeMap<>();
        /**
         * Pure SYNs no listener took ({@code NO_LISTENER}), by the endpoint they were sent to, in the
         * order first seen: at most {@link #UNHEARD_ENDPOINTS} endpoints, the rest counted in
         * {@link #synsUnheardElsewhere}. What a replay with the wrong set-up shows.
         */
        public final Map<String, Long> synsUnheard = new LinkedHashMap<>();
        /** Pure SYNs to no listener beyond the endpoints in {@link #synsUnheard}. */
        public long synsUnheardElsewhere;
        /** The capture's problem, if it ended with one. */
        public String error;

        /** The most endpoints {@link #synsUnheard} names. */
        public static final int UNHEARD_ENDPOINTS = 8;
    }

    private final ScenarioRunner runner;
    private final Stack stack;
    private final int rssSecret;
    private long clock;
    private final TcpSegment seg = new TcpSegment();
    private final long[] key = new long[6];

    /**
     * @param sink      receives the setup's events and each dispatch, as {@code run --json} reports them
     * @param threads   data threads
     * @param rssSecret keys the RSS hash that picks a flow's thread
     * @param setup     the setup scenario's steps
     */
    public Replayer(Consumer<Map<String, Object>> sink, int threads, int rssSecret, List<Step> setup) {
        this.rssSecret = rssSecret;
        this.runner = new ScenarioRunner(sink, threads, StackConfig.builder()
                .tcp(TcpConfig.builder().checkFinalAck(false).build())
                .clock(() -> clock));
        this.stack = runner.stack();
        runner.run(setup);
    }

    /** The stack replayed into. */
    public Stack stack() {
        return stack;
    }

    /**
     * Replays a capture. A capture that ends with an error stops the replay there; the result
     * says what was done and names the problem.
     *
     * @param events   receives each dispatch
     * @param progress receives the byte offset reached now and then (for a progress line)
     */
    public Result replay(CaptureReader reader, Consumer<Map<String, Object>> events, LongConsumer progress) {
        Result r = new Result();
        PacketRecord rec = new PacketRecord();
        SessionLayer layer = stack.session();
        int threads = layer.threadCount();
        try {
            while (reader.next(rec)) {
                r.packets++;
                if ((r.packets & 1023) == 0) {
                    progress.accept(rec.fileOffset());
                }
                if (rec.hasTimestamp()) {
                    clock = rec.timestampNanos();
                }
                ByteBuffer ip = rec.ip();
                if (SegmentParser.parse(ip, seg) != null) {
                    r.notTcp++;
                    continue;
                }
                if (isOutbound(layer.fib(0))) {
                    r.outbound++;
                    continue;
                }
                int thread = JHash.reciprocalScale(JHash.flowHash(seg, rssSecret), threads);
                r.fed++;
                int result = stack.tcp().input(thread, ip, 0);
                TcpTransport.InputResult in = stack.tcp().result(thread);
                if (result == TcpTransport.CREATED) {
                    r.dispatched++;
                    SessionWorker w = layer.worker(in.workerGlobal());
                    r.table.add(w.application().name(), w.workerIndex());
                    events.accept(dispatchEvent(rec, thread, in, w));
                } else if (result == TcpTransport.ESTABLISHED) {
                    r.established++;
                    SessionWorker w = layer.worker(layer.session(in.session()).appWorkerIndex());
                    r.accepted += acceptAll(w);
                } else if (result == TcpTransport.DROPPED && in.drop() == DropReason.NO_LISTENER
                        && seg.has(TcpSegment.SYN) && !seg.has(TcpSegment.ACK)) {
                    unheard(r);
                }
                if ((r.packets & 63) == 0) {
                    stack.pollAll();
                }
            }
        } catch (dev.hoststack.pcap.CaptureException e) {
            r.error = e.getMessage();
        }
        stack.pollAll();
        for (DropReason d : DropReason.values()) {
            long n = layer.drops(d);
            if (n > 0) {
                r.drops.put(d.name(), n);
            }
        }
        return r;
    }

    /** Counts the parsed SYN under the endpoint it was sent to. */
    private void unheard(Result r) {
        String to = new Endpoint(TransportProto.TCP, seg.isIp4() ? dev.hoststack.api.Ip.fromIp4(seg.localIp4())
                : dev.hoststack.api.Ip.fromIp6(seg.localIp6Hi(), seg.localIp6Lo()), seg.localPort()).toUri();
        Long n = r.synsUnheard.get(to);
        if (n != null) {
            r.synsUnheard.put(to, n + 1);
        } else if (r.synsUnheard.size() < Result.UNHEARD_ENDPOINTS) {
            r.synsUnheard.put(to, 1L);
        } else {
            r.synsUnheardElsewhere++;
        }
    }

    private long acceptAll(SessionWorker w) {
        long[] n = new long[1];
        w.pollEvents((type, session, listener) -> {
            if (type == AppEventType.ACCEPT && stack.session().acceptReply(session)) {
                n[0]++;
            }
        }, Integer.MAX_VALUE);
        return n[0];
    }

    /** Whether the parsed segment was sent by the captured server rather than received. */
    private boolean isOutbound(SessionTables tables) {
        boolean ip4 = SessionKeys.connection(key, seg);
        if (tables.table(ip4).get(key) != SessionHandle.INVALID) {
            return false;
        }
        // seen the other way round: the segment's source as local end
        if (ip4) {
            SessionKeys.ip4(key, 6, seg.remoteIp4(), seg.remotePort(), seg.localIp4(), seg.localPort());
            if (tables.table(true).get(key) != SessionHandle.INVALID) {
                return true;
            }
            SessionKeys.ip4(key, 6, seg.remoteIp4(), seg.remotePort(), 0, 0);
            if (tables.table(true).get(key) != SessionHandle.INVALID) {
                return true;
            }
            SessionKeys.ip4(key, 6, 0, seg.remotePort(), 0, 0);
        } else {
            SessionKeys.ip6(key, 6, seg.remoteIp6Hi(), seg.remoteIp6Lo(), seg.remotePort(), seg.localIp6Hi(),
                    seg.localIp6Lo(), seg.localPort());
            if (tables.table(false).get(key) != SessionHandle.INVALID) {
                return true;
            }
            SessionKeys.ip6(key, 6, seg.remoteIp6Hi(), seg.remoteIp6Lo(), seg.remotePort(), 0, 0, 0);
            if (tables.table(false).get(key) != SessionHandle.INVALID) {
                return true;
            }
            SessionKeys.ip6(key, 6, 0, 0, seg.remotePort(), 0, 0, 0);
        }
        return tables.table(ip4).get(key) != SessionHandle.INVALID;
    }

    private Map<String, Object> dispatchEvent(PacketRecord rec, int thread, TcpTransport.InputResult in, SessionWorker w) {
        Map<String, Object> e = new LinkedHashMap<>();
        e.put("packet", rec.packetNumber());
        e.put("event", "dispatch");
        e.put("app", w.application().name());
        e.put("worker", w.workerIndex());
        e.put("thread", thread);
        e.put("session", SessionHandle.format(in.session()));
        e.put("via", in.viaGroup() ? "group" : "listener");
        e.put("src", new Endpoint(TransportProto.TCP, seg.isIp4() ? dev.hoststack.api.Ip.fromIp4(seg.remoteIp4())
                : dev.hoststack.api.Ip.fromIp6(seg.remoteIp6Hi(), seg.remoteIp6Lo()), seg.remotePort()).hostPort());
        return e;
    }
}
