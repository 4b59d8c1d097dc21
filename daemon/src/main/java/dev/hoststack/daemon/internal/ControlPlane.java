package dev.hoststack.daemon.internal;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import dev.hoststack.api.Endpoint;
import dev.hoststack.api.Scope;
import dev.hoststack.api.SessionError;
import dev.hoststack.api.SessionException;
import dev.hoststack.api.TransportProto;
import dev.hoststack.protocol.Errors;
import dev.hoststack.protocol.Fields;
import dev.hoststack.protocol.Messages;
import dev.hoststack.protocol.Names;
import dev.hoststack.protocol.Protocol;
import dev.hoststack.protocol.ProtocolException;
import dev.hoststack.reuseport.ReuseportGroup;
import dev.hoststack.reuseport.bpf.KernelDispatchException;
import dev.hoststack.reuseport.bpf.ReuseportSockets;
import dev.hoststack.session.AttachOptions;
import dev.hoststack.session.ListenOptions;
import dev.hoststack.session.SessionApplication;
import dev.hoststack.session.SessionLayer;
import dev.hoststack.session.SessionWorker;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.List;

/**
 * The control plane: each request line of a control connection, answered in order (hello,
 * attach, add_worker, data, listen, unlisten, weight, detach, show), and a connection's end (its worker
 * leaves). Event-loop thread only.
 */
final class ControlPlane {

    /** The daemon's hint for INVALID_ENDPOINT (the session layer's own says 1..65535: it refuses port 0, the daemon binds it). */
    static final String ENDPOINT_HINT = "listen on tcp://ADDRESS/PORT with a port in 0..65535 (0: the daemon binds a free"
            + " port and answers it), IPv6 as tcp://[::1]/PORT";

    private final Core core;
    private final SessionLayer layer;
    private final int unprivilegedPortStart;
    private final SecureRandom random = new SecureRandom();

