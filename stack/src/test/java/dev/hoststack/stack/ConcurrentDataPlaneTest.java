package dev.hoststack.stack;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hoststack.api.AppEventType;
import dev.hoststack.api.DropReason;
import dev.hoststack.api.Endpoint;
import dev.hoststack.api.FiveTuple;
import dev.hoststack.api.Ip;
import dev.hoststack.api.Session;
import dev.hoststack.api.SessionException;
import dev.hoststack.api.SessionHandle;
import dev.hoststack.api.SessionState;
import dev.hoststack.session.AttachOptions;
import dev.hoststack.session.DataThread;
import dev.hoststack.session.ListenOptions;
import dev.hoststack.session.SessionApplication;
import dev.hoststack.session.SessionCounter;
import dev.hoststack.session.SessionLayer;
import dev.hoststack.session.SessionLayerConfig;
import dev.hoststack.session.SessionWorker;
import dev.hoststack.session.table.SessionKeys;
import dev.hoststack.tcp.TcpPeer;
import dev.hoststack.tcp.TcpSegment;
import dev.hoststack.tcp.TcpTransport;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Data threads feed SYN, ACK, RST and FIN streams while the control thread attaches and detaches
 * applications, adds and removes workers and listens and unlistens into the same reuseport group,
 * and answers as the applications. At the end every connection is accounted for: each SYN was
 * created or dropped with a reason, each session created is live or was freed with a reason, every
 * accept event reached exactly one worker's queue once, the tables and pools agree, and no live
 * session belongs to a dead worker. Seeded ({@code -Dhoststack.test.seed=N} replays), bounded in
 * time; the seed is in every failure message.
 */
class ConcurrentDataPlaneTest {

    private static final String URI = "tcp://10.0.0.1/80";
    private static final int SERVER = Ip.ip4(Ip.parseAddress("10.0.0.1", ""));
    private static final Duration RUN = Duration.ofMillis(2500);

    /** What one data thread sent and what came of it, by its own count. */
    private static final class Tally {
        long syns;
        long created;
        long synDrops;
        long segments;
        Throwable failure;
    }

