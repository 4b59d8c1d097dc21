package dev.hoststack.daemon.internal;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import com.google.gson.JsonPrimitive;
import dev.hoststack.api.DropReason;
import dev.hoststack.api.Endpoint;
import dev.hoststack.api.Scope;
import dev.hoststack.api.SessionError;
import dev.hoststack.api.SessionException;
import dev.hoststack.api.SessionHandle;
import dev.hoststack.api.TransportProto;
import dev.hoststack.daemon.DaemonConfig;
import dev.hoststack.daemon.Protocol;
import dev.hoststack.session.AppWorkerImpl;
import dev.hoststack.session.ApplicationImpl;
import dev.hoststack.session.AttachOptions;
import dev.hoststack.session.ListenOptions;
import dev.hoststack.session.SessionLayer;
import dev.hoststack.session.SessionTables;
import dev.hoststack.stack.Stack;
import dev.hoststack.stack.StackConfig;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.socket.SocketProtocolFamily;
import io.netty.channel.unix.FileDescriptor;
import io.netty.channel.unix.IntegerUnixChannelOption;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The daemon's state and logic: the stack, the app workers and their connections, the real
 * listening sockets, dispatch and flow control.
 *
 * <p>Confined to one event-loop thread, which created the stack (so it is the stack's control
 * thread and owns data thread 0). Nothing here is safe to call from another thread.
 */
public final class Core {

    /** IPPROTO_IPV6, IPV6_V6ONLY: an IPv6 listener takes IPv6 only, as the model's tables are per family. */
    private static final IntegerUnixChannelOption IPV6_V6ONLY = new IntegerUnixChannelOption("IPV6_V6ONLY", 41, 26);
    private static final int DEAD_KEPT = 64;

    private final DaemonConfig config;
    private final EventLoop loop;
    private final PrintStream log;
    private final Stack stack;
    private final SessionLayer layer;
    private final long startNanos = System.nanoTime();
    private final int unprivilegedPortStart;
    private final SecureRandom random = new SecureRandom();

    private final Map<String, List<WorkerConn>> apps = new LinkedHashMap<>();
    private final Map<Integer, WorkerConn> byGlobal = new HashMap<>();
    private final Map<String, WorkerConn> tokens = new HashMap<>();
    private final Map<Endpoint, RealListener> listeners = new LinkedHashMap<>();
    private final Set<WorkerConn> dirty = new LinkedHashSet<>();
    private final ArrayDeque<JsonObject> dead = new ArrayDeque<>();
    private final MutableFlow flow = new MutableFlow();
    private final long[] scratch = new long[6];

    private long accepted;
    private long handed;
    private long taken;
    private long skips;
    private long fallbacks;
    private long parkedTotal;
    private long pauses;
    private long requeued;
    private long workersDied;
    private long acceptErrors;
    private final EnumMap<DropReason, Long> drops = new EnumMap<>(DropReason.class);
    private long droppedListenerClosed;

    /** Builds the stack; call on the event loop that will run everything. */
    public Core(DaemonConfig config, EventLoop loop, PrintStream log) {
        if (!loop.inEventLoop()) {
            throw new IllegalStateException("the daemon's core is made on its event loop");
        }
        this.config = config;
        this.loop = loop;
        this.log = log;
        StackConfig.Builder b = StackConfig.builder().threads(1).hashSecret(config.hashSecret());
        if (config.defaultSelector() != null) {
            b.defaultSelector(config.defaultSelector());
        }
        for (DaemonConfig.Namespace ns : config.namespaces()) {
            b.namespace(ns.name(), ns.secret(), ns.fib());
        }
        this.stack = Stack.create(b.build());
        this.layer = stack.session();
        layer.claimControl();
        this.unprivilegedPortStart = readUnprivilegedPortStart();
    }

    private static int readUnprivilegedPortStart() {
        // not Files.readString: on this sysctl file it returned "1" (a short first read), found by OwnerMismatchTest
        try (var r = Files.newBufferedReader(Path.of("/proc/sys/net/ipv4/ip_unprivileged_port_start"))) {
            return Integer.parseInt(r.readLine().trim());
        } catch (IOException | RuntimeException e) {
            return 1024;
        }
    }

