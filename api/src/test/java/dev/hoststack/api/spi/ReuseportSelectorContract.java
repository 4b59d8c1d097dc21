package dev.hoststack.api.spi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.ServiceLoader;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;

/**
 * The contract of {@link ReuseportSelector} and {@link ReuseportSelectorProvider}, as their
 * Javadoc states it. Every selector implementation subclasses this with one method:
 * <pre>{@code
 * class MySelectorContractTest extends ReuseportSelectorContract {
 *     @Override
 *     protected ReuseportSelectorProvider provider() {
 *         return new MySelectorProvider();
 *     }
 * }
 * }</pre>
 *
 * <p>What it checks: the provider's name is a short lower-case alias that {@link ServiceLoader}
 * finds exactly once on the test class path; {@code create} makes a new selector per call;
 * {@code select} and {@code reselect}, after {@code membershipChanged} with each new view as the
 * stack calls it, only ever answer a slot in {@code 0..workerCount()-1} or
 * {@link ReuseportSelector#DROP}, and never throw, for IPv4 and IPv6 flows, on many random group
 * shapes (1..64 members of 1..16 workers, weights 1..256), with loads of every size (0, huge,
 * every worker congested), from several threads at once, while the membership changes and while
 * the loads change under the selector; and neither allocates.
 *
 * <p>Random inputs come from a seed that is printed and named in every failure; set it with
 * {@code -Dhoststack.test.seed=N} to replay a run.
 */
public abstract class ReuseportSelectorContract {

    /** Data threads in the contexts the contract creates selectors with. */
    protected static final int THREADS = 4;

    /** The hash secret in the contexts the contract creates selectors with. */
    protected static final int SECRET = 0x5eed_c0de;

    /** Most members of a random group. */
    protected static final int MAX_MEMBERS = 64;

    /** Most workers of one member of a random group. */
    protected static final int MAX_WORKERS = 16;

    /** Membership changes the data threads wait for (past their iterations) while they select. */
    private static final int MIN_CHANGES = 100;

    /** How long the concurrent checks may take, all threads together. */
    private static final long CONCURRENT_BUDGET_SECONDS = 20;

    /** Allocation allowed over all measured {@code select} calls together: about 0 B/op. */
    private static final long ALLOCATION_BOUND_BYTES = 64 * 1024;

    /** The provider under test: a new instance of the implementation's provider class. */
    protected abstract ReuseportSelectorProvider provider();

    // ---------------------------------------------------------------------------------------
    // the provider

    @Test
    void providerNameIsANonBlankLowerCaseAlias() {
        String name = provider().name();
        assertThat(name)
                .as("%s.name() must be a short lower-case alias such as 'roundrobin' or 'hash' "
                        + "(a letter, then letters, digits, '-' or '_')", provider().getClass().getName())
                .isNotNull()
                .matches("[a-z][a-z0-9_-]{0,31}");
        assertThat(provider().name())
                .as("%s.name() must return the same name on every call", provider().getClass().getName())
                .isEqualTo(name);
    }

    @Test
    void providerDescriptionIsNonBlank() {
        assertThat(provider().description())
                .as("%s.description(): one line for listings", provider().getClass().getName())
                .isNotBlank()
                .doesNotContain("\n");
    }

    @Test
    void serviceLoaderFindsExactlyOneProviderOfThisName() {
        ReuseportSelectorProvider expected = provider();
        List<ReuseportSelectorProvider> all = new ArrayList<>();
        ServiceLoader.load(ReuseportSelectorProvider.class).forEach(all::add);
        String found = all.stream().map(p -> p.name() + "=" + p.getClass().getName()).collect(Collectors.joining(", "));
        List<ReuseportSelectorProvider> named = all.stream().filter(p -> expected.name().equals(p.name())).collect(Collectors.toList());
        assertThat(named)
                .as("ServiceLoader providers of name '%s' on the test class path (all found: [%s]); expected exactly one, "
                        + "listed in META-INF/services/%s", expected.name(), found, ReuseportSelectorProvider.class.getName())
                .hasSize(1);
        assertThat(named.get(0).getClass())
                .as("the provider ServiceLoader finds under '%s'", expected.name())
                .isEqualTo(expected.getClass());
    }