    @ParameterizedTest(name = "{0} data threads")
    @ValueSource(ints = {2, 4})
    void everyConnectionIsAccountedForWhileTheControlPlaneChurns(int dataThreads) throws Exception {
        long seed = Long.getLong("hoststack.test.seed", System.nanoTime());
        String hint = "seed " + seed + " (replay with -Dhoststack.test.seed=" + seed + ")";
        Random control = new Random(seed);
        Stack stack = Stack.create(StackConfig.builder()
                .session(SessionLayerConfig.builder().threads(dataThreads + 1).appEventQueueCapacity(1 << 14).build())
                .build());
        SessionLayer layer = stack.session();
        List<SessionWorker> everyWorker = new ArrayList<>();
        List<String> apps = new ArrayList<>();
        int[] nextApp = {0};
        Runnable attachOne = () -> {
            String name = "app" + nextApp[0]++;
            stack.attach(AttachOptions.of(name));
            int workers = 1 + control.nextInt(3);
            for (int w = 1; w < workers; w++) {
                layer.addWorker(name);
            }
            for (SessionWorker w : layer.app(name).workers()) {
                everyWorker.add(w);
                layer.listen(name, w.workerIndex(), Endpoint.parseUri(URI), ListenOptions.REUSEPORT);
            }
            apps.add(name);
        };
        attachOne.run();
        attachOne.run();

        AtomicBoolean stop = new AtomicBoolean();
        CountDownLatch ready = new CountDownLatch(dataThreads);
        Tally[] tallies = new Tally[dataThreads + 1];
        List<Thread> feeders = new ArrayList<>();
        for (int t = 1; t <= dataThreads; t++) {
            final int thread = t;
            final Tally tally = new Tally();
            tallies[t] = tally;
            Thread feeder = new Thread(() -> {
                try {
                    feed(stack, layer.claim(thread), new Random(seed * 31 + thread), stop, ready, tally);
                } catch (Throwable e) {
                    tally.failure = e;
                    ready.countDown();
                }
            }, "data-" + t);
            feeders.add(feeder);
            feeder.start();
        }
        assertThat(ready.await(10, TimeUnit.SECONDS)).as(hint).isTrue();

        // the control thread: churn, and act as the applications
        long deadline = System.nanoTime() + RUN.toNanos();
        long accepted = 0;
        int operations = 0;
        while (System.nanoTime() < deadline) {
            accepted += answerAsApps(layer, control);
            stack.tcp().poll(0);
            int op = control.nextInt(10);
            try {
                if (op == 0 && apps.size() < 6) {
                    attachOne.run();
                } else if (op == 1 && !apps.isEmpty()) {
                    layer.detach(apps.remove(control.nextInt(apps.size())));
                } else if (op == 2 && !apps.isEmpty()) {
                    String app = apps.get(control.nextInt(apps.size()));
                    SessionWorker w = layer.addWorker(app);
                    everyWorker.add(w);
                    layer.listen(app, w.workerIndex(), Endpoint.parseUri(URI), ListenOptions.REUSEPORT);
                } else if (op == 3 && !apps.isEmpty()) {
                    SessionApplication app = layer.app(apps.get(control.nextInt(apps.size())));
                    if (app.workers().size() > 1) {
                        layer.removeWorker(app.name(), app.workers().get(control.nextInt(app.workers().size())).workerIndex());
                    }
                } else if (op == 4 && !apps.isEmpty()) {
                    SessionApplication app = layer.app(apps.get(control.nextInt(apps.size())));
                    SessionWorker w = app.workers().get(control.nextInt(app.workers().size()));
                    Endpoint ep = Endpoint.parseUri(URI);
                    if (app.listeners().stream().anyMatch(l -> l.workers().contains(w.workerIndex()))) {
                        layer.unlisten(app.name(), w.workerIndex(), ep);
                    } else {
                        layer.listen(app.name(), w.workerIndex(), ep, ListenOptions.REUSEPORT);
                    }
                }
                operations++;
            } catch (SessionException e) {
                throw new AssertionError("a control call the test chose carefully was refused: " + e.getMessage() + "; " + hint, e);
            }
            Thread.onSpinWait();
        }
        stop.set(true);
        for (Thread f : feeders) {
            f.join(10_000);
            assertThat(f.isAlive()).as("feeder stopped; %s", hint).isFalse();
        }
        for (int t = 1; t <= dataThreads; t++) {
            assertThat(tallies[t].failure).as("data thread %s threw; %s", t, hint).isNull();
            layer.claim(t);
        }
        // quiesce: run every mailbox and let the apps answer until nothing moves
        for (int round = 0; round < 10; round++) {
            stack.pollAll();
            accepted += answerAsApps(layer, control);
        }
        stack.pollAll();

        long syns = 0;
        long created = 0;
        long synDrops = 0;
        long segments = 0;
        for (int t = 1; t <= dataThreads; t++) {
            syns += tallies[t].syns;
            created += tallies[t].created;
            synDrops += tallies[t].synDrops;
            segments += tallies[t].segments;
        }
        assertThat(operations).as("control operations; %s", hint).isGreaterThan(50);
        assertThat(syns).as("SYNs fed; %s", hint).isGreaterThan(1000);
        assertThat(accepted).as("connections the apps took; %s", hint).isPositive();

        // 1. every SYN was created or dropped with a counted reason
        assertThat(created + synDrops).as("SYNs created or dropped; %s", hint).isEqualTo(syns);
        assertThat(layer.counter(SessionCounter.CREATED)).as("sessions created, by the layer's count; %s", hint)
                .isEqualTo(created);
        long countedDrops = 0;
        for (DropReason r : DropReason.values()) {
            countedDrops += layer.drops(r);
        }
        assertThat(countedDrops).as("drops counted by reason cover the SYNs dropped; %s", hint).isGreaterThanOrEqualTo(synDrops);

        // 2. every session created is live or was freed with a reason, exactly once
        // sessions CLOSED and waiting for their app were counted as freed when their transport went
        List<Session> live = layer.sessions().stream().filter(x -> x.state() != SessionState.CLOSED).toList();
        long freed = 0;
        for (SessionCounter c : List.of(SessionCounter.EMBRYONIC_FREED, SessionCounter.PEER_RESETS,
                SessionCounter.PEER_CLOSES, SessionCounter.APP_CLOSES, SessionCounter.CONTROL_CLOSES, SessionCounter.ABORTED)) {
            freed += layer.counter(c);
        }
        assertThat(live.size() + freed).as("live %s + freed %s = created; %s", live.size(), freed, hint).isEqualTo(created);

        // 3. no session in two tables or pools, no handle to a freed session
        long[] connectionEntries = {0};
        List<String> tableProblems = new ArrayList<>();
        for (boolean ip4 : new boolean[] {true, false}) {
            layer.fib(0).table(ip4).forEach((key, value) -> {
                if (SessionKeys.isListenerKey(key, key.length)) {
                    boolean ok = SessionHandle.isGroupValue(value)
                            ? stack.reuseport().group(SessionHandle.groupIndex(value)) != null
                            : layer.listenSession(SessionHandle.index(value)) != null
                            && layer.listenSession(SessionHandle.index(value)).live();
                    if (!ok) {
                        tableProblems.add("listener entry " + SessionHandle.format(value) + " names nothing live");
                    }
                    return;
                }
                connectionEntries[0]++;
                Session s = layer.session(value);
                if (s == null || s.state() == SessionState.LISTENING) {
                    tableProblems.add("entry " + SessionHandle.format(value) + " names no live session");
                } else if (!keyOf(s.tuple()).equals(java.util.Arrays.toString(key))) {
                    tableProblems.add("entry " + SessionHandle.format(value) + " is under another 5-tuple than its session's");
                }
            });
        }
        assertThat(tableProblems).as(hint).isEmpty();
        assertThat(connectionEntries[0]).as("one table entry per live session; %s", hint).isEqualTo(live.size());

        // 4. no live session belongs to a dead worker
        for (Session s : live) {
            SessionWorker w = layer.worker(s.appWorkerIndex());
            assertThat(w != null && w.alive()).as("%s's worker %s is alive; %s", SessionHandle.format(s.handle()),
                    s.appWorkerIndex(), hint).isTrue();
        }

        // 5. counters add up: per worker, and every accept event in exactly one queue, taken once
        long dispatched = everyWorker.stream().mapToLong(SessionWorker::dispatched).sum();
        long acceptEvents = everyWorker.stream().mapToLong(SessionWorker::accepted).sum();
        long migratedIn = everyWorker.stream().mapToLong(SessionWorker::migratedIn).sum();
        assertThat(dispatched).as("SYNs dispatched to workers = sessions created; %s", hint).isEqualTo(created);
        assertThat(acceptEvents).as("accept events by worker = by thread; %s", hint)
                .isEqualTo(layer.counter(SessionCounter.ACCEPT_EVENTS));
        assertThat(migratedIn).as("migrations by worker = by thread; %s", hint).isEqualTo(layer.counter(SessionCounter.MIGRATED));
        long[] leftover = {0};
        for (SessionWorker w : everyWorker) {
            w.pollEvents((type, s, l) -> {
                if (type == AppEventType.ACCEPT) {
                    leftover[0]++;
                }
            }, Integer.MAX_VALUE);
        }
        assertThat(accepted + leftover[0])
                .as("accept events the apps took + left in queues (of dead workers) = delivered; %s", hint)
                .isEqualTo(layer.counter(SessionCounter.ACCEPT_EVENTS));
        assertThat(segments).as(hint).isPositive();
    }