    /** A handler for a new control-socket connection. */
    public ChannelInboundHandlerAdapter newConnection() {
        return new ControlConn(this);
    }

    void log(String line) {
        log.println("hoststack daemon: " + line);
    }

    // ================================================================ requests

    void request(ControlConn c, String line) {
        JsonObject req;
        try {
            JsonElement e = JsonParser.parseString(line);
            if (!e.isJsonObject()) {
                throw new JsonParseException("not an object");
            }
            req = e.getAsJsonObject();
        } catch (JsonParseException | IllegalStateException e) {
            replyError(c, null, Protocol.BAD_REQUEST, "not a JSON object: " + abbreviate(line), "send one JSON object per line");
            return;
        }
        JsonElement id = req.get("id");
        String op;
        try {
            op = string(req, "op", null);
            if (op == null) {
                throw new BadRequest("the request has no \"op\"");
            }
            if (op.equals("data")) {
                data(c, id, req);
                return;
            }
            if (!c.hello && !op.equals("hello")) {
                replyError(c, id, Protocol.NO_HELLO, "the first request on a control connection is hello",
                        "send {\"op\":\"hello\",\"version\":" + Protocol.VERSION + "} first");
                return;
            }
            JsonObject reply = switch (op) {
                case "hello" -> hello(c, req);
                case "attach" -> attach(c, req);
                case "add_worker" -> addWorker(c, req);
                case "listen" -> listen(c, req);
                case "unlisten" -> unlisten(c, req);
                case "detach" -> detach(c);
                case "show" -> show();
                default -> throw new BadRequest("unknown op '" + op + "' (known: hello, attach, add_worker, listen, unlisten, detach, show, data)");
            };
            reply(c, id, reply);
            stack.pollAll();
        } catch (SessionException e) {
            replyError(c, id, e.code().name(), e.detail(), e.code().hint());
        } catch (BadRequest e) {
            replyError(c, id, e.code, e.getMessage(), e.hint);
        } catch (IllegalArgumentException e) {
            replyError(c, id, Protocol.BAD_REQUEST, e.getMessage(), "see docs/protocol.md");
        } catch (RuntimeException e) {
            log("request " + abbreviate(line) + " failed: " + e);
            replyError(c, id, Protocol.INTERNAL, String.valueOf(e), "a daemon bug: report it with the daemon's log");
        }
        flushDirty();
    }

    private static String abbreviate(String s) {
        return s.length() <= 80 ? s : s.substring(0, 77) + "...";
    }

    /** A refusal with a protocol-level code. */
    static final class BadRequest extends RuntimeException {
        private static final long serialVersionUID = 1L;
        final String code;
        final String hint;

        BadRequest(String message) {
            this(Protocol.BAD_REQUEST, message, "see docs/protocol.md");
        }

        BadRequest(String code, String message, String hint) {
            super(message);
            this.code = code;
            this.hint = hint;
        }
    }

    private static String string(JsonObject o, String key, String def) {
        JsonElement e = o.get(key);
        if (e == null || e.isJsonNull()) {
            return def;
        }
        if (!e.isJsonPrimitive() || !e.getAsJsonPrimitive().isString()) {
            throw new BadRequest("\"" + key + "\" must be a string");
        }
        return e.getAsString();
    }

    private static long number(JsonObject o, String key, long def) {
        JsonElement e = o.get(key);
        if (e == null || e.isJsonNull()) {
            return def;
        }
        if (!e.isJsonPrimitive() || !e.getAsJsonPrimitive().isNumber()) {
            throw new BadRequest("\"" + key + "\" must be a number");
        }
        try {
            return e.getAsJsonPrimitive().getAsBigDecimal().longValueExact();
        } catch (ArithmeticException ex) {
            throw new BadRequest("\"" + key + "\" must be an integer");
        }
    }

    private static boolean bool(JsonObject o, String key, boolean def) {
        JsonElement e = o.get(key);
        if (e == null || e.isJsonNull()) {
            return def;
        }
        if (!e.isJsonPrimitive() || !e.getAsJsonPrimitive().isBoolean()) {
            throw new BadRequest("\"" + key + "\" must be true or false");
        }
        return e.getAsBoolean();
    }

