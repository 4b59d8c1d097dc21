package dev.hoststack.selector.roundrobin;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hoststack.api.spi.ReuseportSelector;
import dev.hoststack.api.spi.TestFlow;
import dev.hoststack.api.spi.TestGroupView;
import dev.hoststack.api.spi.TestSeed;
import dev.hoststack.api.spi.TestSelectorContext;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;

/**
 * The {@code roundrobin} policy as its Javadoc states it: the seed's order (workers from 0), exact
 * shares, per-thread rotors, and what a join, a leave or a change of workers does to the order.
 * Selections are written {@code app2-w1}: application name, worker index.
 */
class RoundRobinSelectorTest {

    /** One full cycle of the seed's example (apps of 1, 2, 3 workers): 3 apps x lcm(1, 2, 3). */
    static final List<String> SEED_CYCLE = List.of(
            "app1-w0", "app2-w0", "app3-w0",
            "app1-w0", "app2-w1", "app3-w1",
            "app1-w0", "app2-w0", "app3-w2",
            "app1-w0", "app2-w1", "app3-w0",
            "app1-w0", "app2-w0", "app3-w1",
            "app1-w0", "app2-w1", "app3-w2");

    private final TestFlow flow = TestFlow.ip4("10.0.0.2", 80, "10.0.0.1", 40000);

    private static ReuseportSelector selector(TestGroupView g, int threads) {
        ReuseportSelector s = new RoundRobinSelectorProvider().create(TestSelectorContext.of(g, threads, 0));
        s.membershipChanged(g);
        return s;
    }

