package dev.hoststack.cli.scenario;

import dev.hoststack.api.AppEventType;
import dev.hoststack.api.AppListener;
import dev.hoststack.api.DropReason;
import dev.hoststack.api.Endpoint;
import dev.hoststack.api.Ip;
import dev.hoststack.api.Session;
import dev.hoststack.api.SessionError;
import dev.hoststack.api.SessionException;
import dev.hoststack.api.SessionHandle;
import dev.hoststack.api.TransportProto;
import dev.hoststack.api.spi.ReuseportGroupView;
import dev.hoststack.reuseport.ReuseportGroup;
import dev.hoststack.session.AttachOptions;
import dev.hoststack.session.ListenOptions;
import dev.hoststack.session.SessionApplication;
import dev.hoststack.session.SessionCounter;
import dev.hoststack.session.SessionLayer;
import dev.hoststack.session.SessionWorker;
import dev.hoststack.session.table.SessionKeys;
import dev.hoststack.stack.Stack;
import dev.hoststack.stack.StackConfig;
import dev.hoststack.tcp.SegmentWriter;
import dev.hoststack.tcp.TcpCounter;
import dev.hoststack.tcp.TcpSegment;
import dev.hoststack.tcp.TcpTransport;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Runs parsed scenario steps on a {@link Stack} it builds at the first step that needs one, and
 * reports every step as one event (an ordered map: {@code line}, {@code event}, details).
 *
 * <p>A refused control command reports {@code error} with its code and goes on. The stack's
 * clock is manual: it starts at 0 and moves only with {@code advance}. The runner drives every
 * data thread itself (single-threaded), polling all of them after each step, so application
 * replies and control-plane work apply at once.
 */
public final class ScenarioRunner {

    private final Consumer<Map<String, Object>> sink;
    private final StackConfig.Builder config;
    private long clock;
    private Stack stack;
    private int threads;
    private final ByteBuffer buf = ByteBuffer.allocate(SegmentWriter.IP6_LENGTH);

    /**
     * @param sink    receives each event
     * @param threads data threads unless a {@code threads} step says otherwise
     * @param config  the stack's configuration besides threads and clock
     */
    public ScenarioRunner(Consumer<Map<String, Object>> sink, int threads, StackConfig.Builder config) {
        this.sink = sink;
        this.threads = threads;
        this.config = config;
    }

    /** A runner with the default configuration. */
    public ScenarioRunner(Consumer<Map<String, Object>> sink, int threads) {
        this(sink, threads, StackConfig.builder());
    }

    /** The stack, building it if no step has yet. */
    public Stack stack() {
        if (stack == null) {
            stack = Stack.create(config.threads(threads).clock(() -> clock).build());
        }
        return stack;
    }

    /** Runs every step in order. */
    public void run(List<Step> steps) {
        for (Step s : steps) {
            step(s);
        }
    }

    private Map<String, Object> event(Step s, String event) {
        Map<String, Object> e = new LinkedHashMap<>();
        e.put("line", s.line());
        e.put("event", event);
        return e;
    }

    private void emit(Map<String, Object> e) {
        sink.accept(e);
    }

    /** Runs one step and reports it. */
    public void step(Step s) {
        try {
            dispatch(s);
        } catch (SessionException e) {
            Map<String, Object> ev = event(s, "error");
            ev.put("code", e.code().name());
            ev.put("message", e.getMessage());
            emit(ev);
        } catch (IllegalArgumentException | IllegalStateException e) {
            Map<String, Object> ev = event(s, "error");
            ev.put("code", "INVALID_ARGUMENT");
            ev.put("message", e.getMessage());
            emit(ev);
        }
        if (stack != null) {
            stack.pollAll();
        }
    }