    private void reply(ControlConn c, JsonElement id, JsonObject reply) {
        JsonObject out = new JsonObject();
        if (id != null) {
            out.add("id", id);
        }
        out.addProperty("ok", true);
        for (Map.Entry<String, JsonElement> e : reply.entrySet()) {
            out.add(e.getKey(), e.getValue());
        }
        c.send(out.toString());
    }

    void replyError(ControlConn c, JsonElement id, String code, String message, String hint) {
        JsonObject out = new JsonObject();
        if (id != null) {
            out.add("id", id);
        }
        out.addProperty("ok", false);
        out.addProperty("error", code);
        out.addProperty("message", message);
        out.addProperty("hint", hint);
        c.send(out.toString());
    }

    private JsonObject hello(ControlConn c, JsonObject req) {
        long v = number(req, "version", -1);
        if (v != Protocol.VERSION) {
            c.channel.eventLoop().execute(c.channel::close);
            throw new BadRequest(Protocol.UNSUPPORTED_VERSION, "this daemon speaks protocol version " + Protocol.VERSION
                    + ", not " + v, "use a client of protocol version " + Protocol.VERSION);
        }
        c.hello = true;
        JsonObject r = new JsonObject();
        r.addProperty("version", Protocol.VERSION);
        r.addProperty("daemon_pid", ProcessHandle.current().pid());
        r.addProperty("uid", c.uid);
        r.addProperty("pid", c.pid);
        return r;
    }

    private JsonObject attach(ControlConn c, JsonObject req) {
        if (c.worker != null) {
            throw new BadRequest(Protocol.ALREADY_ATTACHED, "this connection is " + c.worker.label() + " already",
                    "open a new connection for another application or worker");
        }
        String app = string(req, "app", null);
        if (app == null || app.isBlank()) {
            throw new BadRequest("attach needs \"app\", the application's name");
        }
        String ns = string(req, "namespace", SessionLayer.DEFAULT_NAMESPACE);
        long secret = number(req, "secret", 0);
        ApplicationImpl a = layer.attach(new AttachOptions(app, ns, secret, c.uid, Scope.GLOBAL));
        AppWorkerImpl w = a.worker(0);
        WorkerConn wc = newWorker(c, a, w);
        JsonObject r = new JsonObject();
        r.addProperty("app", app);
        r.addProperty("worker", 0);
        r.addProperty("token", wc.token);
        r.addProperty("owner", c.uid);
        log("attached " + app + " (namespace " + ns + ", owner uid " + c.uid + ", pid " + c.pid + ")");
        return r;
    }

    private WorkerConn newWorker(ControlConn c, ApplicationImpl a, AppWorkerImpl w) {
        byte[] t = new byte[16];
        random.nextBytes(t);
        WorkerConn wc = new WorkerConn(c, a.name(), w.workerIndex(), w.globalIndex(), c.uid, c.pid, HexFormat.of().formatHex(t));
        c.worker = wc;
        byGlobal.put(wc.globalIndex, wc);
        tokens.put(wc.token, wc);
        apps.computeIfAbsent(a.name(), k -> new ArrayList<>()).add(wc);
        return wc;
    }

    private JsonObject addWorker(ControlConn c, JsonObject req) {
        if (c.worker != null) {
            throw new BadRequest(Protocol.ALREADY_ATTACHED, "this connection is " + c.worker.label() + " already",
                    "open a new connection for each worker");
        }
        String app = string(req, "app", null);
        ApplicationImpl a = app == null ? null : layer.app(app);
        if (a == null) {
            throw SessionError.NO_SUCH_APP.exception("no application named '%s' is attached", app);
        }
        if (a.owner() != c.uid) {
            throw new BadRequest(Protocol.NOT_OWNER, "app '" + app + "' is owned by uid " + a.owner()
                    + "; uid " + c.uid + " may not add a worker to it", "add workers from a process of the application's owner");
        }
        AppWorkerImpl w = layer.addWorker(app);
        WorkerConn wc = newWorker(c, a, w);
        JsonObject r = new JsonObject();
        r.addProperty("app", app);
        r.addProperty("worker", w.workerIndex());
        r.addProperty("token", wc.token);
        return r;
    }

