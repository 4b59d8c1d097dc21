package dev.hoststack.selector.p2c;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hoststack.api.spi.ReuseportSelector;
import dev.hoststack.api.spi.TestFlow;
import dev.hoststack.api.spi.TestGroupView;
import dev.hoststack.api.spi.TestSelectorContext;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * {@code p2c} as its Javadoc states it: the less loaded of two distinct random slots, congested
 * last; seeded per-thread draws; Mitzenmacher's result on balls into bins; a worker that stops
 * taking connections soon stops being chosen.
 */
class P2cSelectorTest {

    private final TestFlow flow = TestFlow.ip4("10.0.0.2", 80, "10.0.0.1", 40000);

    private static ReuseportSelector selector(TestGroupView g, int threads, int secret) {
        ReuseportSelector s = new P2cSelectorProvider().create(TestSelectorContext.of(g, threads, secret));
        s.membershipChanged(g);
        return s;
    }

    @Test
    void equalLoadsGiveEveryWorkerAnEqualShare() {
        TestGroupView g = TestGroupView.ofWorkerCounts(1, 2, 3);
        ReuseportSelector s = selector(g, 1, 7);
        int[] n = new int[g.workerCount()];
        for (int i = 0; i < 60_000; i++) {
            n[s.select(g, flow, 0)]++;
        }
        for (int slot = 0; slot < n.length; slot++) {
            assertThat(n[slot]).as("selections of %s of 60,000 with every load 0 (1/6 = 10,000 +- 5%%)", g.describe(slot))
                    .isBetween(9_500, 10_500);
        }
    }

    @Test
    void theMostLoadedWorkerIsNeverChosenAndACongestedOneOnlyWhenAllAre() {
        TestGroupView g = TestGroupView.ofWorkerCounts(1, 2, 3);
        ReuseportSelector s = selector(g, 1, 7);
        g.load(4, 5, 0, false);
        for (int i = 0; i < 10_000; i++) {
            assertThat(s.select(g, flow, 0)).as("draw %d: slot 4 has 5 pending, the others 0", i).isNotEqualTo(4);
        }
        g.load(4, 0, 0, false).load(2, 0, 0, true);
        for (int i = 0; i < 10_000; i++) {
            assertThat(s.select(g, flow, 0)).as("draw %d: slot 2 is congested", i).isNotEqualTo(2);
        }
        for (int slot = 0; slot < g.workerCount(); slot++) {
            g.load(slot, slot == 3 ? 0 : 9, 0, slot != 3);
        }
        int three = 0;
        for (int i = 0; i < 10_000; i++) {
            three += s.select(g, flow, 0) == 3 ? 1 : 0;
        }
        assertThat(three).as("slot 3, the only one not congested, wins every pair it is in: 2 pairs in 6 (1/3 of 10,000)")
                .isBetween(3_000, 3_700);
    }

    @Test
    void theSameSecretAndGroupGiveTheSameDrawsPerThread() {
        TestGroupView g = TestGroupView.random(new Random(3), 16, 4);
        ReuseportSelector a = selector(g, 2, 42);
        ReuseportSelector b = selector(g, 2, 42);
        ReuseportSelector other = selector(g, 2, 43);
        ReuseportSelector c = selector(g, 2, 42);
        int same = 0;
        int differs = 0;
        for (int i = 0; i < 1_000; i++) {
            int x = a.select(g, flow, i & 1);
            assertThat(b.select(g, flow, i & 1)).as("draw %d of two selectors of one secret and group", i).isEqualTo(x);
            same += other.select(g, flow, i & 1) == x ? 1 : 0;
            differs += c.select(g, flow, 0) != c.select(g, flow, 1) ? 1 : 0;
        }
        assertThat(same).as("another secret draws otherwise (agreeing about 1 in %d)", g.workerCount()).isLessThan(300);
        assertThat(differs).as("threads 0 and 1 draw from their own generators").isGreaterThan(500);
    }

