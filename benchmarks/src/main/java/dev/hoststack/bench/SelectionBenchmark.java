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
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicIntegerArray;
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
 * global worker index), and the per-thread selection count: everything after the lookup. For
 * {@code roundrobin} the selector's part is one read of the thread's index into the cycle of slots
 * it compiled for the view, the slot there and a store of the index; for {@code hash} it is the
 * kernel's {@code inet_ehashfn} of the 4-tuple (jhash) and {@code reciprocal_scale}, computed for
 * each SYN within the operation.
 * {@link #baseline} is what a developer writes for the same policy over a flat array of all
 * workers: an {@link AtomicLong} counter modulo the worker count (round robin, Netty's chooser;
 * also for {@code incoming}, whose one data thread here makes it a round robin over applications);
 * the 5-tuple record's {@code hashCode()} modulo the count (hash); a consistent-hash ring in a
 * {@link TreeMap} with 100 points per worker, looked up with {@code ceilingEntry} (maglev, as
 * ketama-style rings are usually written); two {@link ThreadLocalRandom} picks compared by an
 * {@link AtomicIntegerArray} of loads (p2c); a scan of that array for its minimum (least); nginx's
 * smooth weighted round robin over the applications under a lock, then a rotor over the chosen
 * one's workers (weighted). Every selector of the shipped set is a row (issue 14). Loads are all
 * 0 here (no connection is open), weights all 1. Flows: 1024 real parsed SYNs, in turn.
 */
@State(Scope.Benchmark)
public class SelectionBenchmark extends AbstractBenchmark {

    /** The selection policy. */
    @Param({"roundrobin", "hash", "p2c", "least", "weighted", "maglev", "incoming"})
    public String selector;

    /** Applications x workers per application; {@code seed} = apps of 1, 2 and 3 workers. */
    @Param({"1x1", "seed", "8x4", "64x16"})
    public String shape;

    private static final int FLOWS = 1024;

    SessionLayer layer;
    ListenTarget group;
    TcpSegment[] flows;
    int[] allWorkers;
    /** Which baseline: one of the constants below. */
    int kind;
    final AtomicLong counter = new AtomicLong();
    /** p2c, least: a load per worker. */
    AtomicIntegerArray loads;
    /** maglev: the ring. */
    TreeMap<Integer, Integer> ring;
    /** weighted: nginx's current per application, its weight, and a worker rotor per application. */
    int[] current;
    int[] weight;
    int[] firstWorker;
    int[] workerCount;
    int[] rotor;
    int totalWeight;

    private static final int COUNTER = 0;
    private static final int HASH = 1;
    private static final int TWO_CHOICES = 2;
    private static final int LEAST = 3;
    private static final int SMOOTH_WEIGHTED = 4;
    private static final int RING = 5;
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
        kind = switch (selector) {
            case "hash" -> HASH;
            case "p2c" -> TWO_CHOICES;
            case "least" -> LEAST;
            case "weighted" -> SMOOTH_WEIGHTED;
            case "maglev" -> RING;
            default -> COUNTER;
        };
        flows = Flows.syns4(FLOWS, Flows.ip4(10, 0, 0, 1), 80, 13);
        group = layer.dataPlane().findListener(layer.fib(0), TransportProto.TCP, flows[0]);
        if (group == null || !SessionHandle.isGroupValue(group.value())) {
            throw new IllegalStateException("no reuseport group listens: " + group);
        }
        allWorkers = new int[total];
        for (int i = 0; i < total; i++) {
            allWorkers[i] = i;
        }
        loads = new AtomicIntegerArray(total);
        ring = new TreeMap<>();
        java.util.SplittableRandom points = new java.util.SplittableRandom(13);
        for (int i = 0; i < total; i++) {
            for (int p = 0; p < 100; p++) {
                ring.put(points.nextInt(), i);
            }
        }
        current = new int[apps.length];
        weight = new int[apps.length];
        firstWorker = new int[apps.length];
        workerCount = new int[apps.length];
        rotor = new int[apps.length];
        for (int a = 0, first = 0; a < apps.length; a++) {
            weight[a] = 1;
            firstWorker[a] = first;
            workerCount[a] = apps[a];
            first += apps[a];
        }
        totalWeight = apps.length;
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

    /** Baseline: what a developer writes for the selector's policy over a flat array of workers (see the class). */
    @Benchmark
    public int baseline() {
        final TcpSegment f = nextFlow();
        final int[] w = allWorkers;
        switch (kind) {
            case HASH: {
                int h = new FiveTuple4(TCP, f.localIp4(), f.localPort(), f.remoteIp4(), f.remotePort()).hashCode();
                return w[Math.floorMod(h, w.length)];
            }
            case RING: {
                int h = new FiveTuple4(TCP, f.localIp4(), f.localPort(), f.remoteIp4(), f.remotePort()).hashCode();
                Map.Entry<Integer, Integer> e = ring.ceilingEntry(h);
                return w[(e != null ? e : ring.firstEntry()).getValue()];
            }
            case TWO_CHOICES: {
                ThreadLocalRandom r = ThreadLocalRandom.current();
                int a = r.nextInt(w.length);
                int b = r.nextInt(w.length);
                return w[loads.get(b) < loads.get(a) ? b : a];
            }
            case LEAST: {
                int best = 0;
                for (int i = 1; i < w.length; i++) {
                    if (loads.get(i) < loads.get(best)) {
                        best = i;
                    }
                }
                return w[best];
            }
            case SMOOTH_WEIGHTED:
                return w[smoothWeighted()];
            default:
                return w[(int) Math.floorMod(counter.getAndIncrement(), (long) w.length)];
        }
    }

    /** nginx's pick, under a lock as nginx's upstream module holds one, then the application's next worker. */
    private synchronized int smoothWeighted() {
        int best = 0;
        for (int a = 0; a < current.length; a++) {
            current[a] += weight[a];
            if (current[a] > current[best]) {
                best = a;
            }
        }
        current[best] -= totalWeight;
        int k = rotor[best];
        rotor[best] = k + 1 == workerCount[best] ? 0 : k + 1;
        return firstWorker[best] + k;
    }
}