    private void data(ControlConn c, JsonElement id, JsonObject req) {
        try {
            long v = number(req, "version", -1);
            if (v != Protocol.VERSION) {
                throw new BadRequest(Protocol.UNSUPPORTED_VERSION, "this daemon speaks protocol version " + Protocol.VERSION
                        + ", not " + v, "use a client of protocol version " + Protocol.VERSION);
            }
            if (c.worker != null || c.hello) {
                throw new BadRequest("data is the first and only request of a data connection");
            }
            String token = string(req, "token", "");
            WorkerConn w = tokens.get(token);
            if (w == null || w.uid != c.uid || w.dead) {
                throw new BadRequest(Protocol.BAD_TOKEN, "no worker waits for a data connection with this token from uid " + c.uid,
                        "use the token of your attach or add_worker reply, once, from the same user");
            }
            tokens.remove(token);
            long want = number(req, "window", Protocol.DEFAULT_WINDOW);
            w.window = (int) Math.max(1, Math.min(want, config.maxWindow()));
            w.data = c.channel;
            c.dataOf = w;
            JsonObject r = new JsonObject();
            r.addProperty("app", w.app);
            r.addProperty("worker", w.workerIndex);
            r.addProperty("window", w.window);
            reply(c, id, r);
            resumeParked();
        } catch (BadRequest e) {
            replyError(c, id, e.code, e.getMessage(), e.hint);
            c.channel.eventLoop().execute(c.channel::close);
        }
    }

    private WorkerConn requireWorker(ControlConn c) {
        if (c.worker == null || c.worker.dead) {
            throw new BadRequest(Protocol.NOT_ATTACHED, "this connection is no app worker",
                    "attach or add_worker on this connection first");
        }
        return c.worker;
    }

    private JsonObject listen(ControlConn c, JsonObject req) {
        WorkerConn w = requireWorker(c);
        String uri = string(req, "uri", null);
        if (uri == null) {
            throw new BadRequest("listen needs \"uri\", e.g. tcp://127.0.0.1/8080");
        }
        Endpoint ep;
        try {
            ep = Endpoint.parseUri(uri);
        } catch (IllegalArgumentException e) {
            throw SessionError.INVALID_ENDPOINT.exception("%s", e.getMessage());
        }
        if (ep.proto() != TransportProto.TCP) {
            throw SessionError.INVALID_ENDPOINT.exception("%s: the daemon serves TCP only", uri);
        }
        boolean reuseport = bool(req, "reuseport", false);
        String selector = string(req, "selector", null);
        ListenOptions options = new ListenOptions(reuseport, selector);
        if (ep.port() != 0 && ep.port() < unprivilegedPortStart && c.uid != 0) {
            throw new BadRequest(Protocol.PERMISSION_DENIED, "uid " + c.uid + " may not listen on " + ep.toUri()
                    + ": ports below " + unprivilegedPortStart + " are for root", "listen on a port of "
                    + unprivilegedPortStart + " or more, as the kernel would require");
        }
        ApplicationImpl app = layer.app(w.app);
        int fib = app.namespace().fibIndex();
        RealListener real;
        long handle;
        if (ep.port() == 0) {
            real = open(ep, fib);
            ep = real.endpoint;
            try {
                handle = layer.listen(w.app, w.workerIndex, ep, options);
            } catch (RuntimeException e) {
                closeListener(real);
                throw e;
            }
        } else {
            real = listeners.get(ep);
            if (real != null && real.fib != fib) {
                throw SessionError.ALREADY_LISTENING.exception("%s is held by FIB %s; app '%s' of FIB %s cannot listen there"
                        + " (this host has one kernel network namespace)", ep.toUri(), real.fib, w.app, fib);
            }
            handle = layer.listen(w.app, w.workerIndex, ep, options);
            if (real == null) {
                try {
                    real = open(ep, fib);
                } catch (RuntimeException e) {
                    layer.unlisten(w.app, w.workerIndex, ep);
                    throw e;
                }
            }
        }
        real.refs++;
        w.listens.add(ep);
        log(w.label() + " listens on " + ep.toUri() + (reuseport ? " with reuseport" : "")
                + (selector != null ? " (" + selector + ")" : ""));
        resumeParked();
        JsonObject r = new JsonObject();
        r.addProperty("uri", ep.toUri());
        r.addProperty("port", ep.port());
        r.addProperty("handle", handle);
        return r;
    }

