package dev.hoststack.it;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;

/**
 * Real connections from this JVM's threads to the daemon's port, each one {@link Http#get}; keeps
 * every result. Close it to stop the threads.
 */
final class Load implements AutoCloseable {

    private final ExecutorService pool;
    private final List<Future<?>> futures = new ArrayList<>();
    private final List<Http.Result> results = new ArrayList<>();
    private final AtomicInteger answered = new AtomicInteger();

    Load(int threads) {
        pool = Executors.newFixedThreadPool(threads, r -> {
            Thread t = new Thread(r, "load");
            t.setDaemon(true);
            return t;
        });
    }

    /** Starts {@code n} connections to {@code port}, each ending within {@code timeoutMs}. */
    Load start(int port, int n, int timeoutMs) {
        for (int i = 0; i < n; i++) {
            futures.add(pool.submit(() -> {
                Http.Result r = Http.get(port, timeoutMs);
                if (r.outcome() == Http.Outcome.ANSWERED) {
                    answered.incrementAndGet();
                }
                synchronized (results) {
                    results.add(r);
                }
            }));
        }
        return this;
    }

    /** Answers so far (while it runs). */
    int answeredSoFar() {
        return answered.get();
    }

    /** Waits for every connection to end, at most {@code seconds}. */
    Load await(int seconds) throws Exception {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        for (Future<?> f : futures) {
            f.get(Math.max(1, end - System.nanoTime()), TimeUnit.NANOSECONDS);
        }
        return this;
    }

    /** Every result, in the order they ended. */
    List<Http.Result> results() {
        synchronized (results) {
            return new ArrayList<>(results);
        }
    }

    /** How many ended each way. */
    Map<Http.Outcome, Integer> outcomes() {
        Map<Http.Outcome, Integer> m = new EnumMap<>(Http.Outcome.class);
        for (Http.Result r : results()) {
            m.merge(r.outcome(), 1, Integer::sum);
        }
        return m;
    }

    /** Answers per {@code APP-wW}, sorted. */
    Map<String, Integer> byLabel() {
        Map<String, Integer> m = new TreeMap<>();
        for (Http.Result r : results()) {
            if (r.body() != null) {
                m.merge(r.label(), 1, Integer::sum);
            }
        }
        return m;
    }

    /** Answers from {@code app}. */
    int byApp(String app) {
        return count(r -> app.equals(r.app()));
    }

    /** Results that match. */
    int count(Predicate<Http.Result> p) {
        return (int) results().stream().filter(p).count();
    }

    /** Connections that got no answer. */
    int failed() {
        return count(r -> r.outcome() != Http.Outcome.ANSWERED);
    }

    @Override
    public void close() {
        pool.shutdownNow();
    }
}
