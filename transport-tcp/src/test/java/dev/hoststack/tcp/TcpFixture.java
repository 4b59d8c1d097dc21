package dev.hoststack.tcp;

import dev.hoststack.api.AppEventType;
import dev.hoststack.api.Endpoint;
import dev.hoststack.api.Ip;
import dev.hoststack.session.AttachOptions;
import dev.hoststack.session.ListenOptions;
import dev.hoststack.session.SessionLayer;
import dev.hoststack.session.SessionLayerConfig;
import dev.hoststack.session.SessionWorker;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/** A session layer with the TCP transport, a manual clock, a peer and a recorder of sent segments. */
final class TcpFixture {

    /** One event taken from a worker's queue. */
    record Event(AppEventType type, long session, long listener) {
    }

    long now = 1_000_000_000L;
    final SessionLayer layer;
    final TcpTransport tcp;
    final TcpPeer peer;
    final List<ByteBuffer> sent = new ArrayList<>();

    TcpFixture(int threads) {
        this(SessionLayerConfig.builder().threads(threads).build(), TcpConfig.defaults());
    }

    TcpFixture(SessionLayerConfig sessionConfig, TcpConfig tcpConfig) {
        layer = new SessionLayer(sessionConfig);
        tcp = new TcpTransport(layer, tcpConfig, () -> now);
        peer = new TcpPeer(tcp);
        tcp.output((thread, packet) -> {
            ByteBuffer copy = ByteBuffer.allocate(packet.remaining());
            copy.put(packet.duplicate()).flip();
            sent.add(copy);
        });
    }

    static int ip4(String s) {
        return Ip.ip4(Ip.parseAddress(s, s));
    }

    static long hi(String s) {
        return Ip.ip6Hi(Ip.parseAddress(s, s));
    }

    static long lo(String s) {
        return Ip.ip6Lo(Ip.parseAddress(s, s));
    }

    SessionWorker attach(String app, int workers) {
        layer.attach(AttachOptions.of(app));
        for (int i = 1; i < workers; i++) {
            layer.addWorker(app);
        }
        return layer.app(app).worker(0);
    }

    long listen(String app, int worker, String uri) {
        return layer.listen(app, worker, Endpoint.parseUri(uri), ListenOptions.PLAIN);
    }

    List<Event> events(SessionWorker w) {
        List<Event> out = new ArrayList<>();
        w.pollEvents((type, s, l) -> out.add(new Event(type, s, l)), Integer.MAX_VALUE);
        return out;
    }

    /** The last segment sent, parsed. */
    TcpSegment lastSent() {
        TcpSegment seg = new TcpSegment();
        SegmentParser.parse(sent.get(sent.size() - 1).duplicate(), seg);
        return seg;
    }
}