    private RealListener open(Endpoint ep, int fib) {
        EpollServerSocketChannel ch = new EpollServerSocketChannel(ep.isIp4() ? SocketProtocolFamily.INET : SocketProtocolFamily.INET6);
        RealListener[] holder = new RealListener[1];
        ch.config().setReuseAddress(true);
        ch.config().setBacklog(config.backlog());
        if (!ep.isIp4()) {
            ch.config().setOption(IPV6_V6ONLY, 1);
        }
        ch.pipeline().addLast(new AcceptHandler(holder));
        ChannelFuture reg = loop.register(ch);
        if (!reg.isDone() || !reg.isSuccess()) {
            ch.unsafe().closeForcibly();
            throw SessionError.TRANSPORT.exception("%s: could not register the listening socket: %s", ep.toUri(), reg.cause());
        }
        ChannelFuture bind = ch.bind(new InetSocketAddress(ep.address(), ep.port()));
        if (!bind.isDone() || !bind.isSuccess()) {
            ch.close();
            Throwable cause = bind.cause();
            throw SessionError.TRANSPORT.exception("%s: the kernel refused the listening socket: %s", ep.toUri(),
                    cause == null ? "bind did not complete" : cause.getMessage());
        }
        Endpoint bound = new Endpoint(TransportProto.TCP, ep.address(), ch.localAddress().getPort());
        RealListener real = new RealListener(bound, fib);
        real.channel = ch;
        holder[0] = real;
        listeners.put(bound, real);
        return real;
    }

    private void closeListener(RealListener real) {
        if (real.closed) {
            return;
        }
        real.closed = true;
        listeners.remove(real.endpoint, real);
        real.channel.close();
        PendingConn p;
        while ((p = real.parked.pollFirst()) != null) {
            droppedListenerClosed++;
            reset(p.child);
        }
        log("closed the listening socket of " + real.endpoint.toUri());
    }

    private void releaseListen(WorkerConn w, Endpoint ep) {
        w.listens.remove(ep);
        RealListener real = listeners.get(ep);
        if (real != null && --real.refs == 0) {
            closeListener(real);
        }
    }

    private JsonObject unlisten(ControlConn c, JsonObject req) {
        WorkerConn w = requireWorker(c);
        String uri = string(req, "uri", null);
        if (uri == null) {
            throw new BadRequest("unlisten needs \"uri\"");
        }
        Endpoint ep;
        try {
            ep = Endpoint.parseUri(uri);
        } catch (IllegalArgumentException e) {
            throw SessionError.INVALID_ENDPOINT.exception("%s", e.getMessage());
        }
        layer.unlisten(w.app, w.workerIndex, ep);
        releaseListen(w, ep);
        log(w.label() + " stopped listening on " + ep.toUri());
        return new JsonObject();
    }

    private JsonObject detach(ControlConn c) {
        WorkerConn w = requireWorker(c);
        String app = w.app;
        List<WorkerConn> ws = List.copyOf(apps.getOrDefault(app, List.of()));
        layer.detach(app);
        for (WorkerConn x : ws) {
            retire(x, "detached", false);
        }
        requeue(ws);
        for (WorkerConn x : ws) {
            if (x != w) {
                x.control.send("{\"event\":\"detached\",\"app\":" + new JsonPrimitive(app) + "}");
                x.control.channel.close();
            }
            if (x.data != null) {
                x.data.close();
            }
        }
        c.worker = null;
        log("detached " + app);
        JsonObject r = new JsonObject();
        r.addProperty("app", app);
        return r;
    }

    // ================================================================ connections closing

    void connectionClosed(ControlConn c) {
        WorkerConn w = c.worker != null ? c.worker : c.dataOf;
        if (w == null || w.dead) {
            return;
        }
        boolean isData = c.dataOf != null;
        String why = isData ? "its data connection closed" : "its control connection closed";
        try {
            ApplicationImpl app = layer.app(w.app);
            if (app != null && app.worker(w.workerIndex) != null) {
                if (app.workers().size() == 1) {
                    layer.detach(w.app);
                } else {
                    layer.removeWorker(w.app, w.workerIndex);
                }
            }
        } catch (SessionException e) {
            log("removing " + w.label() + ": " + e.getMessage());
        }
        retire(w, why, true);
        requeue(List.of(w));
        if (isData) {
            w.control.channel.close();
        } else if (w.data != null) {
            w.data.close();
        }
        stack.pollAll();
        flushDirty();
    }