    @Test
    void createReturnsANewSelectorPerCall() {
        ReuseportSelectorProvider p = provider();
        TestGroupView g = TestGroupView.ofWorkerCounts(1, 2, 3);
        TestSelectorContext ctx = TestSelectorContext.of(g, THREADS, SECRET);
        ReuseportSelector a = p.create(ctx);
        ReuseportSelector b = p.create(ctx);
        ReuseportSelector c = p.create(TestSelectorContext.of(g.next().index(g.index() + 1).build(), THREADS, SECRET));
        assertThat(a).as("create(context) must return a selector").isNotNull();
        assertThat(b).as("a second create(context) with the same context must return a new selector, not the first")
                .isNotNull().isNotSameAs(a);
        assertThat(c).as("create(context) for another group must return a new selector").isNotNull().isNotSameAs(a).isNotSameAs(b);
    }

    // ---------------------------------------------------------------------------------------
    // as data (only for selectors that implement ExpressibleSelector)

    /**
     * A selector that can be written down as data ({@link ExpressibleSelector}): on random groups
     * through membership changes, its data fits each view ({@link SelectionData#check}) and keeps
     * one shape; where the data is a {@link SelectionData.Sequence}, one data thread's selections
     * on a fresh selector follow it exactly (the member the sequence names, then that member's
     * workers in turn), so an engine running the data gives the selector's own order.
     */
    @Test
    void dataFitsEveryViewKeepsItsShapeAndASequenceIsTheSelectorsOwnOrder(TestInfo info) {
        ReuseportSelector probe = provider().create(TestSelectorContext.of(TestGroupView.ofWorkerCounts(1, 2, 3), THREADS, SECRET));
        assumeTrue(probe instanceof ExpressibleSelector, "the selector does not implement ExpressibleSelector");
        long seed = seed(info);
        Random rnd = new Random(seed);
        TestFlow flow = new TestFlow();
        for (int gi = 0; gi < 60; gi++) {
            TestGroupView g = gi == 0 ? TestGroupView.ofWorkerCounts(1, 2, 3) : TestGroupView.random(rnd, MAX_MEMBERS / 2, MAX_WORKERS / 2);
            ReuseportSelector s = provider().create(TestSelectorContext.of(g, THREADS, SECRET));
            Class<?> shape = null;
            for (int epoch = 0; epoch < 4; epoch++) {
                if (epoch > 0) {
                    g = g.randomChange(rnd, MAX_MEMBERS / 2, MAX_WORKERS / 2);
                }
                s.membershipChanged(g);
                SelectionData data = ((ExpressibleSelector) s).selectionData(g);
                if (data == null) {
                    continue;
                }
                try {
                    SelectionData.check(data, g);
                } catch (IllegalArgumentException e) {
                    fail("selectionData of " + g + " does not fit the view: " + e.getMessage() + "; " + replay(seed));
                }
                if (shape == null) {
                    shape = data.getClass();
                }
                assertThat(data.getClass()).as("the shape of the data stays that of the group's first view (%s); %s", shape,
                        replay(seed)).isEqualTo(shape);
            }
            if (shape == SelectionData.Sequence.class) {
                ReuseportSelector fresh = provider().create(TestSelectorContext.of(g, THREADS, SECRET));
                fresh.membershipChanged(g);
                SelectionData.Sequence seq = (SelectionData.Sequence) ((ExpressibleSelector) fresh).selectionData(g);
                int[] workerRotor = new int[g.memberCount()];
                int n = 3 * seq.length() + g.workerCount();
                for (int c = 0; c < n; c++) {
                    int m = seq.at(c % seq.length());
                    int expected = g.memberFirstSlot(m) + workerRotor[m]++ % g.memberWorkerCount(m);
                    int got = fresh.select(g, flow.setRandom(rnd, true, g.endpoint().port()), 0);
                    if (got != expected) {
                        fail("connection " + c + " of " + g + ": the data " + seq + " gives " + g.describe(expected)
                                + ", select gave " + g.describe(got) + "; " + replay(seed));
                    }
                }
            }
        }
    }

