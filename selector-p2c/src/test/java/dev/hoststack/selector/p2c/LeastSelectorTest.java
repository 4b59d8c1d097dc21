package dev.hoststack.selector.p2c;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hoststack.api.spi.ReuseportSelector;
import dev.hoststack.api.spi.TestFlow;
import dev.hoststack.api.spi.TestGroupView;
import dev.hoststack.api.spi.TestSelectorContext;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** {@code least}: the exact minimum of (congested, pending, established); ties in turn. */
class LeastSelectorTest {

    private final TestFlow flow = TestFlow.ip4("10.0.0.2", 80, "10.0.0.1", 40000);

    private static ReuseportSelector selector(TestGroupView g) {
        ReuseportSelector s = new LeastSelectorProvider().create(TestSelectorContext.of(g, 2, 0));
        s.membershipChanged(g);
        return s;
    }

    @Test
    void answersTheExactLeastLoadedWorker() {
        Random rnd = new Random(1);
        for (int round = 0; round < 500; round++) {
            TestGroupView g = TestGroupView.random(rnd, 8, 4).randomLoads(rnd, 4);
            ReuseportSelector s = selector(g);
            int got = s.select(g, flow, round & 1);
            for (int slot = 0; slot < g.workerCount(); slot++) {
                assertThat(Loads.lessLoaded(g, slot, got)).as("%s is less loaded than the answer %s in %s", g.describe(slot),
                        g.describe(got), g).isFalse();
            }
        }
    }

    @Test
    void equalWorkersTakeTurns() {
        TestGroupView g = TestGroupView.ofWorkerCounts(1, 2, 3);
        ReuseportSelector s = selector(g);
        int[] n = new int[6];
        for (int i = 0; i < 600; i++) {
            n[s.select(g, flow, 0)]++;
        }
        assertThat(n).as("600 selections over six idle workers").containsOnly(100);
    }

    @Test
    void fillsTheEmptiestFirstAsLoadArrives() {
        TestGroupView g = TestGroupView.ofWorkerCounts(3);
        g.load(0, 4, 0, false).load(1, 1, 0, false).load(2, 0, 0, false);
        ReuseportSelector s = selector(g);
        int[] order = new int[5];
        for (int i = 0; i < order.length; i++) {
            int slot = s.select(g, flow, 0);
            order[i] = slot;
            g.load(slot, g.slotPending(slot) + 1, 0, false);
        }
        assertThat(order).as("pending 4, 1, 0: slot 2, then 1 and 2 in turn, until both reach 3").containsExactly(2, 1, 2, 1, 2);
        assertThat(new int[] {g.slotPending(0), g.slotPending(1), g.slotPending(2)}).containsExactly(4, 3, 3);
    }

    @Test
    void reselectAnswersTheLeastLoadedOfTheOthers() {
        TestGroupView g = TestGroupView.ofWorkerCounts(3);
        g.load(0, 0, 0, true).load(1, 2, 0, false).load(2, 1, 0, false);
        ReuseportSelector s = selector(g);
        assertThat(s.select(g, flow, 0)).as("slot 0 is congested").isEqualTo(2);
        assertThat(s.reselect(g, flow, 0, 2, 1)).as("2 rejected: 1 is less loaded than congested 0").isEqualTo(1);
    }
}