    /** Takes a worker out of the daemon's tables (the stack has dropped it already). */
    private void retire(WorkerConn w, String why, boolean died) {
        if (w.dead) {
            return;
        }
        w.dead = true;
        w.deathReason = why;
        byGlobal.remove(w.globalIndex, w);
        tokens.remove(w.token);
        dirty.remove(w);
        List<WorkerConn> list = apps.get(w.app);
        if (list != null) {
            list.remove(w);
            if (list.isEmpty()) {
                apps.remove(w.app);
            }
        }
        w.listensAtExit = List.copyOf(w.listens);
        for (Endpoint ep : w.listensAtExit) {
            releaseListen(w, ep);
        }
        if (died) {
            workersDied++;
        }
        log(w.label() + " (pid " + w.pid + ") left: " + why + "; " + w.inflight.size()
                + " connection(s) it had not taken go to other members");
    }

    /** Gives every connection the workers had not taken to the remaining members, counted. */
    private void requeue(List<WorkerConn> gone) {
        for (WorkerConn w : gone) {
            PendingConn p;
            while ((p = w.inflight.pollFirst()) != null) {
                requeued++;
                w.requeuedAway++;
                dispatch(p, true);
            }
            JsonObject d = workerJson(w);
            dead.addLast(d);
            if (dead.size() > DEAD_KEPT) {
                dead.pollFirst();
            }
        }
    }

    // ================================================================ data plane

    /** The accept handler of one real listening socket. */
    private final class AcceptHandler extends ChannelInboundHandlerAdapter {
        private final RealListener[] holder;

        AcceptHandler(RealListener[] holder) {
            this.holder = holder;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            accepted(holder[0], (EpollSocketChannel) msg);
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            flushDirty();
        }