    // ---------------------------------------------------------------------------------------
    // select: one thread

    @Test
    void ipv4SelectionsOnRandomGroupsAreValid(TestInfo info) {
        selectionsOnRandomGroupsAreValid(info, Family.IP4);
    }

    @Test
    void ipv6SelectionsOnRandomGroupsAreValid(TestInfo info) {
        selectionsOnRandomGroupsAreValid(info, Family.IP6);
    }

    @Test
    void mixedSelectionsOnRandomGroupsAreValid(TestInfo info) {
        selectionsOnRandomGroupsAreValid(info, Family.MIXED);
    }

    private enum Family {
        IP4, IP6, MIXED;

        boolean v4(Random rnd) {
            return this == IP4 || this == MIXED && rnd.nextBoolean();
        }
    }

    /** 150 random groups, each through 4 epochs, 250 flows per epoch on random data threads. */
    private void selectionsOnRandomGroupsAreValid(TestInfo info, Family family) {
        long seed = seed(info);
        Random rnd = new Random(seed);
        ReuseportSelectorProvider p = provider();
        TestFlow flow = new TestFlow();
        for (int gi = 0; gi < 150; gi++) {
            TestGroupView g = gi == 0 ? TestGroupView.ofWorkerCounts(1, 2, 3)
                    : gi == 1 ? TestGroupView.ofWorkerCounts(1)
                    : gi == 2 ? TestGroupView.ofWorkerCounts(MAX_WORKERS, MAX_WORKERS)
                    : TestGroupView.random(rnd, MAX_MEMBERS, MAX_WORKERS);
            ReuseportSelector s = p.create(TestSelectorContext.of(g, THREADS, SECRET));
            for (int epoch = 0; epoch < 4; epoch++) {
                if (epoch > 0) {
                    g = g.randomChange(rnd, MAX_MEMBERS, MAX_WORKERS);
                }
                s.membershipChanged(g);
                if (epoch >= 2) {
                    g.randomLoads(rnd, 1 + rnd.nextInt(1000));
                }
                for (int i = 0; i < 250; i++) {
                    boolean v4 = family.v4(rnd);
                    if (i < 8) {
                        edgeFlow(flow, i, v4, g.endpoint().port());
                    } else {
                        flow.setRandom(rnd, v4, g.endpoint().port());
                    }
                    checkSelect(s, g, flow, rnd.nextInt(THREADS), seed);
                }
            }
        }
    }

    /** Flows at the edges of the ranges: zero and all-ones addresses, ports 0 and 65535. */
    private static void edgeFlow(TestFlow flow, int i, boolean v4, int localPort) {
        int port = (i & 1) == 0 ? 0 : 0xFFFF;
        int ip4 = (i & 2) == 0 ? 0 : -1;
        long ip6 = (i & 2) == 0 ? 0L : -1L;
        int lport = (i & 4) == 0 ? localPort : port;
        if (v4) {
            flow.setIp4(ip4, lport, ip4, port);
        } else {
            flow.setIp6(ip6, ip6, lport, ip6, ip6, port);
        }
    }

    @Test
    void selectionsOnTheViewBeforeAChangeStayValid(TestInfo info) {
        // "Selections still running may see the previous view": select(old view) after
        // membershipChanged(new view) must still answer validly for the old view.
        long seed = seed(info);
        Random rnd = new Random(seed);
        ReuseportSelectorProvider p = provider();
        TestFlow flow = new TestFlow();
        for (int gi = 0; gi < 100; gi++) {
            TestGroupView before = TestGroupView.random(rnd, MAX_MEMBERS / 4, MAX_WORKERS / 2);
            ReuseportSelector s = p.create(TestSelectorContext.of(before, THREADS, SECRET));
            s.membershipChanged(before);
            for (int i = 0; i < 50; i++) {
                checkSelect(s, before, flow.setRandom(rnd, rnd.nextBoolean(), before.endpoint().port()), rnd.nextInt(THREADS), seed);
            }
            TestGroupView after = before;
            for (int c = 1 + rnd.nextInt(3); c > 0; c--) {
                after = after.randomChange(rnd, MAX_MEMBERS / 4, MAX_WORKERS / 2);
            }
            s.membershipChanged(after);
            for (int i = 0; i < 100; i++) {
                TestGroupView g = rnd.nextBoolean() ? before : after;
                checkSelect(s, g, flow.setRandom(rnd, rnd.nextBoolean(), g.endpoint().port()), rnd.nextInt(THREADS), seed);
            }
        }
    }