    /** {@code n} selections on {@code thread}, as {@code app-wN}. */
    private List<String> select(ReuseportSelector s, TestGroupView g, int thread, int n) {
        List<String> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            out.add(g.describe(s.select(g, flow, thread)));
        }
        return out;
    }

    private static List<String> repeat(List<String> cycle, int times) {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < times; i++) {
            out.addAll(cycle);
        }
        return out;
    }

    @Test
    void oneThreadFollowsTheSeedsOrderForSeveralCycles() {
        TestGroupView g = TestGroupView.ofWorkerCounts(1, 2, 3);
        ReuseportSelector s = selector(g, 1);
        assertThat(select(s, g, 0, 5 * SEED_CYCLE.size()))
                .as("5 cycles of selections on %s: the seed's app1-w1, app2-w1, app3-w1, app1-w1, app2-w2, ... "
                        + "with workers numbered from 0", g)
                .containsExactlyElementsOf(repeat(SEED_CYCLE, 5));
    }

    @Test
    void theFlowDoesNotMatter() {
        TestGroupView g = TestGroupView.ofWorkerCounts(1, 2, 3);
        ReuseportSelector s = selector(g, 1);
        Random rnd = new Random(1);
        List<String> got = new ArrayList<>();
        for (int i = 0; i < 2 * SEED_CYCLE.size(); i++) {
            flow.setRandom(rnd, rnd.nextBoolean(), 80);
            got.add(g.describe(s.select(g, flow, 0)));
        }
        assertThat(got).as("selections for random IPv4 and IPv6 flows on %s: round robin ignores the flow", g)
                .containsExactlyElementsOf(repeat(SEED_CYCLE, 2));
    }

    @Test
    void sixThousandSelectionsShareExactly() {
        TestGroupView g = TestGroupView.ofWorkerCounts(1, 2, 3);
        ReuseportSelector s = selector(g, 1);
        Map<String, Integer> perWorker = new TreeMap<>();
        Map<String, Integer> perApp = new TreeMap<>();
        for (String sel : select(s, g, 0, 6_000)) {
            perWorker.merge(sel, 1, Integer::sum);
            perApp.merge(sel.substring(0, sel.indexOf('-')), 1, Integer::sum);
        }
        assertThat(perApp).as("selections per application over 6,000 on %s", g)
                .containsExactlyEntriesOf(new TreeMap<>(Map.of("app1", 2000, "app2", 2000, "app3", 2000)));
        // app3's 2,000 over 3 workers: 667, 667, 666 (w0 and w1 one turn ahead)
        assertThat(perWorker).as("selections per worker over 6,000 on %s", g)
                .containsExactlyEntriesOf(new TreeMap<>(Map.of(
                        "app1-w0", 2000,
                        "app2-w0", 1000, "app2-w1", 1000,
                        "app3-w0", 667, "app3-w1", 667, "app3-w2", 666)));
    }

    @Test
    void eachThreadKeepsItsOwnRotation(TestInfo info) {
        long seed = TestSeed.seed(info);
        Random rnd = new Random(seed);
        TestGroupView g = TestGroupView.ofWorkerCounts(1, 2, 3);
        ReuseportSelector s = selector(g, 2);
        // thread 1 first makes a burst; thread 0 must still start at the beginning
        List<String> t1 = new ArrayList<>(select(s, g, 1, 7));
        List<String> t0 = new ArrayList<>();
        for (int i = 0; i < 20 * SEED_CYCLE.size(); i++) {
            if (rnd.nextBoolean()) {
                t0.add(g.describe(s.select(g, flow, 0)));
            } else {
                t1.add(g.describe(s.select(g, flow, 1)));
            }
        }
        assertThat(t0).as("thread 0's selections, interleaved at random with thread 1's; %s", TestSeed.replay(seed))
                .containsExactlyElementsOf(repeat(SEED_CYCLE, 21).subList(0, t0.size()));
        assertThat(t1).as("thread 1's selections, interleaved at random with thread 0's; %s", TestSeed.replay(seed))
                .containsExactlyElementsOf(repeat(SEED_CYCLE, 21).subList(0, t1.size()));
    }

    @Test
    void interleavedThreadsKeepAppAndWorkerCountsWithinTheThreadCount(TestInfo info) {
        long seed = TestSeed.seed(info);
        Random rnd = new Random(seed);
        for (int threads : new int[] {2, 4, 7}) {
            TestGroupView g = rnd.nextBoolean() ? TestGroupView.ofWorkerCounts(1, 2, 3) : TestGroupView.random(rnd, 8, 5);
            ReuseportSelector s = selector(g, threads);
            int[] perApp = new int[g.memberCount()];
            int[][] perWorker = new int[g.memberCount()][64];
            int n = 5_000 + rnd.nextInt(5_000);
            for (int i = 0; i < n; i++) {
                int sel = s.select(g, flow, rnd.nextInt(threads));
                assertThat(g.acceptsSlot(sel)).as("selection %d: %s on %s", i, g.describe(sel), g).isTrue();
                int m = g.slotMember(sel);
                perApp[m]++;
                perWorker[m][g.slotWorker(sel)]++;
            }
            assertThat(spread(perApp))
                    .as("max - min of per-application counts %s over %d selections by %d threads interleaved at random on %s; "
                            + "expected at most %d; %s", java.util.Arrays.toString(perApp), n, threads, g, threads, TestSeed.replay(seed))
                    .isLessThanOrEqualTo(threads);
            for (int m = 0; m < g.memberCount(); m++) {
                int[] counts = new int[g.member(m).workerCount()];
                for (int k = 0; k < counts.length; k++) {
                    counts[k] = perWorker[m][g.member(m).worker(k)];
                }
                assertThat(spread(counts))
                        .as("max - min of %s's per-worker counts %s (%d threads, %s)", g.member(m).appName(),
                                java.util.Arrays.toString(counts), threads, TestSeed.replay(seed))
                        .isLessThanOrEqualTo(threads);
            }
        }
    }

    private static int spread(int[] counts) {
        int min = Integer.MAX_VALUE;
        int max = Integer.MIN_VALUE;
        for (int c : counts) {
            min = Math.min(min, c);
            max = Math.max(max, c);
        }
        return max - min;
    }

    @Test
    void concurrentThreadsEachFollowTheExactOrder() throws Exception {
        final int threads = 4;
        final int perThread = 30_000;
        TestGroupView g = TestGroupView.ofWorkerCounts(1, 2, 3);
        ReuseportSelector s = selector(g, threads);
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            CountDownLatch start = new CountDownLatch(1);
            List<Future<String>> results = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                final int thread = t;
                results.add(pool.submit(() -> {
                    TestFlow f = new TestFlow().setIp4(0x0a000002, 80, 0x0a000001 + thread, 40000);
                    start.await();
                    for (int i = 0; i < perThread; i++) {
                        String got = g.describe(s.select(g, f, thread));
                        String expected = SEED_CYCLE.get(i % SEED_CYCLE.size());
                        if (!got.equals(expected)) {
                            return "thread " + thread + ", selection " + i + ": got " + got + ", expected " + expected;
                        }
                    }
                    return null;
                }));
            }
            start.countDown();
            List<String> wrong = new ArrayList<>();
            for (Future<String> f : results) {
                String w = f.get(20, TimeUnit.SECONDS);
                if (w != null) {
                    wrong.add(w);
                }
            }
            assertThat(wrong).as("%d threads selecting at once on %s, each must follow the seed's order on its own", threads, g)
                    .isEmpty();
        } finally {
            pool.shutdownNow();
            pool.awaitTermination(5, TimeUnit.SECONDS);
        }
    }

    // ---------------------------------------------------------------------------------------
    // joins and leaves

    @Test
    void aJoinRestartsTheAppRotationAndKeepsTheSurvivorsWorkerRotation() {
        TestGroupView v1 = TestGroupView.ofWorkerCounts(1, 2, 3);
        ReuseportSelector s = selector(v1, 1);
        assertThat(select(s, v1, 0, 4)).as("before app4 joins").containsExactly("app1-w0", "app2-w0", "app3-w0", "app1-w0");
        TestGroupView v2 = v1.next().member("app4", 0, 1).build();
        s.membershipChanged(v2);
        assertThat(select(s, v2, 0, 12))
                .as("after app4 [0, 1] joins %s: the app rotation restarts at app1; app2 and app3 go on from w1; "
                        + "app4 starts at its first worker", v1)
                .containsExactly(
                        "app1-w0", "app2-w1", "app3-w1", "app4-w0",
                        "app1-w0", "app2-w0", "app3-w2", "app4-w1",
                        "app1-w0", "app2-w1", "app3-w0", "app4-w0");
    }

    @Test
    void aLeaveOfTheFirstMemberRestartsAtTheNextInJoinOrder() {
        TestGroupView v1 = TestGroupView.ofWorkerCounts(1, 2, 3);
        ReuseportSelector s = selector(v1, 1);
        assertThat(select(s, v1, 0, 5)).as("before app1 leaves")
                .containsExactly("app1-w0", "app2-w0", "app3-w0", "app1-w0", "app2-w1");
        TestGroupView v2 = v1.next().leave("app1").build();
        s.membershipChanged(v2);
        assertThat(select(s, v2, 0, 8))
                .as("after app1 leaves (app2 now at position 0): app2 goes on from w0, app3 from w1")
                .containsExactly("app2-w0", "app3-w1", "app2-w1", "app3-w2", "app2-w0", "app3-w0", "app2-w1", "app3-w1");
    }

    @Test
    void aLeaveInTheMiddleKeepsTheOthersInJoinOrder() {
        TestGroupView v1 = TestGroupView.ofWorkerCounts(1, 2, 3);
        ReuseportSelector s = selector(v1, 1);
        assertThat(select(s, v1, 0, 4)).as("before app2 leaves").containsExactly("app1-w0", "app2-w0", "app3-w0", "app1-w0");
        TestGroupView v2 = v1.next().leave("app2").build();
        s.membershipChanged(v2);
        assertThat(select(s, v2, 0, 6))
                .as("after app2 leaves: app1, app3 in join order, the rotation restarting at app1, app3 going on from w1")
                .containsExactly("app1-w0", "app3-w1", "app1-w0", "app3-w2", "app1-w0", "app3-w0");
    }

    @Test
    void aMemberThatLeavesAndJoinsAgainStartsAtItsFirstWorker() {
        TestGroupView v1 = TestGroupView.ofWorkerCounts(1, 2, 3);
        ReuseportSelector s = selector(v1, 1);
        assertThat(select(s, v1, 0, 2)).as("before app2 leaves").containsExactly("app1-w0", "app2-w0");
        TestGroupView v2 = v1.next().leave("app2").build();
        s.membershipChanged(v2);
        assertThat(select(s, v2, 0, 1)).as("while app2 is away").containsExactly("app1-w0");
        TestGroupView v3 = v2.next().member("app2", 0, 1).build();
        s.membershipChanged(v3);
        assertThat(select(s, v3, 0, 6))
                .as("app2 joins again (a new listen session, now last in join order): it starts at w0, not where it left off")
                .containsExactly("app1-w0", "app3-w0", "app2-w0", "app1-w0", "app3-w1", "app2-w1");
    }

    @Test
    void aChangeRestartsEveryThreadsAppRotation() {
        TestGroupView v1 = TestGroupView.ofWorkerCounts(1, 2, 3);
        ReuseportSelector s = selector(v1, 3);
        select(s, v1, 0, 1);
        select(s, v1, 1, 2);
        // thread 2 selects nothing before the change
        TestGroupView v2 = v1.next().member("app4", 0).build();
        s.membershipChanged(v2);
        assertThat(select(s, v2, 0, 4)).as("thread 0 after the join (it had chosen app1-w0)")
                .containsExactly("app1-w0", "app2-w0", "app3-w0", "app4-w0");
        assertThat(select(s, v2, 1, 4)).as("thread 1 after the join (it had chosen app1-w0, app2-w0)")
                .containsExactly("app1-w0", "app2-w1", "app3-w0", "app4-w0");
        assertThat(select(s, v2, 2, 4)).as("thread 2 after the join (it had chosen nothing)")
                .containsExactly("app1-w0", "app2-w0", "app3-w0", "app4-w0");
    }

    @Test
    void aWorkerChangeOnlyEverGivesListedWorkers() {
        for (int removed = 0; removed < 3; removed++) {
            for (int before = 0; before < 6; before++) {
                TestGroupView v1 = TestGroupView.ofWorkerCounts(1, 2, 3);
                ReuseportSelector s = selector(v1, 2);
                select(s, v1, 0, before);
                select(s, v1, 1, before + 3);
                int[] remaining = removed == 0 ? new int[] {1, 2} : removed == 1 ? new int[] {0, 2} : new int[] {0, 1};
                TestGroupView v2 = v1.next().workers("app3", remaining).build();
                s.membershipChanged(v2);
                for (int thread = 0; thread < 2; thread++) {
                    List<String> after = select(s, v2, thread, 3_000);
                    String gone = "app3-w" + removed;
                    assertThat(after).as("thread %d's selections after app3's worker %d stopped listening (%d selections before)",
                            thread, removed, before).doesNotContain(gone).allMatch(x -> !x.startsWith("invalid"));
                    assertThat(after.subList(0, 3)).as("the app rotation restarts after app3's workers change")
                            .startsWith("app1-w0").element(1).asString().startsWith("app2-");
                    int a = Collections.frequency(after, "app3-w" + remaining[0]);
                    int b = Collections.frequency(after, "app3-w" + remaining[1]);
                    assertThat(a + b).as("app3's selections out of 3,000").isEqualTo(1000);
                    assertThat(Math.abs(a - b)).as("app3-w%d vs app3-w%d: %d vs %d", remaining[0], remaining[1], a, b)
                            .isLessThanOrEqualTo(1);
                }
            }
        }
    }

    @Test
    void aMemberThatLosesWorkersAndGetsThemBackBeforeItsTurnContinuesWhereItWas() {
        TestGroupView v1 = TestGroupView.builder().member("app1", TestGroupView.range(4)).build();
        ReuseportSelector s = selector(v1, 2);
        assertThat(select(s, v1, 0, 2)).containsExactly("app1-w0", "app1-w1");
        assertThat(select(s, v1, 1, 3)).containsExactly("app1-w0", "app1-w1", "app1-w2");
        TestGroupView v2 = v1.next().workers("app1", TestGroupView.range(2)).build();
        s.membershipChanged(v2);
        assertThat(select(s, v2, 1, 2)).as("thread 1's position 3 is past the 2 workers left: it restarts")
                .containsExactly("app1-w0", "app1-w1");
        TestGroupView v3 = v2.next().workers("app1", TestGroupView.range(3)).build();
        s.membershipChanged(v3);
        assertThat(select(s, v3, 0, 2)).as("thread 0 made no choice on %s: its position 2 stands on %s", v2, v3)
                .containsExactly("app1-w2", "app1-w0");
        assertThat(select(s, v3, 1, 2)).as("thread 1 went on from its restart").containsExactly("app1-w0", "app1-w1");
    }

    @Test
    void aSelectionOnTheViewBeforeAChangeIsValidForThatView() {
        TestGroupView v1 = TestGroupView.ofWorkerCounts(1, 2, 3);
        ReuseportSelector s = selector(v1, 1);
        select(s, v1, 0, 4);
        TestGroupView v2 = v1.next().leave("app1").workers("app3", 2).build();
        s.membershipChanged(v2);
        for (int i = 0; i < 10; i++) {
            int sel = s.select(v1, flow, 0);
            assertThat(v1.acceptsSlot(sel)).as("a selection still running on %s after the change to %s gave %s",
                    v1, v2, v1.describe(sel)).isTrue();
        }
        assertThat(select(s, v2, 0, 4)).as("selections on the new view %s go on as if the stale ones had not happened "
                + "(app2 had given w0 before the change, so w1 is next)", v2)
                .containsExactly("app2-w1", "app3-w2", "app2-w0", "app3-w2");
    }

    // ---------------------------------------------------------------------------------------
    // the compiled cycle against the plain two-level rotation

    /**
     * The policy as the class Javadoc states it, written the plain way: per thread an application
     * rotor and, per listen session, a worker position; a change restarts the application rotor
     * and keeps each staying member's position (a new member starts at 0; a position past the
     * member's workers restarts at 0 when the member is next chosen).
     */
    private static final class Reference {
        final int[] appRotor;
        final List<Map<Long, Integer>> positions = new ArrayList<>();

        Reference(int threads) {
            appRotor = new int[threads];
            for (int t = 0; t < threads; t++) {
                positions.add(new java.util.HashMap<>());
            }
        }

        void changed(TestGroupView v) {
            java.util.Arrays.fill(appRotor, 0);
            for (Map<Long, Integer> p : positions) {
                java.util.Set<Long> live = new java.util.HashSet<>();
                for (int m = 0; m < v.memberCount(); m++) {
                    live.add(v.member(m).listenSessionHandle());
                }
                p.keySet().retainAll(live);
            }
        }

        int select(TestGroupView v, int thread) {
            int m = appRotor[thread];
            appRotor[thread] = (m + 1) % v.memberCount();
            long h = v.member(m).listenSessionHandle();
            int w = v.memberWorkerCount(m);
            int k = positions.get(thread).getOrDefault(h, 0);
            if (k >= w) {
                k = 0;
            }
            positions.get(thread).put(h, (k + 1) % w);
            return v.memberFirstSlot(m) + k;
        }
    }

    @Test
    void theCompiledCycleGivesExactlyThePlainRotationThroughRandomChanges(TestInfo info) {
        long seed = TestSeed.seed(info);
        Random rnd = new Random(seed);
        for (int round = 0; round < 40; round++) {
            int threads = 1 + rnd.nextInt(3);
            // up to 12 members of up to 12 workers: cycles from 1 to far past MAX_CYCLE, so both forms
            TestGroupView v = TestGroupView.random(rnd, 12, 12);
            ReuseportSelector s = selector(v, threads);
            Reference ref = new Reference(threads);
            ref.changed(v);
            for (int change = 0; change < 30; change++) {
                // now and then enough choices that every thread passes its compiled run's end
                // (at least MIN_RUN choices) and starts it again
                int choices = rnd.nextInt(4) == 0 ? 3 * RoundRobinSelector.MIN_RUN + rnd.nextInt(400) : rnd.nextInt(60);
                for (int i = 0, n = choices; i < n; i++) {
                    int t = rnd.nextInt(threads);
                    int want = ref.select(v, t);
                    int got = s.select(v, flow, t);
                    assertThat(v.describe(got))
                            .as("round %d, change %d, choice %d on thread %d of %s (cycle %d); %s", round, change, i, t, v,
                                    RoundRobinSelector.cycleLength(starts(v)), TestSeed.replay(seed))
                            .isEqualTo(v.describe(want));
                }
                v = v.randomChange(rnd, 12, 12);
                s.membershipChanged(v);
                ref.changed(v);
            }
        }
    }

    @Test
    void theCycleLengthIsMembersTimesTheLcmOfTheirWorkers() {
        assertThat(RoundRobinSelector.cycleLength(starts(TestGroupView.ofWorkerCounts(1, 2, 3))))
                .as("the seed's 1, 2, 3 workers").isEqualTo(18);
        assertThat(RoundRobinSelector.cycleLength(starts(TestGroupView.ofWorkerCounts(4, 4, 4, 4, 4, 4, 4, 4))))
                .as("8 x 4").isEqualTo(32);
        assertThat(RoundRobinSelector.cycleLength(starts(TestGroupView.ofWorkerCounts(7, 8, 9, 11))))
                .as("7, 8, 9, 11 workers: past MAX_CYCLE, so the two rotors")
                .isGreaterThan(RoundRobinSelector.MAX_CYCLE);
    }

    private static int[] starts(TestGroupView v) {
        int[] start = new int[v.memberCount() + 1];
        for (int m = 0; m < v.memberCount(); m++) {
            start[m] = v.memberFirstSlot(m);
        }
        start[v.memberCount()] = v.workerCount();
        return start;
    }
}
