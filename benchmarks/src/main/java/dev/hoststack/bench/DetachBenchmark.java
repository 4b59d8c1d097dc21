package dev.hoststack.bench;

import dev.hoststack.bench.support.FiveTuple4;
import dev.hoststack.bench.support.Flows;
import dev.hoststack.bench.support.Stacks;
import dev.hoststack.session.ListenOptions;
import dev.hoststack.session.SessionLayer;
import dev.hoststack.session.SessionWorker;
import dev.hoststack.stack.Stack;
import dev.hoststack.tcp.SegmentWriter;
import dev.hoststack.tcp.TcpPeer;
import dev.hoststack.tcp.TcpSegment;
import dev.hoststack.tcp.TcpTransport;
import java.nio.ByteBuffer;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Control plane: an application with {@code sessions} accepted connections detaches (its process
 * exits). One operation = {@code detach} (listener destroyed, workers retired, one close posted
 * to the data thread) plus the data thread's next {@code poll}, which resets every one of the
 * application's connections (RST written, table entry removed, session and connection freed).
 * Single-shot: each measured operation gets a fresh set of sessions, made at setup, unmeasured.
 *
 * <p>{@link #baseline}: a {@code ConcurrentHashMap<FiveTuple4, Session>} of the same sessions,
 * {@code values().removeIf(owned by the app)}, writing the same RST per session.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 5, batchSize = 1)
@Measurement(iterations = 10, batchSize = 1)
public class DetachBenchmark extends AbstractBenchmark {

    /** Accepted sessions of the detaching application. */
    @Param({"1024", "65536"})
    public int sessions;

    private static final int SERVER = Flows.ip4(10, 0, 0, 1);

    /** The baseline's session. */
    record Session(String app, int worker, long handle) {
    }

    Stack stack;
    SessionLayer layer;
    TcpTransport tcp;
    TcpPeer peer;
    final ConcurrentHashMap<FiveTuple4, Session> naive = new ConcurrentHashMap<>();
    final ByteBuffer tx = ByteBuffer.allocate(SegmentWriter.IP6_LENGTH);

    /** A stack sized for the sessions, with a bystander application that stays. */
    @Setup(Level.Trial)
    public void setUp() {
        stack = Stacks.presized(1, 2 * sessions + 64, 2 * sessions + 64);
        layer = stack.session();
        tcp = stack.tcp();
        tcp.output((thread, packet) -> { });
        peer = new TcpPeer(tcp);
        Stacks.attach(stack, "bystander", 1);
        stack.listen("bystander", 0, "tcp://10.0.0.1/22", ListenOptions.PLAIN);
    }

    /** Attaches the victim and gives it {@code sessions} accepted connections (not measured). */
    @Setup(Level.Invocation)
    public void connect() {
        layer.claimControl();
        Stacks.attach(stack, "victim", 1);
        stack.listen("victim", 0, "tcp://10.0.0.1/80", ListenOptions.PLAIN);
        SessionWorker w = layer.app("victim").worker(0);
        naive.clear();
        for (int i = 0; i < sessions; i++) {
            int ip = Flows.ip4(198, 18, 0, 0) | i >>> 4;
            int port = 1024 + (i & 15);
            long h = peer.connect4(0, ip, port, SERVER, 80);
            if (h < 0) {
                throw new IllegalStateException("connection " + i + " failed: " + tcp.result(0).drop());
            }
            layer.acceptReply(h);
            naive.put(new FiveTuple4(TCP, SERVER, 80, ip, port), new Session("victim", 0, h));
            if ((i & 1023) == 1023) {
                tcp.poll(0);
            }
        }
        tcp.poll(0);
        w.pollEvents((type, s, l) -> { }, Integer.MAX_VALUE);
    }

    /** Checks that every connection went. */
    @TearDown(Level.Invocation)
    public void check() {
        if (layer.app("victim") != null) {
            layer.detach("victim");
            tcp.poll(0);
        }
        if (tcp.connections(0) != 0) {
            throw new IllegalStateException(tcp.connections(0) + " connections left after detach");
        }
    }

    /** The project: {@code detach} + the data thread's {@code poll}. */
    @Benchmark
    public int hoststack() {
        layer.detach("victim");
        return tcp.poll(0);
    }

    /** Baseline: remove the app's sessions from a concurrent map, writing an RST for each. */
    @Benchmark
    public int baseline() {
        int[] n = new int[1];
        naive.entrySet().removeIf(e -> {
            if (!e.getValue().app().equals("victim")) {
                return false;
            }
            FiveTuple4 k = e.getKey();
            tx.clear();
            SegmentWriter.writeIp4(tx, k.localIp(), k.localPort(), k.remoteIp(), k.remotePort(), 1, 0, TcpSegment.RST, 0);
            n[0]++;
            return true;
        });
        return n[0];
    }
}