    @Test
    void reselectNeverAnswersTheRejectedSlot() {
        Random rnd = new Random(11);
        for (int round = 0; round < 200; round++) {
            TestGroupView g = TestGroupView.random(rnd, 8, 4).randomLoads(rnd, 5);
            ReuseportSelector s = selector(g, 1, round);
            if (g.workerCount() < 2) {
                continue;
            }
            for (int i = 0; i < 50; i++) {
                int rejected = rnd.nextInt(g.workerCount());
                int next = s.reselect(g, flow, 0, rejected, 1);
                assertThat(next).as("reselect after %s in %s", g.describe(rejected), g).isNotEqualTo(rejected)
                        .isBetween(0, g.workerCount() - 1);
            }
        }
    }

    @Test
    void twoChoicesKeepTheMostLoadedBinNearTheMeanWhereOneChoiceDoesNot() {
        // 64 bins, 64 x 100 balls that stay: Mitzenmacher's max - mean is log log n / log 2 + O(1)
        // for two choices, about sqrt(2 * mean * ln n) ~ 29 for one uniform choice
        TestGroupView g = TestGroupView.ofWorkerCounts(ones(64));
        ReuseportSelector s = selector(g, 1, 5);
        Random uniform = new Random(5);
        int[] one = new int[64];
        for (int i = 0; i < 6_400; i++) {
            int slot = s.select(g, flow, 0);
            g.load(slot, g.slotPending(slot) + 1, 0, false);
            one[uniform.nextInt(64)]++;
        }
        int maxTwo = 0;
        int maxOne = 0;
        for (int slot = 0; slot < 64; slot++) {
            maxTwo = Math.max(maxTwo, g.slotPending(slot));
            maxOne = Math.max(maxOne, one[slot]);
        }
        assertThat(maxTwo - 100).as("two choices: most loaded bin over the mean of 100").isLessThanOrEqualTo(4);
        assertThat(maxOne - 100).as("one uniform choice (same count, for comparison): most loaded bin over the mean")
                .isGreaterThanOrEqualTo(12);
    }

    @Test
    void aWorkerThatStopsTakingConnectionsSoonStopsBeingChosen() {
        // four SYNs per tick, six workers each taking one pending connection per tick; at tick 100
        // app3-w2 stops taking any. Its pending rises only while it is the lesser of its pair.
        TestGroupView g = TestGroupView.ofWorkerCounts(1, 2, 3);
        ReuseportSelector s = selector(g, 1, 9);
        int stopped = g.slot("app3", 2);
        int chosenAfterStop = 0;
        for (int tick = 0; tick < 1_100; tick++) {
            for (int k = 0; k < 4; k++) {
                int slot = s.select(g, flow, 0);
                g.load(slot, g.slotPending(slot) + 1, 0, false);
                if (tick >= 100 && slot == stopped) {
                    chosenAfterStop++;
                }
            }
            for (int slot = 0; slot < g.workerCount(); slot++) {
                if (g.slotPending(slot) > 0 && (slot != stopped || tick < 100)) {
                    g.load(slot, g.slotPending(slot) - 1, 0, false);
                }
            }
        }
        // it is chosen only when drawn with a worker at least as loaded: the others peak at a few
        // pending within a tick (four SYNs land before they take one each), so it stops there;
        // one uniform choice would have given it a sixth of the 4,000 SYNs
        assertThat(g.slotPending(stopped)).as("pending of the stopped worker after 1,000 ticks (4,000 SYNs)")
                .isEqualTo(chosenAfterStop).isLessThanOrEqualTo(8);
        for (int slot = 0; slot < g.workerCount(); slot++) {
            if (slot != stopped) {
                assertThat(g.slotPending(slot)).as("pending of %s, still draining", g.describe(slot)).isLessThanOrEqualTo(2);
            }
        }
    }

    private static int[] ones(int n) {
        int[] r = new int[n];
        java.util.Arrays.fill(r, 1);
        return r;
    }
}