    ControlPlane(Core core) {
        this.core = core;
        this.layer = core.layer;
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

    // ================================================================ requests

    void request(ControlConn c, String line) {
        JsonObject req;
        try {
            req = Fields.parse(line);
        } catch (ProtocolException e) {
            replyError(c, null, e.code(), e.getMessage(), "send one JSON object per line");
            return;
        }
        JsonElement id = req.get("id");
        try {
            String op = Fields.string(req, "op", null);
            if (op == null) {
                throw new ProtocolException("the request has no \"op\"");
            }
            if (op.equals(Protocol.DATA)) {
                data(c, id, req);
                return;
            }
            if (!c.hello && !op.equals(Protocol.HELLO)) {
                replyError(c, id, Errors.NO_HELLO, "the first request on a control connection is hello",
                        "send {\"op\":\"hello\",\"version\":" + Protocol.VERSION + "} first");
                return;
            }
            JsonObject reply = switch (op) {
                case Protocol.HELLO -> hello(c, req);
                case Protocol.ATTACH -> attach(c, req);
                case Protocol.ADD_WORKER -> addWorker(c, req);
                case Protocol.LISTEN -> listen(c, req);
                case Protocol.UNLISTEN -> unlisten(c, req);
                case Protocol.WEIGHT -> weight(c, req);
                case Protocol.DETACH -> detach(c);
                case Protocol.REPORT -> report(c, req);
                case Protocol.SHOW -> core.report.show((int) Math.max(0, Math.min(Integer.MAX_VALUE,
                        Fields.number(req, "from", 0))));
                default -> throw new ProtocolException("unknown op '" + Fields.abbreviate(op) + "' (known: "
                        + String.join(", ", Protocol.OPS) + ")");
            };
            c.send(Messages.ok(id, reply).toString());
            core.stack.pollAll();
        } catch (SessionException e) {
            replyError(c, id, e.code().name(), e.detail(),
                    e.code() == SessionError.INVALID_ENDPOINT ? ENDPOINT_HINT : e.code().hint());
        } catch (ProtocolException e) {
            replyError(c, id, e.code(), e.getMessage(), e.hint());
        } catch (IllegalArgumentException e) {
            replyError(c, id, Errors.BAD_REQUEST, e.getMessage(), "see docs/protocol.md");
        } catch (RuntimeException | StackOverflowError | NoClassDefFoundError e) {
            core.failed("request " + Fields.abbreviate(line), e);
            replyError(c, id, Errors.INTERNAL, String.valueOf(e), "a daemon bug: report it with the daemon's log");
        }
        core.flushDirty();
    }

    /** Sends a refusal, counted under its code. */
    void replyError(ControlConn c, JsonElement id, String code, String message, String hint) {
        core.stats.refused(code);
        c.send(Messages.error(id, code, message, hint).toString());
    }

    private static long version(JsonObject req, String op) {
        long v = Fields.number(req, "version", -1);
        if (!req.has("version") || req.get("version").isJsonNull()) {
            throw new ProtocolException(op + " needs \"version\": " + Protocol.VERSION);
        }
        return v;
    }

    private static ProtocolException unsupported(long v) {
        return new ProtocolException(Errors.UNSUPPORTED_VERSION, "this daemon speaks protocol versions " + Protocol.MIN_VERSION
                + " to " + Protocol.VERSION + ", not " + v, "use a client of protocol version " + Protocol.MIN_VERSION + " to "
                + Protocol.VERSION);
    }

    private JsonObject hello(ControlConn c, JsonObject req) {
        long v = version(req, Protocol.HELLO);
        if (!Protocol.supported(v)) {
            c.channel.eventLoop().execute(c.channel::close);
            throw unsupported(v);
        }
        c.hello = true;
        c.version = (int) v;
        JsonObject r = new JsonObject();
        r.addProperty("version", c.version);
        if (c.version >= 2) {
            r.addProperty("dispatch", core.kernel.available() ? Protocol.DISPATCH_KERNEL : Protocol.DISPATCH_HANDOFF);
        }
        r.addProperty("daemon_pid", ProcessHandle.current().pid());
        r.addProperty("uid", c.uid);
        r.addProperty("pid", c.pid);
        return r;
    }

    private JsonObject attach(ControlConn c, JsonObject req) {
        if (c.worker != null) {
            throw new ProtocolException(Errors.ALREADY_ATTACHED, "this connection is " + c.worker.label() + " already",
                    "open a new connection for another application or worker");
        }
        String app = Fields.string(req, "app", null);
        if (app == null) {
            throw new ProtocolException("attach needs \"app\", the application's name");
        }
        Names.check("application name", app);
        String ns = Names.check("namespace", Fields.string(req, "namespace", SessionLayer.DEFAULT_NAMESPACE));
        long secret = Fields.number(req, "secret", 0);
        core.uids.checkApp(c.uid);
        core.uids.checkWorker(c.uid);
        core.reservations.checkApp(app, c.uid);
        SessionApplication a = layer.attach(new AttachOptions(app, ns, secret, c.uid, Scope.GLOBAL));
        SessionWorker w = a.worker(0);
        WorkerConn wc = newWorker(c, a, w);
        JsonObject r = new JsonObject();
        r.addProperty("app", app);
        r.addProperty("worker", 0);
        r.addProperty("token", wc.token);
        r.addProperty("owner", c.uid);
        core.reservations.changed();
        core.log("attached " + app + " (namespace " + ns + ", owner uid " + c.uid + ", pid " + c.pid + ")");
        return r;
    }

    private WorkerConn newWorker(ControlConn c, SessionApplication a, SessionWorker w) {
        byte[] t = new byte[16];
        random.nextBytes(t);
        WorkerConn wc = new WorkerConn(c, a.name(), w.workerIndex(), w.globalIndex(), c.uid, c.pid, HexFormat.of().formatHex(t),
                c.version);
        c.worker = wc;
        core.add(wc);
        return wc;
    }

    private JsonObject addWorker(ControlConn c, JsonObject req) {
        if (c.worker != null) {
            throw new ProtocolException(Errors.ALREADY_ATTACHED, "this connection is " + c.worker.label() + " already",
                    "open a new connection for each worker");
        }
        String app = Fields.string(req, "app", null);
        if (app == null) {
            throw new ProtocolException("add_worker needs \"app\", the application's name");
        }
        Names.check("application name", app);
        SessionApplication a = layer.app(app);
        if (a == null) {
            throw SessionError.NO_SUCH_APP.exception("no application named '%s' is attached", app);
        }
        if (a.owner() != c.uid) {
            throw new ProtocolException(Errors.NOT_OWNER, "app '" + app + "' is owned by uid " + a.owner()
                    + "; uid " + c.uid + " may not add a worker to it", "add workers from a process of the application's owner");
        }
        core.uids.checkWorker(c.uid);
        SessionWorker w = layer.addWorker(app);
        WorkerConn wc = newWorker(c, a, w);
        JsonObject r = new JsonObject();
        r.addProperty("app", app);
        r.addProperty("worker", w.workerIndex());
        r.addProperty("token", wc.token);
        return r;
    }

    private void data(ControlConn c, JsonElement id, JsonObject req) {
        try {
            long v = version(req, Protocol.DATA);
            if (!Protocol.supported(v)) {
                throw unsupported(v);
            }
            if (c.worker != null || c.hello) {
                throw new ProtocolException("data is the first and only request of a data connection");
            }
            String token = Fields.string(req, "token", "");
            WorkerConn w = core.tokens.get(token);
            if (w == null || w.uid != c.uid || w.dead) {
                throw new ProtocolException(Errors.BAD_TOKEN, "no worker waits for a data connection with this token from uid " + c.uid,
                        "use the token of your attach or add_worker reply, once, from the same user");
            }
            if (v != w.version) {
                throw new ProtocolException("this data connection says version " + v + ", its worker's control connection said "
                        + w.version + ": use one version for both");
            }
            core.tokens.remove(token);
            long want = Fields.number(req, "window", Protocol.DEFAULT_WINDOW);
            w.window = (int) Math.max(1, Math.min(want, core.config.maxWindow()));
            w.data = c.channel;
            c.dataOf = w;
            JsonObject r = new JsonObject();
            r.addProperty("app", w.app);
            r.addProperty("worker", w.workerIndex);
            r.addProperty("window", w.window);
            c.send(Messages.ok(id, r).toString());
            core.dispatcher.resumeParked();
        } catch (ProtocolException e) {
            replyError(c, id, e.code(), e.getMessage(), e.hint());
            c.channel.eventLoop().execute(c.channel::close);
        }
    }

    private WorkerConn requireWorker(ControlConn c) {
        if (c.worker == null || c.worker.dead) {
            throw new ProtocolException(Errors.NOT_ATTACHED, "this connection is no app worker",
                    "attach or add_worker on this connection first");
        }
        return c.worker;
    }

    private JsonObject listen(ControlConn c, JsonObject req) {
        WorkerConn w = requireWorker(c);
        String uri = Fields.string(req, "uri", null);
        if (uri == null) {
            throw new ProtocolException("listen needs \"uri\", e.g. tcp://127.0.0.1/8080");
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
        boolean reuseport = Fields.bool(req, "reuseport", false);
        String selector = Fields.string(req, "selector", null);
        if (selector != null) {
            Names.check("selector name", selector);
        }
        core.uids.checkListen(c.uid);
        if (ep.port() != 0) {
            core.reservations.checkListen(ep, c.uid);
        }
        ListenOptions options = new ListenOptions(reuseport, selector);
        if (ep.port() != 0 && ep.port() < unprivilegedPortStart && c.uid != 0) {
            throw new ProtocolException(Errors.PERMISSION_DENIED, "uid " + c.uid + " may not listen on " + ep.toUri()
                    + ": ports below " + unprivilegedPortStart + " are for root", "listen on a port of "
                    + unprivilegedPortStart + " or more, as the kernel would require");
        }
        SessionApplication app = layer.app(w.app);
        int fib = app.namespace().fibIndex();
        boolean kernelCandidate = reuseport && core.kernel.available();
        if (kernelCandidate && w.version >= 2 && w.data == null) {
            throw new ProtocolException(Errors.NO_DATA_CONNECTION, w.label() + " has no data connection yet: a listen of a"
                    + " kernel-dispatching daemon sends the worker its listening socket over it",
                    "open the data connection (the data request with the attach reply's token) before listening");
        }
        RealListener real;
        long handle;
        int boundFd = -1;
        if (ep.port() == 0) {
            if (kernelCandidate) {
                // a socket of the group-to-be, bound now to learn the port: the first worker's if the group goes to the kernel
                try {
                    boundFd = ReuseportSockets.openListener(new InetSocketAddress(ep.address(), 0), core.config.backlog());
                } catch (KernelDispatchException e) {
                    throw SessionError.TRANSPORT.exception("%s: the kernel refused the listening socket: %s", ep.toUri(),
                            e.getMessage());
                }
                ep = new Endpoint(TransportProto.TCP, ep.address(), ReuseportSockets.localAddress(boundFd).getPort());
                try {
                    handle = layer.listen(w.app, w.workerIndex, ep, options);
                } catch (RuntimeException e) {
                    ReuseportSockets.close(boundFd);
                    throw e;
                }
                try {
                    real = core.listeners.openFirst(ep, fib, handle, true, boundFd);
                } catch (RuntimeException e) {
                    layer.unlisten(w.app, w.workerIndex, ep);
                    throw e;
                }
                if (real.kernel == null) {
                    boundFd = -1; // closed: the hand-off path has its own socket
                }
            } else {
                real = core.listeners.open(ep, fib);
                ep = real.endpoint;
                try {
                    handle = layer.listen(w.app, w.workerIndex, ep, options);
                } catch (RuntimeException e) {
                    core.listeners.close(real);
                    throw e;
                }
            }
        } else {
            real = core.listeners.get(ep);
            if (real != null && real.fib != fib) {
                throw SessionError.ALREADY_LISTENING.exception("%s is held by FIB %s; app '%s' of FIB %s cannot listen there"
                        + " (this host has one kernel network namespace)", ep.toUri(), real.fib, w.app, fib);
            }
            handle = layer.listen(w.app, w.workerIndex, ep, options);
            if (real == null) {
                try {
                    real = core.listeners.openFirst(ep, fib, handle, reuseport, -1);
                } catch (RuntimeException e) {
                    layer.unlisten(w.app, w.workerIndex, ep);
                    throw e;
                }
            }
        }
        KernelGroup.Member member = null;
        if (real.kernel != null) {
            try {
                member = joinKernel(w, real, boundFd);
            } catch (RuntimeException e) {
                layer.unlisten(w.app, w.workerIndex, ep);
                if (real.refs == 0) {
                    core.listeners.close(real);
                }
                throw e;
            }
        }
        real.refs++;
        if (w.listens.add(ep)) {
            core.uids.listens(w.uid, 1);
        }
        core.reservations.changed();
        core.log(w.label() + " listens on " + ep.toUri() + (reuseport ? " with reuseport" : "")
                + (selector != null ? " (" + selector + ")" : "") + (member == null ? ""
                : member.proxy != null ? ", kernel dispatch: its socket in slot " + member.slot + ", accepted by the daemon for"
                + " it (protocol version 1)" : ", kernel dispatch: its own socket, slot " + member.slot));
        core.dispatcher.resumeParked();
        JsonObject r = new JsonObject();
        r.addProperty("uri", ep.toUri());
        r.addProperty("port", ep.port());
        r.addProperty("handle", handle);
        if (w.version >= 2) {
            if (member != null) {
                r.addProperty("dispatch", Protocol.DISPATCH_KERNEL);
                r.addProperty("socket_cookie", member.cookie);
                r.addProperty("slot", member.slot);
            } else {
                r.addProperty("dispatch", Protocol.DISPATCH_HANDOFF);
                r.addProperty("dispatch_reason", !reuseport ? "a listen without reuseport is one application's: the daemon hands"
                        + " its connections over" : real.handoffReason != null ? real.handoffReason : core.kernel.summary());
            }
        }
        return r;
    }

    /**
     * Puts worker {@code w}'s own socket in the endpoint's kernel group and hands it over: a
     * version-2 worker gets it on its data connection (before the listen's reply); for a version-1
     * worker the daemon accepts on it and hands each connection over, as on the hand-off path.
     */
    private KernelGroup.Member joinKernel(WorkerConn w, RealListener real, int boundFd) {
        if (w.kernelSockets.containsKey(real.endpoint)) {
            throw SessionError.ALREADY_LISTENING.exception("%s listens on %s already", w.label(), real.endpoint.toUri());
        }
        KernelGroup.Member m = real.kernel.join(w, boundFd);
        w.kernelSockets.put(real.endpoint, m);
        if (w.version >= 2) {
            core.dispatcher.sendListeningSocket(w, m.fd);
        } else {
            try {
                m.proxy = core.listeners.openProxy(real, m);
            } catch (RuntimeException e) {
                w.kernelSockets.remove(real.endpoint);
                real.kernel.leave(w);
                throw e;
            }
        }
        return m;
    }

    /** {@code report}: what a version-2 worker accepted on its own sockets, per URI. */
    private JsonObject report(ControlConn c, JsonObject req) {
        WorkerConn w = requireWorker(c);
        com.google.gson.JsonElement a = req.get("accepted");
        if (a == null || !a.isJsonObject()) {
            throw new ProtocolException("report needs \"accepted\": {URI: count, ...}");
        }
        java.util.Map<String, Long> counts = new java.util.LinkedHashMap<>();
        for (var e : a.getAsJsonObject().entrySet()) {
            if (counts.size() >= 256) {
                break;
            }
            long n = Fields.number(a.getAsJsonObject(), e.getKey(), 0);
            counts.put(Names.escape(e.getKey(), 100), Math.max(0, n));
        }
        w.reported = counts;
        w.reportedNanos = System.nanoTime();
        w.reports++;
        return new JsonObject();
    }

    private JsonObject unlisten(ControlConn c, JsonObject req) {
        WorkerConn w = requireWorker(c);
        String uri = Fields.string(req, "uri", null);
        if (uri == null) {
            throw new ProtocolException("unlisten needs \"uri\"");
        }
        Endpoint ep;
        try {
            ep = Endpoint.parseUri(uri);
        } catch (IllegalArgumentException e) {
            throw SessionError.INVALID_ENDPOINT.exception("%s", e.getMessage());
        }
        layer.unlisten(w.app, w.workerIndex, ep);
        core.listeners.release(w, ep);
        core.reservations.changed();
        core.log(w.label() + " stopped listening on " + Names.escape(ep.toUri()));
        return new JsonObject();
    }

    /**
     * The sender's application's weight in the reuseport group on {@code uri}: the same rule as
     * the scenario language's {@code group weight URI APP N}, for the sender's own application only
     * (an application weighs itself; no message names another).
     */
    private JsonObject weight(ControlConn c, JsonObject req) {
        WorkerConn w = requireWorker(c);
        String uri = Fields.string(req, "uri", null);
        if (uri == null) {
            throw new ProtocolException("weight needs \"uri\", the reuseport group's endpoint, e.g. tcp://127.0.0.1/8080");
        }
        if (!req.has("weight") || req.get("weight").isJsonNull()) {
            throw new ProtocolException("weight needs \"weight\", a number of " + Protocol.MIN_WEIGHT + ".."
                    + Protocol.MAX_WEIGHT);
        }
        long weight = Fields.number(req, "weight", Protocol.MIN_WEIGHT);
        Endpoint ep;
        try {
            ep = Endpoint.parseUri(uri);
        } catch (IllegalArgumentException e) {
            throw SessionError.INVALID_ENDPOINT.exception("%s", e.getMessage());
        }
        if (weight < Protocol.MIN_WEIGHT || weight > Protocol.MAX_WEIGHT) {
            // checked here too: the table takes an int, and 2^32 + 3 must not become 3
            throw SessionError.INVALID_WEIGHT.exception("weight %s for app '%s' on %s is not in %s..%s", weight, w.app,
                    ep.toUri(), Protocol.MIN_WEIGHT, Protocol.MAX_WEIGHT);
        }
        SessionApplication app = layer.app(w.app);
        ReuseportGroup group = null;
        for (ReuseportGroup g : core.stack.reuseport().groups()) {
            if (g.endpoint().equals(ep) && g.namespace() == app.namespace() && !g.tables().local()) {
                group = g;
            }
        }
        if (group == null) {
            throw SessionError.NOT_LISTENING.exception("app '%s' is in no reuseport group on %s: a weight is a member's"
                    + " (listen there with \"reuseport\": true first)", w.app, ep.toUri());
        }
        core.stack.reuseport().weight(group.index(), w.app, (int) weight);
        core.log(w.label() + ": app " + w.app + " weighs " + weight + " in the group on " + ep.toUri() + " ("
                + group.selectorName() + ")");
        // a kernel group runs the selector's data: the new view's (a weighted sequence changes) goes to the kernel too
        RealListener real = core.listeners.get(group.endpoint());
        if (real != null && real.kernel != null) {
            try {
                real.kernel.publish(true);
            } catch (RuntimeException e) {
                core.log("publishing the kernel table of " + ep.toUri() + " after the weight change failed: " + e.getMessage()
                        + " (the kernel keeps the table before it)");
            }
        }
        JsonObject r = new JsonObject();
        r.addProperty("uri", ep.toUri());
        r.addProperty("app", w.app);
        r.addProperty("weight", weight);
        r.addProperty("selector", group.selectorName());
        return r;
    }

    private JsonObject detach(ControlConn c) {
        WorkerConn w = requireWorker(c);
        String app = w.app;
        List<WorkerConn> ws = List.copyOf(core.apps.getOrDefault(app, List.of()));
        layer.detach(app);
        for (WorkerConn x : ws) {
            retire(x, "detached", false);
        }
        core.dispatcher.requeue(ws);
        for (WorkerConn x : ws) {
            if (x != w) {
                x.control.send(Messages.detached(app).toString());
                x.control.channel.close();
            }
            if (x.data != null) {
                x.data.close();
            }
        }
        c.worker = null;
        core.reservations.changed();
        core.log("detached " + app);
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
        // a worker that held nothing (it never listened: refused, or closed before) left; one that did died
        boolean died = !w.listens.isEmpty() || !w.inflight.isEmpty() || w.taken > 0;
        try {
            SessionApplication app = layer.app(w.app);
            if (app != null && app.worker(w.workerIndex) != null) {
                if (app.workers().size() == 1) {
                    layer.detach(w.app);
                } else {
                    layer.removeWorker(w.app, w.workerIndex);
                }
            }
        } catch (SessionException e) {
            core.log("removing " + w.label() + ": " + e.getMessage());
        }
        retire(w, why, died);
        core.dispatcher.requeue(List.of(w));
        core.reservations.changed();
        if (isData) {
            w.control.channel.close();
        } else if (w.data != null) {
            w.data.close();
        }
        core.stack.pollAll();
        core.flushDirty();
    }

    /** Takes a worker out of the daemon's tables (the stack has dropped it already). */
    private void retire(WorkerConn w, String why, boolean died) {
        if (w.dead) {
            return;
        }
        w.dead = true;
        w.deathReason = why;
        core.remove(w);
        core.dispatcher.forget(w);
        w.listensAtExit = List.copyOf(w.listens);
        for (Endpoint ep : w.listensAtExit) {
            core.listeners.release(w, ep);
        }
        if (died) {
            core.stats.workersDied++;
        } else {
            core.stats.workersLeft++;
        }
        core.log(w.label() + " (pid " + w.pid + ") left: " + why + "; " + w.inflight.size()
                + " connection(s) it had not taken go to other members");
    }
}
