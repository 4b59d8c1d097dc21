package dev.hoststack.bench;

import dev.hoststack.api.SessionHandle;
import dev.hoststack.api.TransportProto;
import dev.hoststack.bench.support.FiveTuple4;
import dev.hoststack.bench.support.Flows;
import dev.hoststack.bench.support.Stacks;
import dev.hoststack.session.ListenOptions;
import dev.hoststack.session.ListenTarget;
import dev.hoststack.session.SessionLayer;
import dev.hoststack.stack.Stack;
import dev.hoststack.tcp.TcpSegment;
import java.util.concurrent.atomic.AtomicLong;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * Selection alone: a reuseport group of {@code shape} (applications x workers each; {@code seed}
 * is the seed's 1 + 2 + 3) on 10.0.0.1:80, and one choice per operation for a SYN whose listener
 * value (the group value) is already known.
 *
 * <p>{@link #hoststack} calls the group's {@link ListenTarget#dispatch}, as the SYN path does once
 * the listener index gave it the group: the current view, the selector through the SPI (it answers
 * a worker slot), the bounds check and the slot's precomputed dispatch result (listen session and
 * global worker index), and the per-thread selection count: everything after the lookup. {@link #baseline} is what a developer writes for the same policy over a flat array
 * of all workers: an {@link AtomicLong} counter modulo the worker count (round robin; Netty's
 * chooser), or the 5-tuple record's {@code hashCode()} modulo the count (hash). Flows: 1024 real
 * parsed SYNs, in turn.
 */
@State(Scope.Benchmark)
public class SelectionBenchmark extends AbstractBenchmark {

    /** The selection policy. */
    @Param({"roundrobin", "hash"})
    public String selector;

    /** Applications x workers per application; {@code seed} = apps of 1, 2 and 3 workers. */
    @Param({"1x1", "seed", "8x4", "64x16"})
    public String shape;

    private static final int FLOWS = 1024;

    SessionLayer layer;
    ListenTarget group;
    TcpSegment[] flows;
    int[] allWorkers;
    boolean hash;
    final AtomicLong counter = new AtomicLong();
    int cursor;

    /** The worker counts of the shape's applications. */
    static int[] parseShape(String shape) {
        if (shape.equals("seed")) {
            return new int[] {1, 2, 3};
        }
        String[] p = shape.split("x");
        int[] out = new int[Integer.parseInt(p[0])];
        java.util.Arrays.fill(out, Integer.parseInt(p[1]));
        return out;
    }

    /** Builds the group and the flows. */
    @Setup
    public void setUp() {
        int[] apps = parseShape(shape);
        Stack stack = Stacks.presized(1, 4096, 4096);
        int total = 0;
        for (int a = 0; a < apps.length; a++) {
            String app = "app" + (a + 1);
            Stacks.attach(stack, app, apps[a]);
            Stacks.listenAll(stack, app, apps[a], "tcp://10.0.0.1/80", ListenOptions.reuseport(selector));
            total += apps[a];
        }
        layer = stack.session();
        hash = selector.equals("hash");
        flows = Flows.syns4(FLOWS, Flows.ip4(10, 0, 0, 1), 80, 13);
        group = layer.dataPlane().findListener(layer.fib(0), TransportProto.TCP, flows[0]);
        if (group == null || !SessionHandle.isGroupValue(group.value())) {
            throw new IllegalStateException("no reuseport group listens: " + group);
        }
        allWorkers = new int[total];
        for (int i = 0; i < total; i++) {
            allWorkers[i] = i;
        }
        for (TcpSegment f : flows) {
            if (group.dispatch(f, 0) < 0) {
                throw new IllegalStateException("dispatch dropped " + f);
            }
        }
    }

    /** See {@link ListenerLookupBenchmark#claim()}. */
    @Setup(Level.Iteration)
    public void claim() {
        layer.claimControl();
    }

    private TcpSegment nextFlow() {
        int c = cursor;
        cursor = c + 1 & FLOWS - 1;
        return flows[c];
    }

    /** The project: the group's {@code dispatch(flow, thread)}, as the SYN path calls it after the listener lookup. */
    @Benchmark
    public long hoststack() {
        return group.dispatch(nextFlow(), 0);
    }

    /** Baseline: a flat array of workers with an {@code AtomicLong} counter, or the record's hash. */
    @Benchmark
    public int baseline() {
        final TcpSegment f = nextFlow();
        final int[] w = allWorkers;
        if (hash) {
            int h = new FiveTuple4(TCP, f.localIp4(), f.localPort(), f.remoteIp4(), f.remotePort()).hashCode();
            return w[Math.floorMod(h, w.length)];
        }
        return w[(int) Math.floorMod(counter.getAndIncrement(), (long) w.length)];
    }
}
