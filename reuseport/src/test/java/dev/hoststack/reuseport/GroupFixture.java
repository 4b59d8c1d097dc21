package dev.hoststack.reuseport;

import dev.hoststack.api.AppEventType;
import dev.hoststack.api.Endpoint;
import dev.hoststack.api.Ip;
import dev.hoststack.api.SessionHandle;
import dev.hoststack.api.spi.ReuseportSelectorProvider;
import dev.hoststack.session.AttachOptions;
import dev.hoststack.session.ListenOptions;
import dev.hoststack.session.SessionLayer;
import dev.hoststack.session.SessionLayerConfig;
import dev.hoststack.session.SessionWorker;
import dev.hoststack.tcp.TcpConfig;
import dev.hoststack.tcp.TcpPeer;
import dev.hoststack.tcp.TcpTransport;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;

/** A stack wired by hand: session layer, TCP, reuseport groups with the selectors on the class path. */
final class GroupFixture {

    final SessionLayer layer;
    final TcpTransport tcp;
    final ReuseportGroupTable groups;
    final TcpPeer peer;
    private int nextClient = 1;

    GroupFixture(int threads, ReuseportConfig config, ReuseportSelectorProvider... extra) {
        this(SessionLayerConfig.builder().threads(threads).build(), config, extra);
    }

    /** With app worker event queues of {@code eventQueueCapacity} (a power of two). */
    GroupFixture(int threads, ReuseportConfig config, int eventQueueCapacity) {
        this(SessionLayerConfig.builder().threads(threads).appEventQueueCapacity(eventQueueCapacity).build(), config);
    }

    private GroupFixture(SessionLayerConfig layerConfig, ReuseportConfig config, ReuseportSelectorProvider... extra) {
        layer = new SessionLayer(layerConfig);
        tcp = new TcpTransport(layer, TcpConfig.defaults(), System::nanoTime);
        Map<String, ReuseportSelectorProvider> providers = new LinkedHashMap<>();
        for (ReuseportSelectorProvider p : ServiceLoader.load(ReuseportSelectorProvider.class)) {
            providers.put(p.name(), p);
        }
        for (ReuseportSelectorProvider p : extra) {
            providers.put(p.name(), p);
        }
        groups = new ReuseportGroupTable(layer, new SelectorRegistry(providers, "roundrobin"), config);
        peer = new TcpPeer(tcp);
    }

    GroupFixture() {
        this(1, ReuseportConfig.defaults());
    }

    void attach(String app, int workers) {
        attach(AttachOptions.of(app), workers);
    }

    void attach(AttachOptions options, int workers) {
        layer.attach(options);
        for (int i = 1; i < workers; i++) {
            layer.addWorker(options.name());
        }
    }

    /** Every worker of the app listens on the URI. */
    long listenAll(String app, String uri, ListenOptions options) {
        long h = SessionHandle.INVALID;
        for (SessionWorker w : layer.app(app).workers()) {
            h = layer.listen(app, w.workerIndex(), Endpoint.parseUri(uri), options);
        }
        return h;
    }

    /** A full handshake from a new client to dst; the label of the worker that got it, or the drop. */
    String connectOn(int thread, String dst, int port) {
        int client = Ip.ip4(Ip.parseAddress("198.18.0.0", "")) + nextClient++;
        long s = peer.connect4(thread, client, 10000 + nextClient % 50000, Ip.ip4(Ip.parseAddress(dst, dst)), port);
        if (s == SessionHandle.INVALID) {
            return "dropped:" + tcp.result(thread).drop();
        }
        SessionWorker w = layer.worker(layer.session(s).appWorkerIndex());
        w.pollEvents((type, session, listener) -> {
            if (type != AppEventType.ACCEPT || session != s) {
                throw new AssertionError("expected the accept of " + SessionHandle.format(s) + ", got " + type);
            }
        }, Integer.MAX_VALUE);
        return w.label();
    }

    /** As {@link #connectOn}, also giving the session's handle in {@code session[0]}; the accept is taken, not answered. */
    String connectKeeping(int thread, String dst, int port, long[] session) {
        int client = Ip.ip4(Ip.parseAddress("198.18.0.0", "")) + nextClient++;
        long s = peer.connect4(thread, client, 10000 + nextClient % 50000, Ip.ip4(Ip.parseAddress(dst, dst)), port);
        session[0] = s;
        if (s == SessionHandle.INVALID) {
            return "dropped:" + tcp.result(thread).drop();
        }
        SessionWorker w = layer.worker(layer.session(s).appWorkerIndex());
        w.pollEvents((type, x, listener) -> { }, Integer.MAX_VALUE);
        return w.label();
    }

    /** A full handshake whose accept event is left in the worker's queue; the session's handle or INVALID. */
    long connectLeaving(int thread, String dst, int port) {
        int client = Ip.ip4(Ip.parseAddress("198.18.0.0", "")) + nextClient++;
        return peer.connect4(thread, client, 10000 + nextClient % 50000, Ip.ip4(Ip.parseAddress(dst, dst)), port);
    }

    private int lastClient;
    private int lastPort;

    /** A SYN alone from a new client (the session stays CREATED); the session's handle or INVALID. */
    long synOnly(int thread, String dst, int port) {
        lastClient = Ip.ip4(Ip.parseAddress("198.18.0.0", "")) + nextClient++;
        lastPort = 10000 + nextClient % 50000;
        int r = peer.send4(thread, lastClient, lastPort, Ip.ip4(Ip.parseAddress(dst, dst)), port, 1000, 0,
                dev.hoststack.tcp.TcpSegment.SYN);
        return r == TcpTransport.CREATED ? tcp.result(thread).session() : SessionHandle.INVALID;
    }

    /** A RST from the client of the last {@link #synOnly}, in its window. */
    int rstLast(int thread, String dst, int port) {
        return peer.send4(thread, lastClient, lastPort, Ip.ip4(Ip.parseAddress(dst, dst)), port, 1001, 0,
                dev.hoststack.tcp.TcpSegment.RST);
    }

    List<String> connect(int n, String dst, int port) {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(connectOn(0, dst, port));
        }
        return out;
    }
}
