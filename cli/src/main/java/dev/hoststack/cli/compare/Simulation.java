package dev.hoststack.cli.compare;

import dev.hoststack.api.AppEventType;
import dev.hoststack.api.Endpoint;
import dev.hoststack.api.SessionHandle;
import dev.hoststack.reuseport.ReuseportGroup;
import dev.hoststack.session.AttachOptions;
import dev.hoststack.session.ListenOptions;
import dev.hoststack.session.SessionLayerConfig;
import dev.hoststack.session.SessionWorker;
import dev.hoststack.stack.Stack;
import dev.hoststack.stack.StackConfig;
import dev.hoststack.tcp.TcpPeer;
import dev.hoststack.tcp.TcpSegment;
import dev.hoststack.tcp.TcpTransport;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.SplittableRandom;
import java.util.function.IntConsumer;

/**
 * One selector through one workload, on a real stack: every connection is a real SYN and final
 * ACK through {@code transport-tcp} on the data thread its 4-tuple hashes to; the selector sees the
 * session layer's own load counts; each worker is a single server that takes its oldest accept
 * event whenever it is idle ({@code pollEvents}, then {@code acceptReply}), serves the connection
 * for its service time, then resets it. The clock is simulated: time moves from event to event
 * (an arrival, a worker finishing), so a run of 20,000 connections over 15 simulated seconds takes
 * well under a second, and the same workload gives the same result on any machine.
 *
 * <p>Measured per worker: connections dispatched to it, its pending connections (read from the
 * stack, the figure selectors see) as a time-weighted mean and a peak, and each connection's wait
 * from its arrival to the moment its worker took it. At each membership change a second stack with
 * the same membership and selector (a shadow, so the run's own state is untouched) is probed with
 * a fixed set of flows (a SYN, then a RST) before and after the change: the fraction of the flows
 * whose worker changed although it is still a member is the change's disruption.
 *
 * <p>Threading: one thread drives everything (it owns every data thread of both stacks).
 */
public final class Simulation {

    private static final String URI = "tcp://10.0.0.100/80";
    private static final int SERVER = 10 << 24 | 100;

    /** One worker's figures. */
    public record WorkerResult(String app, int worker, ServiceTime service, long dispatched, double share, int peakPending,
                               double meanPending, long[] waits, double busy) {
        /** {@code app2-w1}. */
        public String label() {
            return app + "-w" + worker;
        }
    }

    /** One application's figures: its workers' together. */
    public record AppResult(String app, long dispatched, double share, int peakPending, double meanPending, long[] waits) {
    }

    /**
     * One membership change's disruption.
     *
     * @param change    the change
     * @param probed    probe flows whose worker before the change is still a member after it
     * @param moved     of those, the flows whose worker changed
     * @param toNewcomer of those, the flows that went to the member that joined (0 for a leave)
     */
    public record Disruption(Workload.Change change, int probed, int moved, int toNewcomer) {
        /** The fraction moved. */
        public double fraction() {
            return probed == 0 ? 0 : (double) moved / probed;
        }
    }

    /**
     * A selector's run.
     *
     * @param refused connections the stack did not dispatch (a drop, a reset), by reason
     */
    public record Result(String selector, String description, List<WorkerResult> workers, List<AppResult> apps,
                         long[] waits, List<Disruption> disruptions, Map<String, Long> refused, double simulatedSeconds,
                         long fallbacks, long selectorErrors) {

        /** Dispatched connections. */
        public long dispatched() {
            return workers.stream().mapToLong(WorkerResult::dispatched).sum();
        }

        /** The worker with the highest peak pending. */
        public WorkerResult busiest() {
            WorkerResult b = workers.get(0);
            for (WorkerResult w : workers) {
                if (w.peakPending() > b.peakPending()) {
                    b = w;
                }
            }
            return b;
        }
    }

    /** What every selector's run shares: arrivals, service draws, flows, threads, probes. */
    public static final class Plan {
        final Workload workload;
        final long[] arrival;
        final double[] u;
        final int[] clientIp;
        final int[] clientPort;
        final int[] thread;
        final int[] probeIp;
        final int[] probePort;
        final int hashSecret;

