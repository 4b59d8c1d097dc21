package dev.hoststack.session;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hoststack.api.Endpoint;
import dev.hoststack.api.SessionHandle;
import dev.hoststack.session.internal.ListenSession;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * Lookups on data threads while the control thread listens and unlistens: a lookup never sees a
 * torn entry, never misses a listener that was there for its whole duration, and never finds one
 * that was gone for its whole duration (no stale freed entry). Seeded and bounded; the seed is
 * printed on failure (set {@code -Dhoststack.test.seed=N} to replay).
 */
class ListenerLookupConcurrencyTest {

    private static final int STABLE = 8;
    private static final int CHURN = 24;
    private static final int BASE_PORT = 1000;
    private static final Duration RUN = Duration.ofMillis(1500);

    @Test
    void lookupsDuringListenAndUnlistenSeeOnlyWholeLiveEntries() throws Exception {
        long seed = Long.getLong("hoststack.test.seed", System.nanoTime());
        String context = "seed " + seed + " (replay with -Dhoststack.test.seed=" + seed + ")";
        Random random = new Random(seed);
        SessionLayer layer = new SessionLayer(SessionLayerConfig.builder().threads(3).build());
        layer.registerTransport(new FakeTransport());
        layer.attach(AttachOptions.of("app"));
        layer.addWorker("app");

        int ports = STABLE + CHURN;
        // per port: epoch % 4 = 0 absent, 1 being added, 2 present, 3 being removed
        AtomicLongArray epoch = new AtomicLongArray(ports);
        AtomicLongArray handle = new AtomicLongArray(ports);
        for (int p = 0; p < STABLE; p++) {
            handle.set(p, layer.listen("app", 0, endpoint(p), ListenOptions.PLAIN));
            layer.listen("app", 1, endpoint(p), ListenOptions.PLAIN);
            epoch.set(p, 2);
        }

        AtomicBoolean stop = new AtomicBoolean();
        AtomicReference<String> failure = new AtomicReference<>();
        long[] checked = new long[3];
        CountDownLatch started = new CountDownLatch(2);
        List<Thread> readers = new ArrayList<>();
        for (int t = 1; t <= 2; t++) {
            final int thread = t;
            final long readerSeed = seed + t;
            Thread reader = new Thread(() -> {
                DataThread dt = layer.claim(thread);
                Random r = new Random(readerSeed);
                started.countDown();
                long n = 0;
                while (!stop.get() && failure.get() == null) {
                    int p = r.nextInt(ports);
                    Flow flow = Flow.of("192.0.2.7", 40000, "10.0.0.1", BASE_PORT + p);
                    long e0 = epoch.get(p);
                    long h = handle.get(p);
                    long v = layer.dataPlane().lookupListener(layer.fib(0), flow);
                    long d = v == SessionHandle.INVALID ? 0 : layer.dataPlane().dispatch(v, flow, thread);
                    ListenSession ls = v == SessionHandle.INVALID ? null : layer.listenSession(SessionHandle.index(v));
                    String found = ls == null ? "no listen session" : ls.live() ? ls.endpoint().toUri() : "dead " + ls;
                    long e1 = epoch.get(p);
                    String problem = check(p, v, d, found, e0, e1, h);
                    if (problem != null) {
                        failure.compareAndSet(null, problem);
                    }
                    n++;
                }
                checked[thread] = n;
            }, "reader-" + t);
            readers.add(reader);
            reader.start();
        }
        started.await(10, TimeUnit.SECONDS);
        long deadline = System.nanoTime() + RUN.toNanos();
        int operations = 0;
        while (System.nanoTime() < deadline && failure.get() == null) {
            int p = STABLE + random.nextInt(CHURN);
            if (epoch.get(p) % 4 == 0) {
                epoch.incrementAndGet(p);
                long h = layer.listen("app", random.nextInt(2), endpoint(p), ListenOptions.PLAIN);
                handle.set(p, h);
                epoch.incrementAndGet(p);
            } else {
                epoch.incrementAndGet(p);
                int worker = layer.app("app").listeners().stream()
                        .filter(l -> l.endpoint().equals(endpoint(p))).findFirst().orElseThrow().workers().get(0);
                layer.unlisten("app", worker, endpoint(p));
                handle.set(p, SessionHandle.INVALID);
                epoch.incrementAndGet(p);
            }
            operations++;
        }
        stop.set(true);
        for (Thread r : readers) {
            r.join(10_000);
            assertThat(r.isAlive()).as("reader stopped; " + context).isFalse();
        }
        assertThat(failure.get()).as(context).isNull();
        assertThat(operations).as("the control thread churned; " + context).isGreaterThan(100);
        assertThat(checked[1] + checked[2]).as("the readers looked up; " + context).isGreaterThan(10_000);
    }

    private static Endpoint endpoint(int p) {
        return Endpoint.parseUri("tcp://10.0.0.1/" + (BASE_PORT + p));
    }

    /**
     * Null if what the reader saw between reading epoch e0 and e1 is consistent, else what is
     * wrong. Only when no control operation on the port overlapped the read (e0 == e1) can the
     * answer be predicted exactly.
     */
    private static String check(int p, long v, long d, String found, long e0, long e1, long h) {
        String port = "port " + (BASE_PORT + p);
        if (v != SessionHandle.INVALID && SessionHandle.thread(v) != 0) {
            return port + ": a listener key gave " + SessionHandle.format(v) + ", not a thread-0 handle";
        }
        if (e0 != e1 || e0 % 2 == 1) {
            return null;
        }
        if (e0 % 4 == 0) {
            return v == SessionHandle.INVALID ? null
                    : port + " was not listened on throughout, but the lookup gave " + SessionHandle.format(v);
        }
        if (v != h) {
            return port + " was listened on throughout, expected " + SessionHandle.format(h) + " but the lookup gave "
                    + SessionHandle.format(v);
        }
        if (!found.equals("tcp://10.0.0.1/" + (BASE_PORT + p))) {
            return port + ": the handle found names " + found;
        }
        if (d < 0 || Dispatch.listenSession(d) != SessionHandle.index(h)) {
            return port + ": dispatch of a live listener gave " + (d < 0 ? Dispatch.dropReason(d) : d);
        }
        return null;
    }
}