    private static String keyOf(FiveTuple t) {
        long[] key = new long[t.isIp4() ? 2 : 6];
        if (t.isIp4()) {
            SessionKeys.ip4(key, 6, Ip.ip4(t.local()), t.localPort(), Ip.ip4(t.remote()), t.remotePort());
        } else {
            SessionKeys.ip6(key, 6, Ip.ip6Hi(t.local()), Ip.ip6Lo(t.local()), t.localPort(), Ip.ip6Hi(t.remote()),
                    Ip.ip6Lo(t.remote()), t.remotePort());
        }
        return java.util.Arrays.toString(key);
    }

    /** The control thread as every live application: take events, accept, sometimes close. */
    private static long answerAsApps(SessionLayer layer, Random r) {
        long[] n = {0};
        for (SessionApplication app : layer.applications()) {
            for (SessionWorker w : app.workers()) {
                w.pollEvents((type, session, listener) -> {
                    if (type == AppEventType.ACCEPT) {
                        n[0]++;
                        layer.acceptReply(session);
                        if (r.nextInt(4) == 0) {
                            layer.close(session);
                        }
                    }
                }, 256);
            }
        }
        return n[0];
    }

    /** One data thread: new SYNs, final ACKs for some, RSTs for others, FINs on established ones. */
    private static void feed(Stack stack, DataThread dt, Random r, AtomicBoolean stop, CountDownLatch ready, Tally tally) {
        TcpTransport tcp = stack.tcp();
        TcpPeer peer = new TcpPeer(tcp);
        int thread = dt.index();
        int client = Ip.ip4(Ip.parseAddress("198.18.0.0", "")) + (thread << 16);
        int[] open = new int[4096];
        int openCount = 0;
        int nextPort = 1;
        ready.countDown();
        while (!stop.get()) {
            tcp.poll(thread);
            int choice = r.nextInt(10);
            if (choice < 5 || openCount == 0) {
                int port = nextPort++;
                if (nextPort > 60000) {
                    nextPort = 1;
                    client++;
                }
                tally.syns++;
                tally.segments++;
                int result = peer.send4(thread, client, port, SERVER, 80, port * 7, 0, TcpSegment.SYN);
                if (result == TcpTransport.CREATED) {
                    tally.created++;
                    if (openCount < open.length) {
                        open[openCount++] = port;
                    }
                } else if (result == TcpTransport.DROPPED) {
                    tally.synDrops++;
                } else {
                    throw new AssertionError("a SYN of a new 5-tuple gave " + result);
                }
                continue;
            }
            int i = r.nextInt(openCount);
            int port = open[i];
            open[i] = open[--openCount];
            long handle = currentSession(stack.session(), client, port, thread);
            int iss = handle == SessionHandle.INVALID ? 0 : tcp.issOfSession(handle);
            tally.segments++;
            if (choice < 8) {
                int result = peer.send4(thread, client, port, SERVER, 80, port * 7 + 1, iss + 1, TcpSegment.ACK);
                if (result == TcpTransport.ESTABLISHED && r.nextInt(3) == 0) {
                    tally.segments++;
                    peer.send4(thread, client, port, SERVER, 80, port * 7 + 1, iss + 1, TcpSegment.FIN | TcpSegment.ACK);
                }
            } else {
                peer.send4(thread, client, port, SERVER, 80, port * 7 + 1, 0, TcpSegment.RST);
            }
        }
        tcp.poll(thread);
    }

