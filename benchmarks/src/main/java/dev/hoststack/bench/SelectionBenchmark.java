package dev.hoststack.bench;

import dev.hoststack.api.SessionHandle;
import dev.hoststack.bench.support.FiveTuple4;
import dev.hoststack.bench.support.Flows;
import dev.hoststack.bench.support.Stacks;
import dev.hoststack.session.ListenOptions;
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
 * <p>{@link #hoststack} calls {@link SessionLayer#dispatch}: the group table's
 * {@code select} (view, selector through the SPI, validation) and the resolution of the chosen
 * member and worker to a listen session and a global worker index, i.e. everything after the
 * table lookup. {@link #baseline} is what a developer writes for the same policy over a flat array
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
    long groupValue;
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
        groupValue = layer.lookupListener(layer.fib(0), flows[0], new long[6]);
        if (!SessionHandle.isGroupValue(groupValue)) {
            throw new IllegalStateException("no group value: " + SessionHandle.format(groupValue));
        }
        allWorkers = new int[total];
        for (int i = 0; i < total; i++) {
            allWorkers[i] = i;
        }
        for (TcpSegment f : flows) {
            if (layer.dispatch(groupValue, f, 0) < 0) {
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

    /** The project: {@code SessionLayer.dispatch(groupValue, flow, thread)}. */
    @Benchmark
    public long hoststack() {
        return layer.dispatch(groupValue, nextFlow(), 0);
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
