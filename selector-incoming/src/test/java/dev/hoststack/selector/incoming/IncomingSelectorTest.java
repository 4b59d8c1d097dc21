package dev.hoststack.selector.incoming;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hoststack.api.spi.ReuseportSelector;
import dev.hoststack.api.spi.TestFlow;
import dev.hoststack.api.spi.TestGroupView;
import dev.hoststack.api.spi.TestSelectorContext;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * {@code incoming}: data thread k's connections go to worker k (mod the member's workers) of each
 * member in turn; a congested own worker falls back to the member's round robin.
 */
class IncomingSelectorTest {

    private final TestFlow flow = TestFlow.ip4("10.0.0.2", 80, "10.0.0.1", 40000);

    private static ReuseportSelector selector(TestGroupView g, int threads) {
        ReuseportSelector s = new IncomingSelectorProvider().create(TestSelectorContext.of(g, threads, 0));
        s.membershipChanged(g);
        return s;
    }

    private List<String> select(ReuseportSelector s, TestGroupView g, int thread, int n) {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(g.describe(s.select(g, flow, thread)));
        }
        return out;
    }

    @Test
    void threadKKeepsItsConnectionsOnWorkerK() {
        TestGroupView g = TestGroupView.ofWorkerCounts(4, 4, 4);
        ReuseportSelector s = selector(g, 4);
        for (int round = 0; round < 3; round++) {
            for (int t = 0; t < 4; t++) {
                assertThat(select(s, g, t, 6)).as("thread %d, round %d", t, round)
                        .containsExactly("app1-w" + t, "app2-w" + t, "app3-w" + t, "app1-w" + t, "app2-w" + t, "app3-w" + t);
            }
        }
    }

    @Test
    void fewerWorkersThanThreadsWrap() {
        TestGroupView g = TestGroupView.ofWorkerCounts(1, 2, 3);
        ReuseportSelector s = selector(g, 4);
        assertThat(select(s, g, 0, 3)).containsExactly("app1-w0", "app2-w0", "app3-w0");
        assertThat(select(s, g, 1, 3)).containsExactly("app1-w0", "app2-w1", "app3-w1");
        assertThat(select(s, g, 2, 3)).containsExactly("app1-w0", "app2-w0", "app3-w2");
        assertThat(select(s, g, 3, 3)).as("3 mod 3 = 0").containsExactly("app1-w0", "app2-w1", "app3-w0");
    }

    @Test
    void aCongestedOwnWorkerFallsBackToTheMembersRoundRobin() {
        TestGroupView g = TestGroupView.ofWorkerCounts(3);
        ReuseportSelector s = selector(g, 2);
        g.load(1, 0, 0, true);
        assertThat(select(s, g, 1, 4)).as("thread 1's own worker 1 is congested: round robin over app1's workers")
                .containsExactly("app1-w0", "app1-w1", "app1-w2", "app1-w0");
        assertThat(select(s, g, 0, 2)).as("thread 0's own worker is not").containsExactly("app1-w0", "app1-w0");
        g.load(1, 0, 0, false);
        assertThat(select(s, g, 1, 2)).as("thread 1 again, its worker free").containsExactly("app1-w1", "app1-w1");
    }

    @Test
    void reselectGoesRoundTheRejectedMembersWorkers() {
        TestGroupView g = TestGroupView.ofWorkerCounts(1, 3);
        ReuseportSelector s = selector(g, 2);
        int own = s.select(g, flow, 0);
        assertThat(g.describe(own)).isEqualTo("app1-w0");
        assertThat(g.describe(s.reselect(g, flow, 0, own, 1))).as("app1 has one worker: app2's next").isEqualTo("app2-w0");
        int app2 = g.slot("app2", 1);
        assertThat(g.describe(s.reselect(g, flow, 0, app2, 1))).as("app2-w1 rejected: app2's rotation goes on, past it")
                .isEqualTo("app2-w2");
        assertThat(g.describe(s.reselect(g, flow, 0, app2, 2))).isEqualTo("app2-w0");
    }

    @Test
    void aChangeRestartsTheMemberRotationAndKeepsTheThreadsWorkers() {
        TestGroupView g = TestGroupView.ofWorkerCounts(2, 2);
        ReuseportSelector s = selector(g, 2);
        select(s, g, 1, 1);
        TestGroupView h = g.next().member("app3", 0, 1, 2).build();
        s.membershipChanged(h);
        assertThat(select(s, h, 1, 3)).containsExactly("app1-w1", "app2-w1", "app3-w1");
    }
}