    private void dispatch(Step s) {
        if (s instanceof Step.Threads t) {
            threads(t);
        } else if (s instanceof Step.NamespaceAdd n) {
            stack().session().addNamespace(n.name(), n.secret(), n.fib());
            Map<String, Object> e = event(s, "namespace");
            e.put("name", n.name());
            e.put("fib", n.fib());
            emit(e);
        } else if (s instanceof Step.AppAttach a) {
            SessionApplication app = stack().attach(new AttachOptions(a.name(), a.namespace(), a.secret(), a.owner(), a.scope()));
            Map<String, Object> e = event(s, "attached");
            e.put("app", app.name());
            e.put("index", app.index());
            e.put("namespace", app.namespace().name());
            e.put("owner", Integer.toUnsignedLong(app.owner()));
            e.put("scope", app.scope().name().toLowerCase(java.util.Locale.ROOT));
            emit(e);
        } else if (s instanceof Step.AppDetach d) {
            stack().session().detach(d.name());
            Map<String, Object> e = event(s, "detached");
            e.put("app", d.name());
            emit(e);
        } else if (s instanceof Step.WorkerAdd w) {
            SessionWorker worker = stack().session().addWorker(w.app());
            Map<String, Object> e = event(s, "worker");
            e.put("app", w.app());
            e.put("worker", worker.workerIndex());
            emit(e);
        } else if (s instanceof Step.WorkerDel w) {
            stack().session().removeWorker(w.app(), w.worker());
            Map<String, Object> e = event(s, "worker-removed");
            e.put("app", w.app());
            e.put("worker", w.worker());
            emit(e);
        } else if (s instanceof Step.Listen l) {
            listen(l);
        } else if (s instanceof Step.Unlisten u) {
            stack().session().unlisten(u.app(), u.worker(), u.endpoint());
            Map<String, Object> e = event(s, "unlistened");
            e.put("app", u.app());
            e.put("worker", u.worker());
            e.put("uri", u.endpoint().toUri());
            emit(e);
        } else if (s instanceof Step.SelectorDefault d) {
            stack().selectors().defaultName(d.name());
            Map<String, Object> e = event(s, "selector-default");
            e.put("selector", d.name());
            emit(e);
        } else if (s instanceof Step.HashSecret h) {
            stack().reuseport().hashSecret(h.secret());
            Map<String, Object> e = event(s, "hash-secret");
            e.put("secret", Integer.toUnsignedString(h.secret()));
            emit(e);
        } else if (s instanceof Step.Segment seg) {
            segment(seg);
        } else if (s instanceof Step.Accept a) {
            accept(a);
        } else if (s instanceof Step.Advance a) {
            stack();
            clock += (long) (a.seconds() * TimeUnit.SECONDS.toNanos(1));
            long before = stack.tcp().counter(TcpCounter.HANDSHAKE_TIMEOUTS);
            stack.pollAll();
            Map<String, Object> e = event(s, "advanced");
            e.put("seconds", a.seconds());
            e.put("expired", stack.tcp().counter(TcpCounter.HANDSHAKE_TIMEOUTS) - before);
            emit(e);
        } else if (s instanceof Step.GroupMigrate g) {
            ReuseportGroup group = groupOn(g.endpoint());
            group.migrate(g.on());
            Map<String, Object> e = event(s, "group-migrate");
            e.put("group", group.index());
            e.put("uri", g.endpoint().toUri());
            e.put("migrate", g.on());
            emit(e);
        } else if (s instanceof Step.GroupWeight gw) {
            ReuseportGroup group = groupOn(gw.endpoint());
            if (gw.weight() < ReuseportGroupView.MIN_WEIGHT || gw.weight() > ReuseportGroupView.MAX_WEIGHT) {
                // the table's own check, for numbers that do not fit an int too
                throw SessionError.INVALID_WEIGHT.exception("weight %s for app '%s' on %s is not in %s..%s", gw.weight(),
                        gw.app(), gw.endpoint().toUri(), ReuseportGroupView.MIN_WEIGHT, ReuseportGroupView.MAX_WEIGHT);
            }
            stack().reuseport().weight(group.index(), gw.app(), (int) gw.weight());
            Map<String, Object> e = event(s, "group-weight");
            e.put("group", group.index());
            e.put("uri", gw.endpoint().toUri());
            e.put("app", gw.app());
            e.put("weight", gw.weight());
            emit(e);
        } else if (s instanceof Step.Show show) {
            show(show);
        } else {
            throw new IllegalStateException("unknown step " + s);
        }
    }

    private void threads(Step.Threads t) {
        if (stack != null) {
            throw new IllegalStateException("'threads' must come before any command that uses the stack");
        }
        threads = t.threads();
        Map<String, Object> e = event(t, "threads");
        e.put("threads", threads);
        emit(e);
    }

