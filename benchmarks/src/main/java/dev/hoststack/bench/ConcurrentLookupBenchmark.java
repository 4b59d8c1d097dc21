package dev.hoststack.bench;

import dev.hoststack.api.Endpoint;
import dev.hoststack.api.TransportProto;
import dev.hoststack.bench.support.Flows;
import dev.hoststack.bench.support.NaiveListeners;
import dev.hoststack.bench.support.Stacks;
import dev.hoststack.session.DataThread;
import dev.hoststack.session.ListenOptions;
import dev.hoststack.session.ListenTarget;
import dev.hoststack.session.SessionLayer;
import dev.hoststack.session.SessionTables;
import dev.hoststack.stack.Stack;
import dev.hoststack.tcp.TcpSegment;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Group;
import org.openjdk.jmh.annotations.GroupThreads;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * Two threads look up a listener and pick a worker for SYNs while a third changes the listeners:
 * JMH groups of three threads ({@code @GroupThreads(2)} readers, {@code @GroupThreads(1)} writer).
 *
 * <p>The readers are data threads 1 and 2 of a 3-thread stack: {@code lookupListener} +
 * {@code dispatch} on a reuseport group on 10.0.0.1:80 (round robin) of app1 (2 workers), and
 * every 64 flows a run of their mailbox (where {@code unlisten} posts its work), as data threads
 * do between batches. The writer is the control thread: application {@code churn} joins the group
 * and leaves it again, over and over, so every reader sees the group's view replaced while it
 * selects.
 *
 * <p><b>This machine has 2 cores: 3 threads oversubscribe it.</b> The writer competes with the
 * readers for a core, so the readers' figure includes being descheduled; compare it with the
 * baseline in the same run, not with the single-threaded {@link ListenerLookupBenchmark}.
 *
 * <p>The baseline ({@code baseline*}): {@code ConcurrentHashMap<ListenerKey, Group>} where a group
 * is a volatile array of worker ids replaced copy-on-write under a lock, and a shared
 * {@link AtomicLong} round-robin counter; the writer adds and removes a worker.
 *
 * <p>{@code -prof gc}'s B/op for a group is all allocation divided by all operations of its three
 * threads: the writer's copy-on-write allocations are counted there, the readers allocate nothing.
 */
public class ConcurrentLookupBenchmark extends AbstractBenchmark {

    private static final Endpoint ENDPOINT = Endpoint.parseUri("tcp://10.0.0.1/80");
    private static final ListenOptions RR = ListenOptions.reuseport("roundrobin");
    private static final int FLOWS = 1024;
    private static final NaiveListeners.ListenerKey KEY = new NaiveListeners.ListenerKey(TCP, Flows.ip4(10, 0, 0, 1), 80);

    /** The stack and the baseline, shared by the three threads of a group. */
    @State(Scope.Group)
    public static class Shared {
        SessionLayer layer;
        SessionTables tables;
        TcpSegment[] flows;
        final AtomicInteger nextReader = new AtomicInteger(1);
        final ConcurrentHashMap<NaiveListeners.ListenerKey, NaiveGroup> naive = new ConcurrentHashMap<>();

        /** Builds the stack, the group and the flows. */
        @Setup
        public void setUp() {
            Stack stack = Stacks.create(3);
            Stacks.attach(stack, "app1", 2);
            Stacks.listenAll(stack, "app1", 2, "tcp://10.0.0.1/80", RR);
            Stacks.attach(stack, "churn", 1);
            layer = stack.session();
            tables = layer.fib(0);
            flows = Flows.syns4(FLOWS, Flows.ip4(10, 0, 0, 1), 80, 19);
            NaiveGroup g = new NaiveGroup();
            g.add(0);
            g.add(1);
            naive.put(KEY, g);
        }
    }

    /** The baseline's group: a copy-on-write array of workers and a shared counter. */
    static final class NaiveGroup {
        volatile int[] workers = new int[0];
        final AtomicLong next = new AtomicLong();

        synchronized void add(int w) {
            int[] cur = workers;
            int[] n = java.util.Arrays.copyOf(cur, cur.length + 1);
            n[cur.length] = w;
            workers = n;
        }

        synchronized void remove(int w) {
            int[] cur = workers;
            int at = -1;
            for (int i = 0; i < cur.length; i++) {
                if (cur[i] == w) {
                    at = i;
                }
            }
            if (at >= 0) {
                int[] n = new int[cur.length - 1];
                System.arraycopy(cur, 0, n, 0, at);
                System.arraycopy(cur, at + 1, n, at, cur.length - at - 1);
                workers = n;
            }
        }

        int select() {
            int[] w = workers;
            return w[(int) Math.floorMod(next.getAndIncrement(), (long) w.length)];
        }
    }

    /** A reader's own data thread and flow cursor. */
    @State(Scope.Thread)
    public static class Reader {
        int thread;
        DataThread dataThread;
        int cursor;

        /** Takes data thread 1 or 2. */
        @Setup
        public void setUp(Shared s) {
            thread = 1 + (s.nextReader.getAndIncrement() - 1) % 2;
            cursor = thread * 512 & FLOWS - 1;
        }

        /** This Java thread owns its data thread from now on. */
        @Setup(Level.Iteration)
        public void claim(Shared s) {
            dataThread = s.layer.claim(thread);
        }

        /**
         * The next flow; every 64 flows, like a data thread between two batches of packets, runs the
         * work the control thread posted to it (cheap when there is none).
         */
        TcpSegment next(Shared s, boolean runMailbox) {
            int c = cursor;
            cursor = c + 1 & FLOWS - 1;
            if (runMailbox && (c & 63) == 0) {
                s.layer.runPending(dataThread);
            }
            return s.flows[c];
        }
    }

    /** The writer: the control thread. */
    @State(Scope.Thread)
    public static class Writer {
        /** Control-plane calls are made by this thread from now on. */
        @Setup(Level.Iteration)
        public void claim(Shared s) {
            s.layer.claimControl();
        }
    }

    /** The project's readers: {@code findListener} + the listener's {@code dispatch}, as the SYN path does. */
    @Benchmark
    @Group("hoststack")
    @GroupThreads(2)
    public long hoststackRead(Shared s, Reader r) {
        TcpSegment f = r.next(s, true);
        ListenTarget l = s.layer.dataPlane().findListener(s.tables, TransportProto.TCP, f);
        return l == null ? -1 : l.dispatch(f, r.thread);
    }

    /** The project's writer: {@code churn} joins and leaves the group; then it runs data thread 0's mailbox. */
    @Benchmark
    @Group("hoststack")
    @GroupThreads(1)
    public long hoststackWrite(Shared s, Writer w) {
        long h = s.layer.listen("churn", 0, ENDPOINT, RR);
        s.layer.unlisten("churn", 0, ENDPOINT);
        return h + s.layer.runPending(s.layer.thread(0));
    }

    /** Baseline readers: {@code ConcurrentHashMap.get} + {@code AtomicLong} round robin. */
    @Benchmark
    @Group("baseline")
    @GroupThreads(2)
    public int baselineRead(Shared s, Reader r) {
        TcpSegment f = r.next(s, false);
        NaiveGroup g = s.naive.get(new NaiveListeners.ListenerKey(TCP, f.localIp4(), f.localPort()));
        return g.select();
    }

    /** Baseline writer: a worker joins and leaves the copy-on-write group. */
    @Benchmark
    @Group("baseline")
    @GroupThreads(1)
    public int baselineWrite(Shared s, Writer w) {
        NaiveGroup g = s.naive.get(KEY);
        g.add(99);
        g.remove(99);
        return g.workers.length;
    }
}
