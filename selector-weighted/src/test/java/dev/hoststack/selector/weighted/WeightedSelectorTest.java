package dev.hoststack.selector.weighted;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hoststack.api.spi.ReuseportSelector;
import dev.hoststack.api.spi.TestFlow;
import dev.hoststack.api.spi.TestGroupView;
import dev.hoststack.api.spi.TestSeed;
import dev.hoststack.api.spi.TestSelectorContext;
import dev.hoststack.selector.roundrobin.RoundRobinSelectorProvider;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;

/**
 * {@code weighted} as its Javadoc states it: nginx's smooth sequence (5, 1, 1 gives a, a, b, a,
 * c, a, a), exact shares per period, with every weight 1 exactly {@code roundrobin}'s order
 * (through joins, leaves and changes of workers), the per-pick path equal to the table.
 */
class WeightedSelectorTest {

    private final TestFlow flow = TestFlow.ip4("10.0.0.2", 80, "10.0.0.1", 40000);

    private static ReuseportSelector weighted(TestGroupView g, int threads) {
        ReuseportSelector s = new WeightedSelectorProvider().create(TestSelectorContext.of(g, threads, 0));
        s.membershipChanged(g);
        return s;
    }

    private List<String> select(ReuseportSelector s, TestGroupView g, int thread, int n) {
        List<String> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            out.add(g.describe(s.select(g, flow, thread)));
        }
        return out;
    }

    @Test
    void nginxsExampleFiveOneOne() {
        assertThat(SmoothWeightedRoundRobin.sequence(new int[] {5, 1, 1})).as("nginx: a, a, b, a, c, a, a")
                .containsExactly(0, 0, 1, 0, 2, 0, 0);
        assertThat(SmoothWeightedRoundRobin.sequence(new int[] {3, 1, 1})).containsExactly(0, 1, 0, 2, 0);
        assertThat(SmoothWeightedRoundRobin.sequence(new int[] {1, 1, 1})).as("equal weights: member order")
                .containsExactly(0, 1, 2);
        assertThat(SmoothWeightedRoundRobin.sequence(new int[] {4, 2, 2})).as("scaled by the gcd: the same sequence")
                .containsExactly(SmoothWeightedRoundRobin.sequence(new int[] {2, 1, 1}));
        assertThat(SmoothWeightedRoundRobin.period(new int[] {256, 255})).isEqualTo(511);
        assertThatThrownBy(() -> SmoothWeightedRoundRobin.sequence(new int[0])).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> SmoothWeightedRoundRobin.sequence(new int[] {1, 0}))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("weight 0 of member 1");
    }

    @Test
    void weightsThreeOneOneGiveExactlyThreeOneOneInEveryFive() {
        TestGroupView g = TestGroupView.builder().member("a", 0, 1).member("b", 0).member("c", 0, 1, 2)
                .weight("a", 3).build();
        ReuseportSelector s = weighted(g, 1);
        List<String> got = select(s, g, 0, 500);
        assertThat(got.subList(0, 10)).as("spread, not a burst; a's and c's workers in turn")
                .containsExactly("a-w0", "b-w0", "a-w1", "c-w0", "a-w0", "a-w1", "b-w0", "a-w0", "c-w1", "a-w1");
        for (int from = 0; from < 500; from += 5) {
            List<String> five = got.subList(from, from + 5);
            assertThat(five.stream().filter(x -> x.startsWith("a-")).count()).as("a in picks %d..%d", from, from + 4).isEqualTo(3);
            assertThat(five.stream().filter(x -> x.startsWith("b-")).count()).as("b in picks %d..%d", from, from + 4).isEqualTo(1);
        }
    }

    @Test
    void withEveryWeightOneItIsExactlyRoundRobinThroughChanges(TestInfo info) {
        long seed = TestSeed.seed(info);
        Random rnd = new Random(seed);
        for (int round = 0; round < 100; round++) {
            TestGroupView g = TestGroupView.ofWorkerCounts(1 + rnd.nextInt(3), 1 + rnd.nextInt(4), 1 + rnd.nextInt(5));
            ReuseportSelector w = weighted(g, 3);
            ReuseportSelector rr = new RoundRobinSelectorProvider().create(TestSelectorContext.of(g, 3, 0));
            rr.membershipChanged(g);
            for (int epoch = 0; epoch < 6; epoch++) {
                if (epoch > 0) {
                    TestGroupView.Builder b = g.next();
                    int kind = rnd.nextInt(3);
                    String someone = g.member(rnd.nextInt(g.memberCount())).appName();
                    if (kind == 0 || g.memberCount() == 1) {
                        b.member("new" + round + "x" + epoch, TestGroupView.range(1 + rnd.nextInt(4)));
                    } else if (kind == 1) {
                        b.leave(someone);
                    } else {
                        b.workers(someone, TestGroupView.range(1 + rnd.nextInt(4)));
                    }
                    g = b.build();
                    w.membershipChanged(g);
                    rr.membershipChanged(g);
                }
                for (int t = 0; t < 3; t++) {
                    int n = rnd.nextInt(40);
                    assertThat(select(w, g, t, n)).as("thread %d, %d picks on %s; %s", t, n, g, TestSeed.replay(seed))
                            .containsExactlyElementsOf(select(rr, g, t, n));
                }
            }
        }
    }

    @Test
    void theSeedsOrderWithEveryWeightOne() {
        TestGroupView g = TestGroupView.ofWorkerCounts(1, 2, 3);
        assertThat(select(weighted(g, 1), g, 0, 9)).containsExactly(
                "app1-w0", "app2-w0", "app3-w0", "app1-w0", "app2-w1", "app3-w1", "app1-w0", "app2-w0", "app3-w2");
    }

    @Test
    void eachThreadFollowsTheOrderOnItsOwn() {
        TestGroupView g = TestGroupView.builder().member("a", 0).member("b", 0).weight("a", 2).build();
        ReuseportSelector s = weighted(g, 2);
        List<String> t0 = new ArrayList<>();
        List<String> t1 = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            t0.add(g.describe(s.select(g, flow, 0)));
            if (i % 2 == 0) {
                t1.add(g.describe(s.select(g, flow, 1)));
            }
        }
        assertThat(t0).containsExactly("a-w0", "b-w0", "a-w0", "a-w0", "b-w0", "a-w0");
        assertThat(t1).as("thread 1, interleaved with thread 0").containsExactly("a-w0", "b-w0", "a-w0");
    }

    @Test
    void thePerPickPathGivesTheSameOrderAsTheTable(TestInfo info) {
        long seed = TestSeed.seed(info);
        Random rnd = new Random(seed);
        for (int round = 0; round < 50; round++) {
            TestGroupView g = TestGroupView.random(rnd, 12, 3);
            ReuseportSelector table = new WeightedSelector(1);
            ReuseportSelector perPick = new WeightedSelector(1, 1);
            table.membershipChanged(g);
            perPick.membershipChanged(g);
            int n = 3 * (int) Math.min(2_000, SmoothWeightedRoundRobin.period(weights(g)));
            assertThat(select(perPick, g, 0, n)).as("%d picks on %s; %s", n, g, TestSeed.replay(seed))
                    .containsExactlyElementsOf(select(table, g, 0, n));
        }
    }

    @Test
    void sharesFollowTheWeightsOverAPeriod(TestInfo info) {
        long seed = TestSeed.seed(info);
        Random rnd = new Random(seed);
        for (int round = 0; round < 50; round++) {
            TestGroupView g = TestGroupView.random(rnd, 10, 3);
            int[] w = weights(g);
            long period = SmoothWeightedRoundRobin.period(w);
            ReuseportSelector s = weighted(g, 1);
            long[] got = new long[g.memberCount()];
            for (long i = 0; i < 2 * period; i++) {
                got[g.slotMember(s.select(g, flow, 0))]++;
            }
            long total = 0;
            for (int x : w) {
                total += x;
            }
            for (int m = 0; m < got.length; m++) {
                assertThat(got[m]).as("picks of member %d (weight %d) in two periods of %s; %s", m, w[m], g, TestSeed.replay(seed))
                        .isEqualTo(2 * period * w[m] / total);
            }
        }
    }

    private static int[] weights(TestGroupView g) {
        int[] w = new int[g.memberCount()];
        for (int m = 0; m < w.length; m++) {
            w[m] = g.memberWeight(m);
        }
        return w;
    }
}