        /**
         * An accept failed (EMFILE, ENFILE, ENOBUFS...): the socket stays readable, so retrying at
         * once would spin; stop accepting for 100 ms (the backlog holds the connections).
         */
        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            if (acceptErrors++ < 10) {
                log("accept on " + (holder[0] == null ? "?" : holder[0].endpoint.toUri()) + " failed: " + cause);
            }
            RealListener real = holder[0];
            if (real != null && !real.closed && !real.paused) {
                real.channel.config().setAutoRead(false);
                loop.schedule(() -> {
                    if (!real.closed && !real.paused) {
                        real.channel.config().setAutoRead(true);
                    }
                }, 100, java.util.concurrent.TimeUnit.MILLISECONDS);
            }
        }
    }

    private void accepted(RealListener real, EpollSocketChannel child) {
        accepted++;
        if (real == null || real.closed) {
            droppedListenerClosed++;
            reset(child);
            return;
        }
        real.accepted++;
        PendingConn p = new PendingConn(child, real, System.nanoTime());
        if (!real.parked.isEmpty()) {
            park(p);
            return;
        }
        dispatch(p, false);
    }

    /**
     * Looks the connection up and hands it to the selector's choice, or its next choices while
     * the chosen worker is congested; parks it when none can take it; resets and counts it when
     * no listener or worker is left.
     *
     * @return whether it was handed or dropped (false: parked)
     */
    private boolean dispatch(PendingConn p, boolean requeue) {
        RealListener real = p.listener;
        if (!flow.set(p.child.localAddress(), p.child.remoteAddress())) {
            drop(p, DropReason.BAD_ADDRESS);
            return true;
        }
        SessionTables tables = layer.fib(real.fib);
        long v = tables == null ? SessionHandle.INVALID : layer.lookupListener(tables, flow, scratch);
        if (v == SessionHandle.INVALID) {
            drop(p, DropReason.NO_LISTENER);
            return true;
        }
        long d = layer.dispatch(v, flow, 0);
        int members = members(real);
        int attempt = 0;
        while (d >= 0) {
            WorkerConn w = byGlobal.get((int) d);
            if (w != null && !w.congested()) {
                hand(w, p, requeue, false);
                return true;
            }
            skips++;
            if (w != null) {
                w.skipped++;
            }
            if (++attempt >= members) {
                break;
            }
            d = layer.redispatch(v, flow, 0, d, attempt);
        }
        if (d < 0) {
            drop(p, SessionLayer.dropReasonOf(d));
            return true;
        }
        // the selector's choices so far were all congested: any member that can take it still does
        WorkerConn best = null;
        for (WorkerConn w : byGlobal.values()) {
            if (!w.congested() && w.listens.contains(real.endpoint)
                    && (best == null || w.inflight.size() < best.inflight.size())) {
                best = w;
            }
        }
        if (best != null) {
            fallbacks++;
            hand(best, p, requeue, true);
            return true;
        }
        return !park(p);
    }

    private int members(RealListener real) {
        int n = 0;
        for (WorkerConn w : byGlobal.values()) {
            if (w.listens.contains(real.endpoint)) {
                n++;
            }
        }
        return Math.max(1, n);
    }

    private void hand(WorkerConn w, PendingConn p, boolean requeue, boolean fallback) {
        w.inflight.addLast(p);
        w.handed++;
        handed++;
        if (requeue) {
            w.requeuedIn++;
        }
        if (fallback) {
            w.fallbackIn++;
        }
        // a failed write fires exceptionCaught on the data connection, which closes it: the worker dies
        w.data.write(new FileDescriptor(p.fd), w.data.voidPromise());
        dirty.add(w);
    }

    /** Parks a connection on its listener and stops accepting there; false if the listener closed (dropped). */
    private boolean park(PendingConn p) {
        RealListener real = p.listener;
        if (real.closed) {
            droppedListenerClosed++;
            reset(p.child);
            return false;
        }
        real.parked.addLast(p);
        parkedTotal++;
        if (!real.paused) {
            real.paused = true;
            real.pauses++;
            pauses++;
            real.channel.config().setAutoRead(false);
        }
        return true;
    }

    private void drop(PendingConn p, DropReason reason) {
        drops.merge(reason, 1L, Long::sum);
        reset(p.child);
    }

    private static void reset(EpollSocketChannel child) {
        try {
            child.config().setOption(ChannelOption.SO_LINGER, 0);
        } catch (RuntimeException ignored) {
            // closing is what matters
        }
        child.unsafe().closeForcibly();
    }

    /** A worker took {@code n} descriptors: the daemon's copies close, its window opens. */
    void credits(WorkerConn w, int n) {
        if (w.dead) {
            return; // what it had not taken was given to other members when it left
        }
        for (int i = 0; i < n; i++) {
            PendingConn p = w.inflight.pollFirst();
            if (p == null) {
                log(w.label() + " returned more credits than descriptors it was sent: closing it");
                w.control.channel.close();
                return;
            }
            p.child.unsafe().closeForcibly();
            w.taken++;
            taken++;
        }
        resumeParked();
    }

    private void resumeParked() {
        for (RealListener real : List.copyOf(listeners.values())) {
            if (!real.paused) {
                continue;
            }
            PendingConn p;
            while ((p = real.parked.peekFirst()) != null) {
                real.parked.pollFirst();
                if (!dispatch(p, false)) {
                    // parked again, at the tail: put it back at the head to keep the order
                    real.parked.pollLast();
                    real.parked.addFirst(p);
                    parkedTotal--;
                    break;
                }
            }
            if (real.parked.isEmpty() && !real.closed) {
                real.paused = false;
                real.channel.config().setAutoRead(true);
            }
        }
    }

    /** Flushes the data connections written to since the last flush. */
    public void flushDirty() {
        if (dirty.isEmpty()) {
            return;
        }
        for (WorkerConn w : dirty) {
            if (w.data != null) {
                w.data.flush();
            }
        }
        dirty.clear();
    }

    // ================================================================ show

    /** The live counters, as the {@code show} reply's fields. */
    public JsonObject show() {
        JsonObject r = new JsonObject();
        r.addProperty("version", Protocol.VERSION);
        r.addProperty("daemon_pid", ProcessHandle.current().pid());
        r.addProperty("uptime_ms", (System.nanoTime() - startNanos) / 1_000_000);
        r.addProperty("open_fds", openFds());
        JsonObject t = new JsonObject();
        t.addProperty("accepted", accepted);
        t.addProperty("handed", handed);
        t.addProperty("taken", taken);
        long inflight = 0;
        for (WorkerConn w : byGlobal.values()) {
            inflight += w.inflight.size();
        }
        long parkedNow = 0;
        for (RealListener l : listeners.values()) {
            parkedNow += l.parked.size();
        }
        t.addProperty("in_flight", inflight);
        t.addProperty("parked_now", parkedNow);
        t.addProperty("parked", parkedTotal);
        t.addProperty("pauses", pauses);
        t.addProperty("congestion_skips", skips);
        t.addProperty("fallbacks", fallbacks);
        t.addProperty("requeued", requeued);
        t.addProperty("workers_died", workersDied);
        t.addProperty("accept_errors", acceptErrors);
        long dropped = droppedListenerClosed;
        JsonObject dr = new JsonObject();
        for (Map.Entry<DropReason, Long> e : drops.entrySet()) {
            dr.addProperty(e.getKey().name(), e.getValue());
            dropped += e.getValue();
        }
        if (droppedListenerClosed > 0) {
            dr.addProperty("LISTENER_CLOSED", droppedListenerClosed);
        }
        t.addProperty("dropped", dropped);
        r.add("totals", t);
        r.add("drops", dr);
        JsonArray ls = new JsonArray();
        for (RealListener l : listeners.values()) {
            JsonObject o = new JsonObject();
            o.addProperty("uri", l.endpoint.toUri());
            o.addProperty("fib", l.fib);
            o.addProperty("listens", l.refs);
            o.addProperty("accepted", l.accepted);
            o.addProperty("parked_now", l.parked.size());
            o.addProperty("paused", l.paused);
            o.addProperty("pauses", l.pauses);
            ls.add(o);
        }
        r.add("listeners", ls);
        JsonArray as = new JsonArray();
        for (ApplicationImpl a : layer.applications()) {
            JsonObject o = new JsonObject();
            o.addProperty("name", a.name());
            o.addProperty("namespace", a.namespace().name());
            o.addProperty("owner", a.owner());
            JsonArray ws = new JsonArray();
            for (WorkerConn w : apps.getOrDefault(a.name(), List.of())) {
                ws.add(workerJson(w));
            }
            o.add("workers", ws);
            as.add(o);
        }
        r.add("apps", as);
        JsonArray ds = new JsonArray();
        dead.forEach(ds::add);
        r.add("gone", ds);
        return r;
    }

    private static JsonObject workerJson(WorkerConn w) {
        JsonObject o = new JsonObject();
        o.addProperty("app", w.app);
        o.addProperty("worker", w.workerIndex);
        o.addProperty("pid", w.pid);
        o.addProperty("uid", w.uid);
        o.addProperty("data", w.data != null);
        o.addProperty("window", w.window);
        o.addProperty("in_flight", w.inflight.size());
        o.addProperty("handed", w.handed);
        o.addProperty("taken", w.taken);
        o.addProperty("congestion_skips", w.skipped);
        o.addProperty("requeued_away", w.requeuedAway);
        o.addProperty("requeued_in", w.requeuedIn);
        o.addProperty("fallback_in", w.fallbackIn);
        JsonArray l = new JsonArray();
        for (Endpoint ep : w.dead ? w.listensAtExit : w.listens) {
            l.add(ep.toUri());
        }
        o.add("listens", l);
        if (w.deathReason != null) {
            o.addProperty("gone", w.deathReason);
        }
        return o;
    }

    private static long openFds() {
        try (var s = Files.list(Path.of("/proc/self/fd"))) {
            return s.count() - 1; // the directory stream's own descriptor
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    // ================================================================ shutdown

    /** Closes every listening socket and resets every connection the daemon still holds. */
    public void shutdown() {
        for (RealListener real : List.copyOf(listeners.values())) {
            closeListener(real);
        }
        for (WorkerConn w : List.copyOf(byGlobal.values())) {
            PendingConn p;
            while ((p = w.inflight.pollFirst()) != null) {
                // the worker may still take it: close only the daemon's copy, no reset
                p.child.unsafe().closeForcibly();
            }
        }
    }
}