    private ReuseportGroup groupOn(Endpoint ep) {
        for (ReuseportGroup g : stack().reuseport().groups()) {
            if (g.endpoint().equals(ep) && !g.tables().local()) {
                return g;
            }
        }
        throw new IllegalArgumentException("no reuseport group listens on " + ep.toUri());
    }

    private void listen(Step.Listen l) {
        long h = stack().session().listen(l.app(), l.worker(), l.endpoint(),
                l.reuseport() ? new ListenOptions(true, l.selector()) : ListenOptions.PLAIN);
        Map<String, Object> e = event(l, "listening");
        e.put("app", l.app());
        e.put("worker", l.worker());
        e.put("uri", l.endpoint().toUri());
        e.put("handle", SessionHandle.format(h));
        // the groups this listen joined: the FIB's, then the namespace's local one (as it was placed)
        for (boolean local : new boolean[] {false, true}) {
            for (ReuseportGroup g : stack.reuseport().groups()) {
                if (g.tables().local() == local
                        && g.memberListeners().stream().anyMatch(m -> m.listenSessionHandle() == h)) {
                    e.put(local ? "localGroup" : "group", g.index());
                    e.put("selector", g.selectorName());
                }
            }
        }
        emit(e);
    }

    // ================================================================ segments

    private void segment(Step.Segment seg) {
        Stack st = stack();
        if (seg.thread() >= st.session().threadCount()) {
            throw new IllegalArgumentException("thread " + seg.thread() + " does not exist: the stack has "
                    + st.session().threadCount() + " threads (0.." + (st.session().threadCount() - 1) + ")");
        }
        int clientIsn = clientIsn(seg.src());
        switch (seg.kind()) {
            case SYN -> report(seg, send(seg, clientIsn, 0, TcpSegment.SYN));
            case ACK -> report(seg, send(seg, clientIsn + 1, serverIss(seg) + 1, TcpSegment.ACK));
            case RST -> report(seg, send(seg, clientIsn + 1, 0, TcpSegment.RST));
            case FIN -> report(seg, send(seg, clientIsn + 1, serverIss(seg) + 1, TcpSegment.FIN | TcpSegment.ACK));
            case CONNECT -> {
                int r = send(seg, clientIsn, 0, TcpSegment.SYN);
                if (r != TcpTransport.CREATED) {
                    report(seg, r);
                    return;
                }
                Map<String, Object> dispatch = describe(seg, r);
                r = send(seg, clientIsn + 1, serverIss(seg) + 1, TcpSegment.ACK);
                if (r == TcpTransport.ESTABLISHED) {
                    dispatch.put("established", true);
                    emit(dispatch);
                } else {
                    report(seg, r);
                }
            }
        }
    }

    private static int clientIsn(InetSocketAddress src) {
        return src.hashCode() * 0x9E37_79B1;
    }

    private int send(Step.Segment seg, int seq, int ack, int flags) {
        buf.clear();
        InetAddress s = seg.src().getAddress();
        InetAddress d = seg.dst().getAddress();
        int len = s instanceof Inet4Address
                ? SegmentWriter.writeIp4(buf, Ip.ip4(s), seg.src().getPort(), Ip.ip4(d), seg.dst().getPort(), seq, ack, flags, 65535)
                : SegmentWriter.writeIp6(buf, Ip.ip6Hi(s), Ip.ip6Lo(s), seg.src().getPort(), Ip.ip6Hi(d), Ip.ip6Lo(d),
                        seg.dst().getPort(), seq, ack, flags, 65535);
        buf.limit(len);
        return stack.tcp().input(seg.thread(), buf, 0);
    }

    /** The ISS of the connection of a segment's 5-tuple, or 0 if there is none (the ACK will find none either). */
    private int serverIss(Step.Segment seg) {
        long h = connectionHandle(seg.src(), seg.dst());
        if (h == SessionHandle.INVALID || SessionHandle.thread(h) != seg.thread()) {
            return 0;
        }
        try {
            return stack.tcp().issOfSession(h);
        } catch (IllegalArgumentException e) {
            return 0;
        }
    }

