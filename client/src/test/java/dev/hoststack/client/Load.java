package dev.hoststack.client;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/** Real connections from several client threads; counts who answered and how many got nothing. */
final class Load implements AutoCloseable {

    final Map<String, AtomicInteger> answeredBy = new ConcurrentHashMap<>();
    final AtomicInteger failed = new AtomicInteger();
    /** Of {@link #failed}: connections refused (nothing listened: the SYN was answered with a reset). */
    final AtomicInteger refused = new AtomicInteger();
    final AtomicInteger answered = new AtomicInteger();
    private final ExecutorService pool;
    private final List<Future<?>> futures = new ArrayList<>();

    Load(int threads) {
        pool = Executors.newFixedThreadPool(threads, r -> {
            Thread t = new Thread(r, "load");
            t.setDaemon(true);
            return t;
        });
    }

    /** Starts {@code n} connections to {@code port}, each answered or failed within {@code timeoutMs}. */
    void start(int port, int n, int timeoutMs) {
        for (int i = 0; i < n; i++) {
            futures.add(pool.submit(() -> {
                Http.Result r = Http.attempt(port, timeoutMs);
                String body = r.body();
                if (body == null || body.isEmpty()) {
                    failed.incrementAndGet();
                    if (r.outcome() == Http.Outcome.REFUSED) {
                        refused.incrementAndGet();
                    }
                } else {
                    answered.incrementAndGet();
                    answeredBy.computeIfAbsent(Http.label(body), k -> new AtomicInteger()).incrementAndGet();
                }
            }));
        }
    }

    /** Waits for every connection to end. */
    void await() throws Exception {
        for (Future<?> f : futures) {
            f.get(120, TimeUnit.SECONDS);
        }
    }

    int by(String label) {
        AtomicInteger n = answeredBy.get(label);
        return n == null ? 0 : n.get();
    }

    int byApp(String app) {
        int n = 0;
        for (Map.Entry<String, AtomicInteger> e : answeredBy.entrySet()) {
            if (e.getKey().startsWith(app + "-w")) {
                n += e.getValue().get();
            }
        }
        return n;
    }

    @Override
    public void close() {
        pool.shutdownNow();
    }
}