        /** Draws the plan from the workload's seed. */
        public Plan(Workload w) {
            this.workload = w;
            SplittableRandom rnd = new SplittableRandom(w.seed());
            int n = w.connections();
            arrival = new long[n];
            u = new double[n];
            clientIp = new int[n];
            clientPort = new int[n];
            thread = new int[n];
            double meanGap = 1e9 / w.rate();
            double t = 0;
            for (int i = 0; i < n; i++) {
                t += -meanGap * Math.log1p(-rnd.nextDouble());
                arrival[i] = Math.round(t);
                u[i] = rnd.nextDouble();
                // distinct 4-tuples: 198.18.0.0/15 and ports 10000..59999
                clientIp[i] = (198 << 24 | 18 << 16) + i / 50_000;
                clientPort[i] = 10_000 + i % 50_000;
                thread[i] = rss(clientIp[i], clientPort[i], w.threads());
            }
            probeIp = new int[w.probes()];
            probePort = new int[w.probes()];
            for (int i = 0; i < probeIp.length; i++) {
                // 100.64.0.0/10, random: flows unlike the run's own
                probeIp[i] = 100 << 24 | 64 << 16 | rnd.nextInt(1 << 22);
                probePort[i] = 1024 + rnd.nextInt(64_000);
            }
            hashSecret = (int) (w.seed() ^ w.seed() >>> 32);
        }

        /** The data thread a NIC's RSS would give the flow: a keyed mix of its source, mod the threads. */
        static int rss(int ip, int port, int threads) {
            long h = (ip & 0xFFFF_FFFFL) << 16 ^ port;
            h = (h ^ (h >>> 33)) * 0xff51afd7ed558ccdL;
            h = (h ^ (h >>> 33)) * 0xc4ceb9fe1a85ec53L;
            return (int) Long.remainderUnsigned(h ^ (h >>> 33), threads);
        }
    }

    private final Plan plan;
    private final Workload wl;
    private final String selector;
    private long now;
    private final Stack stack;
    private final Stack shadow;
    private final TcpPeer[] peers;
    private final TcpPeer[] shadowPeers;
    private final Map<Integer, WorkerState> workers = new LinkedHashMap<>();
    private final Map<Long, Integer> connOf = new HashMap<>();
    private final PriorityQueue<long[]> done = new PriorityQueue<>((a, b) -> Long.compare(a[0], b[0]));
    private final Map<String, Long> refused = new LinkedHashMap<>();
    private final List<Disruption> disruptions = new ArrayList<>();
    private final LongList allWaits = new LongList();
    private long lastSample;

    /** A worker as the simulation drives it. */
    private static final class WorkerState {
        final String app;
        final int index;
        final SessionWorker worker;
        final ServiceTime service;
        long dispatched;
        boolean busy;
        long serving = SessionHandle.INVALID;
        int pending;
        int peakPending;
        double pendingIntegral;
        long busyNanos;
        final LongList waits = new LongList();

        WorkerState(String app, int index, SessionWorker worker, ServiceTime service) {
            this.app = app;
            this.index = index;
            this.worker = worker;
            this.service = service;
        }
    }

    private Simulation(Plan plan, String selector) {
        this.plan = plan;
        this.wl = plan.workload;
        this.selector = selector;
        this.stack = newStack();
        this.shadow = newStack();
        this.peers = new TcpPeer[wl.threads()];
        this.shadowPeers = new TcpPeer[wl.threads()];
        for (int t = 0; t < peers.length; t++) {
            peers[t] = new TcpPeer(stack.tcp());
            shadowPeers[t] = new TcpPeer(shadow.tcp());
        }
    }

    private Stack newStack() {
        return Stack.create(StackConfig.builder()
                .session(SessionLayerConfig.builder().threads(wl.threads()).appEventQueueCapacity(1 << 16)
                        .maxSessionsPerThread(1 << 22).build())
                .threads(wl.threads()).hashSecret(plan.hashSecret).defaultSelector(selector).clock(() -> now).build());
    }

    /**
     * Runs {@code selector} through the plan's workload.
     *
     * @param progress told the number of connections that arrived so far, now and then
     */
    public static Result run(Plan plan, String selector, String description, IntConsumer progress) {
        return new Simulation(plan, selector).go(description, progress);
    }