    private long connectionHandle(InetSocketAddress src, InetSocketAddress dst) {
        long[] key = new long[6];
        InetAddress s = src.getAddress();
        InetAddress d = dst.getAddress();
        boolean v4 = s instanceof Inet4Address;
        if (v4) {
            SessionKeys.ip4(key, 6, Ip.ip4(d), dst.getPort(), Ip.ip4(s), src.getPort());
        } else {
            SessionKeys.ip6(key, 6, Ip.ip6Hi(d), Ip.ip6Lo(d), dst.getPort(), Ip.ip6Hi(s), Ip.ip6Lo(s), src.getPort());
        }
        return stack.session().fib(0).table(v4).get(key);
    }

    private void report(Step.Segment seg, int result) {
        emit(describe(seg, result));
    }

    private Map<String, Object> describe(Step.Segment seg, int result) {
        TcpTransport.InputResult r = stack.tcp().result(seg.thread());
        SessionLayer layer = stack.session();
        Map<String, Object> e;
        switch (result) {
            case TcpTransport.CREATED -> {
                e = event(seg, "dispatch");
                SessionWorker w = layer.worker(r.workerGlobal());
                e.put("app", w.application().name());
                e.put("worker", w.workerIndex());
                e.put("thread", seg.thread());
                e.put("session", SessionHandle.format(r.session()));
                e.put("via", r.viaGroup() ? "group" : "listener");
            }
            case TcpTransport.ESTABLISHED -> {
                e = event(seg, "established");
                Session session = layer.session(r.session());
                SessionWorker w = layer.worker(session.appWorkerIndex());
                e.put("app", w.application().name());
                e.put("worker", w.workerIndex());
                e.put("thread", seg.thread());
                e.put("session", SessionHandle.format(r.session()));
            }
            case TcpTransport.CLOSED -> {
                if (r.drop() != null && r.drop().isReset()) {
                    e = event(seg, "reset");
                    e.put("reason", r.drop().name());
                } else {
                    e = event(seg, "closed");
                    if (r.drop() != null) {
                        e.put("reason", r.drop().name());
                    }
                }
                e.put("session", SessionHandle.format(r.session()));
            }
            case TcpTransport.NO_CHANGE -> {
                e = event(seg, seg.kind() == Step.SegmentKind.SYN ? "retransmit" : "no-change");
                if (r.session() != SessionHandle.INVALID) {
                    e.put("session", SessionHandle.format(r.session()));
                }
            }
            default -> {
                DropReason reason = r.drop();
                e = event(seg, reason.isReset() ? "reset" : "drop");
                e.put("reason", reason.name());
            }
        }
        e.put("src", new Endpoint(TransportProto.TCP, seg.src().getAddress(), seg.src().getPort()).hostPort());
        return e;
    }

    // ================================================================ accept

    private void accept(Step.Accept a) {
        SessionApplication app = stack().session().app(a.app());
        if (app == null) {
            throw dev.hoststack.api.SessionError.NO_SUCH_APP.exception("no application named '%s' is attached", a.app());
        }
        SessionWorker w = app.worker(a.worker());
        if (w == null) {
            throw dev.hoststack.api.SessionError.NO_SUCH_WORKER.exception("app '%s' has no worker %s", a.app(), a.worker());
        }
        List<String> accepted = new ArrayList<>();
        List<Map<String, Object>> others = new ArrayList<>();
        int max = a.count() < 0 ? Integer.MAX_VALUE : a.count();
        while (accepted.size() < max && w.pendingEvents() > 0) {
            w.pollEvents((type, session, listener) -> {
                if (type == AppEventType.ACCEPT) {
                    stack.session().acceptReply(session);
                    accepted.add(SessionHandle.format(session));
                } else {
                    Map<String, Object> o = new LinkedHashMap<>();
                    o.put("type", type.name().toLowerCase(java.util.Locale.ROOT));
                    o.put("session", SessionHandle.format(session));
                    others.add(o);
                }
            }, 1);
        }
        stack.pollAll();
        Map<String, Object> e = event(a, "accept");
        e.put("app", a.app());
        e.put("worker", a.worker());
        e.put("count", accepted.size());
        e.put("sessions", accepted);
        if (!others.isEmpty()) {
            e.put("events", others);
        }
        e.put("pending", w.pendingEvents());
        emit(e);
    }

    // ================================================================ show