    private static void checkSelect(ReuseportSelector s, TestGroupView g, TestFlow flow, int thread, long seed) {
        int sel;
        try {
            sel = s.select(g, flow, thread);
        } catch (RuntimeException | Error e) {
            throw new AssertionError("select must not throw, but threw " + e + " for " + flow + " on thread " + thread
                    + " of " + THREADS + " in " + g + "; " + replay(seed), e);
        }
        if (!g.accepts(sel)) {
            fail("select returned %s for %s on thread %d in %s; expected a slot in 0..%d or ReuseportSelector.DROP; %s",
                    g.describe(sel), flow, thread, g, g.workerCount() - 1, replay(seed));
        }
    }

    private static void checkReselect(ReuseportSelector s, TestGroupView g, TestFlow flow, int thread, int rejected,
                                      int attempt, long seed) {
        int sel;
        try {
            sel = s.reselect(g, flow, thread, rejected, attempt);
        } catch (RuntimeException | Error e) {
            throw new AssertionError("reselect must not throw, but threw " + e + " for " + flow + " on thread " + thread
                    + " after slot " + rejected + " was rejected (attempt " + attempt + ") in " + g + "; " + replay(seed), e);
        }
        if (!g.accepts(sel)) {
            fail("reselect returned %s for %s on thread %d after slot %d (%s) was rejected (attempt %d) in %s; expected a "
                    + "slot in 0..%d or ReuseportSelector.DROP; %s", g.describe(sel), flow, thread, rejected,
                    g.describe(rejected), attempt, g, g.workerCount() - 1, replay(seed));
        }
    }

    // ---------------------------------------------------------------------------------------
    // reselect

    @Test
    void reselectionsOnRandomGroupsAreValid(TestInfo info) {
        // as a runtime calls it: the first answer, then up to workerCount() - 1 retries, each
        // rejecting the previous answer (a dropped connection ends the retries)
        long seed = seed(info);
        Random rnd = new Random(seed);
        ReuseportSelectorProvider p = provider();
        TestFlow flow = new TestFlow();
        for (int gi = 0; gi < 100; gi++) {
            TestGroupView g = gi == 0 ? TestGroupView.ofWorkerCounts(1, 2, 3)
                    : gi == 1 ? TestGroupView.ofWorkerCounts(1)
                    : TestGroupView.random(rnd, MAX_MEMBERS / 2, MAX_WORKERS / 2);
            ReuseportSelector s = p.create(TestSelectorContext.of(g, THREADS, SECRET));
            for (int epoch = 0; epoch < 3; epoch++) {
                if (epoch > 0) {
                    g = g.randomChange(rnd, MAX_MEMBERS / 2, MAX_WORKERS / 2);
                }
                s.membershipChanged(g);
                if (epoch >= 1) {
                    g.randomLoads(rnd, 1 + rnd.nextInt(100));
                }
                for (int i = 0; i < 40; i++) {
                    flow.setRandom(rnd, rnd.nextBoolean(), g.endpoint().port());
                    int thread = rnd.nextInt(THREADS);
                    checkSelect(s, g, flow, thread, seed);
                    int rejected = s.select(g, flow, thread);
                    for (int attempt = 1; attempt < g.workerCount() && rejected != ReuseportSelector.DROP; attempt++) {
                        checkReselect(s, g, flow, thread, rejected, attempt, seed);
                        rejected = s.reselect(g, flow, thread, rejected, attempt);
                    }
                }
                // any slot may be the rejected one, on any attempt
                for (int i = 0; i < 40; i++) {
                    flow.setRandom(rnd, rnd.nextBoolean(), g.endpoint().port());
                    checkReselect(s, g, flow, rnd.nextInt(THREADS), rnd.nextInt(g.workerCount()),
                            1 + rnd.nextInt(g.workerCount()), seed);
                }
            }
        }
    }