    private Result go(String description, IntConsumer progress) {
        for (Workload.App a : wl.apps()) {
            if (a.initial()) {
                join(a);
            }
        }
        int nextChange = 0;
        List<Workload.Change> changes = wl.events();
        int n = wl.connections();
        int i = 0;
        while (i < n || !done.isEmpty()) {
            boolean arrival = i < n && (done.isEmpty() || plan.arrival[i] <= done.peek()[0]);
            long t = arrival ? plan.arrival[i] : done.peek()[0];
            sample(t);
            now = t;
            if (arrival) {
                while (nextChange < changes.size() && changes.get(nextChange).atConnection() <= i) {
                    change(changes.get(nextChange++));
                }
                arrive(i++);
                if ((i & 1023) == 0) {
                    progress.accept(i);
                }
            } else {
                finish(done.poll());
            }
            stack.pollAll();
            readPending();
        }
        progress.accept(n);
        return result(description);
    }

    // ---------------------------------------------------------------- membership

    private void join(Workload.App a) {
        for (Stack s : new Stack[] {stack, shadow}) {
            s.attach(AttachOptions.of(a.name()));
            for (int k = 1; k < a.workers().size(); k++) {
                s.session().addWorker(a.name());
            }
            for (int k = 0; k < a.workers().size(); k++) {
                s.listen(a.name(), k, URI, ListenOptions.reuseport(selector));
            }
            if (a.weight() != 1) {
                s.reuseport().weight(group(s).index(), a.name(), a.weight());
            }
        }
        for (int k = 0; k < a.workers().size(); k++) {
            SessionWorker w = stack.session().app(a.name()).worker(k);
            workers.put(w.globalIndex(), new WorkerState(a.name(), k, w, a.workers().get(k)));
        }
    }

    private void leave(String app) {
        for (Stack s : new Stack[] {stack, shadow}) {
            for (SessionWorker w : s.session().app(app).workers()) {
                s.session().unlisten(app, w.workerIndex(), Endpoint.parseUri(URI));
            }
        }
    }

    private static ReuseportGroup group(Stack s) {
        return s.reuseport().groups().get(0);
    }

    private void change(Workload.Change c) {
        String[] before = probe();
        if (c.join()) {
            for (Workload.App a : wl.apps()) {
                if (a.name().equals(c.app())) {
                    join(a);
                }
            }
        } else {
            leave(c.app());
        }
        String[] after = probe();
        List<String> members = group(shadow).memberListeners().stream().map(l -> l.application().name()).toList();
        int probed = 0;
        int moved = 0;
        int toNew = 0;
        for (int p = 0; p < before.length; p++) {
            if (before[p] == null || after[p] == null || !members.contains(before[p].substring(0, before[p].lastIndexOf("-w")))) {
                continue;
            }
            probed++;
            if (!before[p].equals(after[p])) {
                moved++;
                if (c.join() && after[p].startsWith(c.app() + "-w")) {
                    toNew++;
                }
            }
        }
        disruptions.add(new Disruption(c, probed, moved, toNew));
    }

    /** Each probe flow's worker in the shadow stack now ({@code app-wN}), or null if it was not dispatched. */
    private String[] probe() {
        String[] out = new String[plan.probeIp.length];
        for (int p = 0; p < out.length; p++) {
            int t = Plan.rss(plan.probeIp[p], plan.probePort[p], wl.threads());
            TcpPeer peer = shadowPeers[t];
            if (peer.send4(t, plan.probeIp[p], plan.probePort[p], SERVER, 80, 1000, 0, TcpSegment.SYN) != TcpTransport.CREATED) {
                continue;
            }
            long s = shadow.tcp().result(t).session();
            out[p] = shadow.session().worker(shadow.session().session(s).appWorkerIndex()).label();
            peer.send4(t, plan.probeIp[p], plan.probePort[p], SERVER, 80, 1001, 0, TcpSegment.RST);
        }
        shadow.pollAll();
        return out;
    }

    // ---------------------------------------------------------------- connections

    private void arrive(int i) {
        int t = plan.thread[i];
        long s = peers[t].connect4(t, plan.clientIp[i], plan.clientPort[i], SERVER, 80);
        if (s == SessionHandle.INVALID) {
            refused.merge(String.valueOf(stack.tcp().result(t).drop()), 1L, Long::sum);
            return;
        }
        WorkerState w = workers.get(stack.session().session(s).appWorkerIndex());
        w.dispatched++;
        connOf.put(s, i);
        take(w);
    }