    private void show(Step.Show s) {
        Stack st = stack();
        switch (s.what()) {
            case LISTENERS -> {
                List<Map<String, Object>> out = new ArrayList<>();
                for (AppListener l : st.session().listeners()) {
                    Map<String, Object> m = new LinkedHashMap<>();
                    m.put("app", l.application().name());
                    m.put("uri", l.endpoint().toUri());
                    m.put("workers", l.workers());
                    m.put("handle", SessionHandle.format(l.listenSessionHandle()));
                    m.put("reuseport", l.reuseport());
                    out.add(m);
                }
                Map<String, Object> e = event(s, "listeners");
                e.put("listeners", out);
                emit(e);
            }
            case GROUPS -> {
                List<Map<String, Object>> out = new ArrayList<>();
                for (ReuseportGroup g : st.reuseport().groups()) {
                    Map<String, Object> m = new LinkedHashMap<>();
                    m.put("group", g.index());
                    m.put("uri", g.endpoint().toUri());
                    m.put("table", g.tables().name());
                    m.put("selector", g.selectorName());
                    m.put("owner", Integer.toUnsignedLong(g.owner()));
                    m.put("namespace", g.namespace().name());
                    m.put("migrate", g.migrate());
                    m.put("epoch", g.epoch());
                    List<Map<String, Object>> members = new ArrayList<>();
                    int[] weights = g.weights();
                    List<AppListener> ms = g.memberListeners();
                    for (int i = 0; i < ms.size(); i++) {
                        AppListener ls = ms.get(i);
                        Map<String, Object> mm = new LinkedHashMap<>();
                        mm.put("app", ls.application().name());
                        mm.put("workers", ls.workers());
                        mm.put("weight", weights[i]);
                        members.add(mm);
                    }
                    m.put("members", members);
                    m.put("selections", g.selections());
                    m.put("fallbacks", g.fallbacks());
                    m.put("selectorErrors", g.selectorErrors());
                    m.put("migrations", g.migrations());
                    out.add(m);
                }
                Map<String, Object> e = event(s, "groups");
                e.put("groups", out);
                emit(e);
            }
            case SESSIONS -> {
                List<Map<String, Object>> out = new ArrayList<>();
                for (Session session : st.session().sessions()) {
                    Map<String, Object> m = new LinkedHashMap<>();
                    m.put("session", SessionHandle.format(session.handle()));
                    m.put("thread", SessionHandle.thread(session.handle()));
                    m.put("state", session.state().name());
                    SessionWorker w = st.session().worker(session.appWorkerIndex());
                    m.put("app", w == null ? null : w.application().name());
                    m.put("worker", w == null ? null : w.workerIndex());
                    m.put("tuple", session.tuple() == null ? null : session.tuple().toString());
                    out.add(m);
                }
                Map<String, Object> e = event(s, "sessions");
                e.put("sessions", out);
                emit(e);
            }
            case STATS -> emit(stats(event(s, "stats")));
        }
    }

    /** Counters: drops by reason, session and TCP counters, and per app / per worker counts. */
    public Map<String, Object> stats(Map<String, Object> e) {
        Stack st = stack();
        Map<String, Object> drops = new TreeMap<>();
        for (DropReason r : DropReason.values()) {
            long n = st.session().drops(r);
            if (n > 0) {
                drops.put(r.name(), n);
            }
        }
        Map<String, Object> counters = new LinkedHashMap<>();
        for (SessionCounter c : SessionCounter.values()) {
            counters.put("session." + c.name().toLowerCase(java.util.Locale.ROOT), st.session().counter(c));
        }
        for (TcpCounter c : TcpCounter.values()) {
            counters.put("tcp." + c.name().toLowerCase(java.util.Locale.ROOT), st.tcp().counter(c));
        }
        Map<String, Object> apps = new LinkedHashMap<>();
        for (SessionApplication app : st.session().applications()) {
            Map<String, Object> workers = new LinkedHashMap<>();
            for (SessionWorker w : app.workers()) {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("dispatched", w.dispatched());
                m.put("accepted", w.accepted());
                m.put("pending", w.pendingEvents());
                workers.put("w" + w.workerIndex(), m);
            }
            apps.put(app.name(), workers);
        }
        e.put("drops", drops);
        e.put("counters", counters);
        e.put("apps", apps);
        return e;
    }
}