    // ---------------------------------------------------------------------------------------
    // select: several threads

    @Test
    void concurrentSelectionsOnOneGroupAreValid(TestInfo info) throws InterruptedException {
        long seed = seed(info);
        Random rnd = new Random(seed);
        TestGroupView g = rnd.nextBoolean() ? TestGroupView.ofWorkerCounts(1, 2, 3) : TestGroupView.random(rnd, MAX_MEMBERS, MAX_WORKERS);
        ReuseportSelector s = provider().create(TestSelectorContext.of(g, THREADS, SECRET));
        s.membershipChanged(g);
        runConcurrently(seed, "on " + g, new AtomicBoolean(),
                (t, r, flow) -> check(s, g, flow.setRandom(r, r.nextBoolean(), g.endpoint().port()), t), null, () -> false);
    }

    @Test
    void concurrentSelectionsWhileLoadsChangeAreValid(TestInfo info) throws InterruptedException {
        // a load-aware selector reads live figures that other threads change meanwhile (a worker
        // may look idle at one read and congested at the next)
        long seed = seed(info);
        Random rnd = new Random(seed);
        TestGroupView g = rnd.nextBoolean() ? TestGroupView.ofWorkerCounts(1, 2, 3) : TestGroupView.random(rnd, MAX_MEMBERS, MAX_WORKERS);
        ReuseportSelector s = provider().create(TestSelectorContext.of(g, THREADS, SECRET));
        s.membershipChanged(g);
        AtomicInteger changes = new AtomicInteger();
        AtomicBoolean dataDone = new AtomicBoolean();
        Runnable loads = () -> {
            Random cr = new Random(seed ^ 0x10AD);
            while (!dataDone.get()) {
                g.randomLoads(cr, 1 + cr.nextInt(50));
                changes.incrementAndGet();
            }
        };
        runConcurrently(seed, "while the loads of " + g + " change", dataDone,
                (t, r, flow) -> check(s, g, flow.setRandom(r, r.nextBoolean(), g.endpoint().port()), t), loads,
                () -> changes.get() < MIN_CHANGES);
        assertThat(changes.get()).as("load changes made while the data threads ran; %s", replay(seed)).isPositive();
    }

    @Test
    void concurrentSelectionsDuringMembershipChangesAreValid(TestInfo info) throws InterruptedException {
        long seed = seed(info);
        Random rnd = new Random(seed);
        TestGroupView first = TestGroupView.random(rnd, MAX_MEMBERS / 2, MAX_WORKERS / 2);
        ReuseportSelector s = provider().create(TestSelectorContext.of(first, THREADS, SECRET));
        s.membershipChanged(first);
        VolatileView current = new VolatileView(first);
        AtomicInteger changes = new AtomicInteger();
        AtomicBoolean dataDone = new AtomicBoolean();
        Runnable control = () -> {
            // the control thread: a new view, membershipChanged, then publish, as the stack does
            Random cr = new Random(seed ^ 0x5DEECE66DL);
            TestGroupView v = first;
            while (!dataDone.get() && changes.get() < 50_000) {
                v = v.randomChange(cr, MAX_MEMBERS / 2, MAX_WORKERS / 2);
                s.membershipChanged(v);
                current.view = v;
                changes.incrementAndGet();
            }
        };
        runConcurrently(seed, "while the membership changes (starting from " + first + ")", dataDone, (t, r, flow) -> {
            TestGroupView view = current.view;
            return check(s, view, flow.setRandom(r, r.nextBoolean(), view.endpoint().port()), t);
        }, control, () -> changes.get() < MIN_CHANGES);
        assertThat(changes.get()).as("membership changes made while the data threads ran; %s", replay(seed)).isPositive();
    }

    /** Publishes views from the control thread to the data threads. */
    private static final class VolatileView {
        volatile TestGroupView view;

        VolatileView(TestGroupView view) {
            this.view = view;
        }
    }

    /** One data thread's step: null if the answer was valid, else what was wrong. */
    @FunctionalInterface
    private interface Step {
        String run(int thread, Random rnd, TestFlow flow);
    }