    /** The session now under a client's 5-tuple on this thread, or INVALID (owner thread only). */
    private static long currentSession(SessionLayer layer, int client, int port, int thread) {
        long[] key = new long[2];
        SessionKeys.ip4(key, 6, SERVER, 80, client, port);
        long h = layer.fib(0).table(true).get(key);
        return h != SessionHandle.INVALID && SessionHandle.thread(h) == thread
                && layer.thread(thread).sessions().isLive(SessionHandle.index(h)) ? h : SessionHandle.INVALID;
    }

    /**
     * Round robin under concurrency, as the selector documents it: each data thread keeps its own
     * rotation, so with T threads receiving SYNs the applications' counts differ by at most T (and
     * each thread's own counts by at most 1), with no atomics on the path.
     */
    @ParameterizedTest(name = "{0} data threads")
    @ValueSource(ints = {2, 4})
    void roundRobinSharesStayWithinTheThreadCountOfEachOther(int dataThreads) throws Exception {
        long seed = Long.getLong("hoststack.test.seed", System.nanoTime());
        String hint = "seed " + seed;
        Stack stack = Stack.create(StackConfig.builder()
                .session(SessionLayerConfig.builder().threads(dataThreads + 1).build()).build());
        SessionLayer layer = stack.session();
        for (int a = 1; a <= 3; a++) {
            stack.attach(AttachOptions.of("app" + a));
            for (int w = 1; w < a; w++) {
                layer.addWorker("app" + a);
            }
            for (int w = 0; w < a; w++) {
                layer.listen("app" + a, w, Endpoint.parseUri(URI), ListenOptions.REUSEPORT);
            }
        }
        Random r = new Random(seed);
        int[] perThread = new int[dataThreads + 1];
        List<Thread> feeders = new ArrayList<>();
        for (int t = 1; t <= dataThreads; t++) {
            final int thread = t;
            perThread[t] = 3000 + r.nextInt(3000);
            final int n = perThread[t];
            Thread feeder = new Thread(() -> {
                layer.claim(thread);
                TcpPeer peer = new TcpPeer(stack.tcp());
                int client = Ip.ip4(Ip.parseAddress("198.18.0.0", "")) + (thread << 16);
                for (int i = 0; i < n; i++) {
                    if (peer.send4(thread, client, 1 + i, SERVER, 80, i, 0, TcpSegment.SYN) != TcpTransport.CREATED) {
                        throw new AssertionError("SYN " + i + " on thread " + thread + ": " + stack.tcp().result(thread).drop());
                    }
                }
            }, "rr-" + t);
            feeders.add(feeder);
        }
        feeders.forEach(Thread::start);
        for (Thread f : feeders) {
            f.join(20_000);
            assertThat(f.isAlive()).as(hint).isFalse();
        }
        long[] perApp = new long[4];
        for (int a = 1; a <= 3; a++) {
            for (SessionWorker w : layer.app("app" + a).workers()) {
                perApp[a] += w.dispatched();
            }
        }
        long total = perApp[1] + perApp[2] + perApp[3];
        assertThat(total).as(hint).isEqualTo(java.util.Arrays.stream(perThread).sum());
        long max = Math.max(perApp[1], Math.max(perApp[2], perApp[3]));
        long min = Math.min(perApp[1], Math.min(perApp[2], perApp[3]));
        assertThat(max - min).as("apps' counts %s, %s, %s differ by at most %s threads; %s",
                perApp[1], perApp[2], perApp[3], dataThreads, hint).isLessThanOrEqualTo(dataThreads);
    }
}