    /** An idle worker takes its oldest accept event, if it has one, and starts serving it. */
    private void take(WorkerState w) {
        while (!w.busy) {
            long[] got = {SessionHandle.INVALID};
            int n = w.worker.pollEvents((type, session, listener) -> {
                if (type == AppEventType.ACCEPT) {
                    got[0] = session;
                }
            }, 1);
            if (n == 0) {
                return;
            }
            if (got[0] == SessionHandle.INVALID) {
                continue; // the RESET of a connection it closed
            }
            Integer i = connOf.remove(got[0]);
            if (i == null) {
                throw new IllegalStateException("an accept event for a session no arrival made: " + SessionHandle.format(got[0]));
            }
            long wait = now - plan.arrival[i];
            w.waits.add(wait);
            allWaits.add(wait);
            stack.session().acceptReply(got[0]);
            w.busy = true;
            w.serving = got[0];
            long service = w.service.sample(plan.u[i]);
            w.busyNanos += service;
            done.add(new long[] {now + service, w.worker.globalIndex()});
        }
    }

    private void finish(long[] event) {
        WorkerState w = workers.get((int) event[1]);
        stack.session().reset(w.serving);
        w.serving = SessionHandle.INVALID;
        w.busy = false;
        stack.pollAll();
        take(w);
    }

    // ---------------------------------------------------------------- figures

    private void sample(long t) {
        double dt = t - lastSample;
        if (dt > 0) {
            for (WorkerState w : workers.values()) {
                w.pendingIntegral += w.pending * dt;
            }
            lastSample = t;
        }
    }

    private void readPending() {
        for (WorkerState w : workers.values()) {
            w.pending = w.worker.load().pending();
            w.peakPending = Math.max(w.peakPending, w.pending);
        }
    }

    private Result result(String description) {
        double total = Math.max(1, now);
        long dispatched = workers.values().stream().mapToLong(x -> x.dispatched).sum();
        List<WorkerResult> ws = new ArrayList<>();
        Map<String, List<WorkerState>> byApp = new LinkedHashMap<>();
        for (WorkerState w : workers.values()) {
            ws.add(new WorkerResult(w.app, w.index, w.service, w.dispatched, (double) w.dispatched / Math.max(1, dispatched),
                    w.peakPending, w.pendingIntegral / total, w.waits.sorted(), w.busyNanos / total));
            byApp.computeIfAbsent(w.app, a -> new ArrayList<>()).add(w);
        }
        List<AppResult> apps = new ArrayList<>();
        for (Map.Entry<String, List<WorkerState>> e : byApp.entrySet()) {
            long d = 0;
            int peak = 0;
            double mean = 0;
            LongList waits = new LongList();
            for (WorkerState w : e.getValue()) {
                d += w.dispatched;
                peak = Math.max(peak, w.peakPending);
                mean += w.pendingIntegral / total;
                waits.addAll(w.waits);
            }
            apps.add(new AppResult(e.getKey(), d, (double) d / Math.max(1, dispatched), peak, mean, waits.sorted()));
        }
        ReuseportGroup g = group(stack);
        return new Result(selector, description, ws, apps, allWaits.sorted(), List.copyOf(disruptions), refused,
                now / 1e9, g.fallbacks(), g.selectorErrors());
    }

    /** A growable list of longs (waits: tens of thousands per run; boxing them would be wasteful). */
    static final class LongList {
        private long[] a = new long[256];
        private int n;

        void add(long v) {
            if (n == a.length) {
                a = Arrays.copyOf(a, n * 2);
            }
            a[n++] = v;
        }

        void addAll(LongList o) {
            for (int i = 0; i < o.n; i++) {
                add(o.a[i]);
            }
        }

        long[] sorted() {
            long[] s = Arrays.copyOf(a, n);
            Arrays.sort(s);
            return s;
        }
    }

    /** The {@code q}-quantile (0..1) of sorted values, nearest rank; 0 for none. */
    public static long quantile(long[] sorted, double q) {
        if (sorted.length == 0) {
            return 0;
        }
        int rank = (int) Math.ceil(q * sorted.length);
        return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))];
    }
}