    private static String check(ReuseportSelector s, TestGroupView view, TestFlow flow, int thread) {
        int sel;
        try {
            sel = s.select(view, flow, thread);
            if (view.acceptsSlot(sel) && view.workerCount() > 1) {
                int next = s.reselect(view, flow, thread, sel, 1);
                if (!view.accepts(next)) {
                    return "reselect after slot " + sel + " returned " + view.describe(next) + " for " + flow
                            + " on thread " + thread + " in " + view + "; expected a slot in 0.." + (view.workerCount() - 1)
                            + " or ReuseportSelector.DROP";
                }
            }
        } catch (RuntimeException | Error e) {
            return "select or reselect threw " + e + " for " + flow + " on thread " + thread + " in " + view;
        }
        return view.accepts(sel) ? null
                : "select returned " + view.describe(sel) + " for " + flow + " on thread " + thread + " in " + view
                        + "; expected a slot in 0.." + (view.workerCount() - 1) + " or ReuseportSelector.DROP";
    }

    /**
     * Runs {@link #THREADS} data threads (thread indices 0..THREADS-1), each doing
     * {@code ITERATIONS} steps, all started together, plus an optional control thread; fails with
     * the first wrong answer of any thread, or if they take longer than the budget.
     */
    private static void runConcurrently(long seed, String where, AtomicBoolean dataDone, Step step, Runnable control,
                                        java.util.function.BooleanSupplier notYet) throws InterruptedException {
        final int iterations = 100_000;
        ExecutorService pool = Executors.newFixedThreadPool(THREADS + 1);
        try {
            CountDownLatch start = new CountDownLatch(1);
            List<Future<String>> data = new ArrayList<>();
            for (int t = 0; t < THREADS; t++) {
                final int thread = t;
                data.add(pool.submit(() -> {
                    Random r = new Random(seed * 31 + thread);
                    TestFlow flow = new TestFlow();
                    start.await();
                    // past the iterations while the control thread has not done enough (a busy machine may
                    // schedule it late), within half the budget
                    final long softDeadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(CONCURRENT_BUDGET_SECONDS) / 2;
                    for (int i = 0; i < iterations || notYet.getAsBoolean() && System.nanoTime() - softDeadline < 0; i++) {
                        String wrong = step.run(thread, r, flow);
                        if (wrong != null) {
                            return "data thread " + thread + ", selection " + i + ": " + wrong;
                        }
                    }
                    return null;
                }));
            }
            Future<?> ctl = control == null ? null : pool.submit(() -> {
                start.await();
                control.run();
                return null;
            });
            start.countDown();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(CONCURRENT_BUDGET_SECONDS);
            List<String> wrong = new ArrayList<>();
            for (Future<String> f : data) {
                String w = await(f, deadline, seed, where);
                if (w != null) {
                    wrong.add(w);
                }
            }
            dataDone.set(true);
            if (ctl != null) {
                await(ctl, deadline, seed, where);
            }
            assertThat(wrong)
                    .as("wrong answers from %d data threads selecting concurrently %s; %s", THREADS, where, replay(seed))
                    .isEmpty();
        } finally {
            dataDone.set(true);
            pool.shutdownNow();
            pool.awaitTermination(5, TimeUnit.SECONDS);
        }
    }

    private static <T> T await(Future<T> f, long deadline, long seed, String where) throws InterruptedException {
        try {
            return f.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            throw new AssertionError("concurrent selections " + where + " took longer than " + CONCURRENT_BUDGET_SECONDS
                    + " s (a selector that blocks or spins?); " + replay(seed), e);
        } catch (ExecutionException e) {
            throw new AssertionError("a thread selecting concurrently " + where + " failed: " + e.getCause() + "; " + replay(seed),
                    e.getCause());
        }
    }

    // ---------------------------------------------------------------------------------------
    // select allocates nothing

    @Test
    void selectAndReselectAllocateNothing(TestInfo info) {
        java.lang.management.ThreadMXBean plain = ManagementFactory.getThreadMXBean();
        assumeTrue(plain instanceof com.sun.management.ThreadMXBean,
                "needs com.sun.management.ThreadMXBean to count allocated bytes");
        com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) plain;
        assumeTrue(mx.isThreadAllocatedMemorySupported(), "this JVM does not count allocated bytes per thread");
        if (!mx.isThreadAllocatedMemoryEnabled()) {
            mx.setThreadAllocatedMemoryEnabled(true);
        }
        long seed = seed(info);
        Random rnd = new Random(seed);
        // the seed's shape and a large random one, each with its own selector
        TestGroupView[] groups = {TestGroupView.ofWorkerCounts(1, 2, 3),
                TestGroupView.random(rnd, MAX_MEMBERS, MAX_WORKERS).randomLoads(rnd, 100)};
        ReuseportSelector[] selectors = new ReuseportSelector[groups.length];
        for (int i = 0; i < groups.length; i++) {
            selectors[i] = provider().create(TestSelectorContext.of(groups[i], THREADS, SECRET));
            selectors[i].membershipChanged(groups[i]);
        }
        // flows made up front, half IPv4, half IPv6: the measured loop only copies numbers
        Flows flows = new Flows(rnd, 4096, groups[0].endpoint().port());
        TestFlow flow = new TestFlow();
        final int calls = 200_000;
        for (int round = 0; round < 3; round++) {
            selectLoop(selectors, groups, flows, flow, calls); // warm-up: get select compiled
        }
        mx.getCurrentThreadAllocatedBytes();
        long before = mx.getCurrentThreadAllocatedBytes();
        long invalid = selectLoop(selectors, groups, flows, flow, calls);
        long allocated = mx.getCurrentThreadAllocatedBytes() - before;
        assertThat(invalid).as("invalid answers during the allocation check; %s", replay(seed)).isZero();
        assertThat(allocated)
                .as("bytes allocated by %d select calls and a reselect per 8 (%.4f B/op) on %s and %s; the SYN path must not allocate "
                        + "(expected ~0 B/op, under %d bytes in all); %s", calls, (double) allocated / calls,
                        groups[0], groups[1].memberCount() + "-member random group", ALLOCATION_BOUND_BYTES, replay(seed))
                .isLessThan(ALLOCATION_BOUND_BYTES);
    }

    /** Flow fields in primitive arrays. */
    private static final class Flows {
        final boolean[] v4;
        final long[] a;
        final long[] b;
        final long[] c;
        final long[] d;
        final int[] rport;
        final int lport;

        Flows(Random rnd, int n, int lport) {
            this.lport = lport;
            v4 = new boolean[n];
            a = new long[n];
            b = new long[n];
            c = new long[n];
            d = new long[n];
            rport = new int[n];
            for (int i = 0; i < n; i++) {
                v4[i] = (i & 1) == 0;
                a[i] = rnd.nextLong();
                b[i] = rnd.nextLong();
                c[i] = rnd.nextLong();
                d[i] = rnd.nextLong();
                rport[i] = rnd.nextInt(0x10000);
            }
        }

        void set(TestFlow flow, int i) {
            if (v4[i]) {
                flow.setIp4((int) a[i], lport, (int) c[i], rport[i]);
            } else {
                flow.setIp6(a[i], b[i], lport, c[i], d[i], rport[i]);
            }
        }
    }

    private static long selectLoop(ReuseportSelector[] selectors, TestGroupView[] groups, Flows flows, TestFlow flow, int calls) {
        long invalid = 0;
        final int mask = flows.v4.length - 1;
        for (int i = 0; i < calls; i++) {
            flows.set(flow, i & mask);
            int which = i & 1;
            TestGroupView g = groups[which];
            int thread = (i >>> 1) % THREADS;
            int sel = selectors[which].select(g, flow, thread);
            if (!g.accepts(sel)) {
                invalid++;
            }
            if ((i & 7) == 0 && g.acceptsSlot(sel)) {
                // a retry now and then, as a runtime makes when the chosen worker is congested
                if (!g.accepts(selectors[which].reselect(g, flow, thread, sel, 1 + (i >>> 3) % g.workerCount()))) {
                    invalid++;
                }
            }
        }
        return invalid;
    }

    private static long seed(TestInfo info) {
        return TestSeed.seed(info);
    }

    private static String replay(long seed) {
        return TestSeed.replay(seed);
    }
}
