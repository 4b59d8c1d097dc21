package dev.hoststack.selector.hash;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.hoststack.api.JHash;
import dev.hoststack.api.spi.ReuseportGroupView;
import dev.hoststack.api.spi.ReuseportSelector;
import dev.hoststack.api.spi.TestFlow;
import dev.hoststack.api.spi.TestGroupView;
import dev.hoststack.api.spi.TestSeed;
import dev.hoststack.api.spi.TestSelectorContext;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;

/**
 * The {@code hash} policy: the kernel's {@code reciprocal_scale(inet_ehashfn(...), n)} over every
 * worker of every member, slots in (join order, worker index) order. Expected answers are
 * computed here from {@link JHash} and the members' worker lists, not from the view's slot
 * accessors.
 */
class HashSelectorTest {

    static final int LOCAL_IP4 = 0x0a000002; // 10.0.0.2
    static final long LOCAL_IP6_HI = 0x2001_0db8_0000_0000L;
    static final long LOCAL_IP6_LO = 2L; // 2001:db8::2
    static final int PORT = 80;

    private static ReuseportSelector selector(ReuseportGroupView g, int secret) {
        ReuseportSelector s = new HashSelectorProvider().create(TestSelectorContext.of(g, 4, secret));
        s.membershipChanged(g);
        return s;
    }

    /** The group's sockets as {@code app-wN}, in join order then worker order, from its member lists. */
    private static String[] slots(ReuseportGroupView g) {
        List<String> out = new ArrayList<>();
        for (int m = 0; m < g.memberCount(); m++) {
            for (int k = 0; k < g.member(m).workerCount(); k++) {
                out.add(g.member(m).appName() + "-w" + g.member(m).worker(k));
            }
        }
        return out.toArray(new String[0]);
    }

    /** What the kernel would choose for {@code flow}, as {@code app-wN}. */
    private static String expected(String[] slots, TestFlow f, int secret) {
        int h = f.isIp4()
                ? JHash.inetEhash(f.localIp4(), f.localPort(), f.remoteIp4(), f.remotePort(), secret)
                : JHash.inet6Ehash(f.localIp6Hi(), f.localIp6Lo(), f.localPort(), f.remoteIp6Hi(), f.remoteIp6Lo(),
                        f.remotePort(), secret);
        return slots[JHash.reciprocalScale(h, slots.length)];
    }

    private static TestFlow randomFlow(TestFlow f, Random rnd, boolean v4) {
        return v4
                ? f.setIp4(LOCAL_IP4, PORT, rnd.nextInt(), rnd.nextInt(0x10000))
                : f.setIp6(LOCAL_IP6_HI, LOCAL_IP6_LO, PORT, rnd.nextLong(), rnd.nextLong(), rnd.nextInt(0x10000));
    }

    @Test
    void aKnownFlowLandsWhereTheKernelFormulaSays() {
        // the vector file's row: jhash_3words(10.0.0.2, 10.0.0.1, 80 << 16 | 40000, 0) = 0x180f754c;
        // reciprocal_scale(0x180f754c, 6) = 0: slot 0 of the 1 + 2 + 3 example, app1-w0
        TestGroupView g = TestGroupView.ofWorkerCounts(1, 2, 3);
        int sel = selector(g, 0).select(g, TestFlow.ip4("10.0.0.2", 80, "10.0.0.1", 40000), 0);
        assertThat(g.describe(sel)).as("10.0.0.1:40000 -> 10.0.0.2:80, secret 0, on %s (hash 0x180f754c, slot 0 of 6)", g)
                .isEqualTo("app1-w0");
    }

    @Test
    void everyChoiceIsTheScaledJHashOverWorkerSlotsInJoinOrder(TestInfo info) {
        long seed = TestSeed.seed(info);
        Random rnd = new Random(seed);
        TestFlow f = new TestFlow();
        List<TestGroupView> groups = new ArrayList<>();
        groups.add(TestGroupView.ofWorkerCounts(1, 2, 3));
        // worker indices that are not 0..k-1: the answer is the worker's index, not its rank
        groups.add(TestGroupView.builder().member("a", 2).member("b", 1, 3).member("c", 0, 4, 5).build());
        for (int i = 0; i < 20; i++) {
            groups.add(TestGroupView.random(rnd, 64, 16));
        }
        for (TestGroupView g : groups) {
            int secret = rnd.nextInt();
            ReuseportSelector s = selector(g, secret);
            String[] slots = slots(g);
            for (int i = 0; i < 2_000; i++) {
                randomFlow(f, rnd, (i & 1) == 0);
                String want = expected(slots, f, secret);
                int got = s.select(g, f, rnd.nextInt(4));
                if (!g.describe(got).equals(want)) {
                    assertThat(g.describe(got))
                            .as("choice for %s with secret %08x on %s: slot reciprocal_scale(%s, %d); %s", f, secret, g,
                                    f.isIp4() ? "inetEhash" : "inet6Ehash", slots.length, TestSeed.replay(seed))
                            .isEqualTo(want);
                }
            }
        }
    }

    @Test
    void aFlowKeepsItsWorkerWhileMembershipIsUnchanged(TestInfo info) {
        long seed = TestSeed.seed(info);
        Random rnd = new Random(seed);
        TestGroupView g = TestGroupView.ofWorkerCounts(1, 2, 3);
        ReuseportSelector s = selector(g, 0x1234_5678);
        int n = 2_000;
        TestFlow[] flows = new TestFlow[n];
        int[] first = new int[n];
        for (int i = 0; i < n; i++) {
            flows[i] = randomFlow(new TestFlow(), rnd, rnd.nextBoolean());
            first[i] = s.select(g, flows[i], 0);
        }
        // again, in another order, from every data thread, with the same view re-announced
        s.membershipChanged(g);
        for (int round = 0; round < 5; round++) {
            for (int j = 0; j < n; j++) {
                int i = rnd.nextInt(n);
                int again = s.select(g, flows[i], rnd.nextInt(4));
                if (again != first[i]) {
                    assertThat(g.describe(again)).as("%s chosen again (round %d) on %s; first it went to %s; %s",
                            flows[i], round, g, g.describe(first[i]), TestSeed.replay(seed)).isEqualTo(g.describe(first[i]));
                }
            }
        }
    }

    @Test
    void anotherSecretSpreadsTheSameFlowsDifferently(TestInfo info) {
        long seed = TestSeed.seed(info);
        Random rnd = new Random(seed);
        TestGroupView g = TestGroupView.ofWorkerCounts(1, 2, 3);
        int secretA = rnd.nextInt();
        int secretB = secretA ^ (1 << rnd.nextInt(32)); // one bit apart
        ReuseportSelector a = selector(g, secretA);
        ReuseportSelector a2 = selector(g, secretA);
        ReuseportSelector b = selector(g, secretB);
        TestFlow f = new TestFlow();
        int n = 12_000;
        int differ = 0;
        for (int i = 0; i < n; i++) {
            randomFlow(f, rnd, (i & 1) == 0);
            int sa = a.select(g, f, 0);
            assertThat(a2.select(g, f, 1)).as("%s with the same secret %08x twice", f, secretA).isEqualTo(sa);
            if (b.select(g, f, 0) != sa) {
                differ++;
            }
        }
        // independent hashes over 6 slots disagree on 5/6 of flows
        assertThat((double) differ / n)
                .as("share of %d flows that secrets %08x and %08x send to different workers on %s (expected ~5/6); %s",
                        n, secretA, secretB, g, TestSeed.replay(seed))
                .isCloseTo(5.0 / 6, within(0.03));
    }

    @Test
    void ipv4FlowsSpreadEvenlyOverWorkersNotApplications(TestInfo info) {
        spreadsEvenly(info, true);
    }

    @Test
    void ipv6FlowsSpreadEvenlyOverWorkersNotApplications(TestInfo info) {
        spreadsEvenly(info, false);
    }

    /** 60,000 random flows over the 1 + 2 + 3 example: each worker within 5% of 1/6, app3 about 1/2. */
    private static void spreadsEvenly(TestInfo info, boolean v4) {
        long seed = TestSeed.seed(info);
        Random rnd = new Random(seed);
        TestGroupView g = TestGroupView.ofWorkerCounts(1, 2, 3);
        int secret = rnd.nextInt();
        ReuseportSelector s = selector(g, secret);
        int n = 60_000;
        int[][] perWorker = new int[3][3];
        TestFlow f = new TestFlow();
        for (int i = 0; i < n; i++) {
            int sel = s.select(g, randomFlow(f, rnd, v4), i & 3);
            perWorker[g.slotMember(sel)][g.slotWorker(sel)]++;
        }
        String family = v4 ? "IPv4" : "IPv6";
        for (int m = 0; m < 3; m++) {
            int appTotal = 0;
            for (int w = 0; w <= m; w++) {
                appTotal += perWorker[m][w];
                assertThat((double) perWorker[m][w] / n)
                        .as("share of %d random %s flows on app%d-w%d of %s, secret %08x (expected 1/6 within 5%%); %s",
                                n, family, m + 1, w, g, secret, TestSeed.replay(seed))
                        .isCloseTo(1.0 / 6, within(0.05 / 6));
            }
            assertThat((double) appTotal / n)
                    .as("share of app%d (%d of 6 workers) over %d %s flows: the kernel counts sockets, not applications; %s",
                            m + 1, m + 1, n, family, TestSeed.replay(seed))
                    .isCloseTo((m + 1) / 6.0, within(0.05 * (m + 1) / 6));
        }
    }

    @Test
    void aNewSelectorWithTheSameSecretOnAGroupOfTheSameShapeChoosesTheSame(TestInfo info) {
        long seed = TestSeed.seed(info);
        Random rnd = new Random(seed);
        int secret = rnd.nextInt();
        TestGroupView g1 = TestGroupView.ofWorkerCounts(1, 2, 3);
        // another group, endpoint, app names, app indices and handles; same shape
        TestGroupView g2 = TestGroupView.builder().index(9).endpoint("tcp://10.0.0.2/80")
                .member(40, "web", 9_000, 0)
                .member(41, "api", 9_001, 0, 1)
                .member(42, "db", 9_002, 0, 1, 2)
                .epoch(7)
                .build();
        ReuseportSelector s1 = selector(g1, secret);
        ReuseportSelector s2 = selector(g2, secret);
        TestFlow f = new TestFlow();
        for (int i = 0; i < 10_000; i++) {
            randomFlow(f, rnd, rnd.nextBoolean());
            int a = s1.select(g1, f, 0);
            int b = s2.select(g2, f, 3);
            if (a != b) {
                assertThat(g2.slotMember(b) + "/" + g2.slotWorker(b))
                        .as("(member/worker) for %s with secret %08x: a new selector on %s vs the first on %s; %s",
                                f, secret, g2, g1, TestSeed.replay(seed))
                        .isEqualTo(g1.slotMember(a) + "/" + g1.slotWorker(a));
            }
        }
    }

    @Test
    void aJoinRescalesOverTheNewWorkerCount(TestInfo info) {
        long seed = TestSeed.seed(info);
        Random rnd = new Random(seed);
        int secret = rnd.nextInt();
        TestGroupView v1 = TestGroupView.ofWorkerCounts(1, 2, 3);
        TestGroupView v2 = v1.next().member("app4", 0, 1).build();
        ReuseportSelector s = selector(v1, secret);
        s.membershipChanged(v2);
        String[] slots = slots(v2);
        TestFlow f = new TestFlow();
        int moved = 0;
        int n = 6_000;
        for (int i = 0; i < n; i++) {
            randomFlow(f, rnd, rnd.nextBoolean());
            int got = s.select(v2, f, 0);
            assertThat(v2.describe(got)).as("%s after app4 joined: reciprocal_scale over %d workers; %s", f, slots.length,
                    TestSeed.replay(seed)).isEqualTo(expected(slots, f, secret));
            if (!v2.describe(got).equals(expected(slots(v1), f, secret))) {
                moved++;
            }
        }
        // like the kernel, no consistent hashing: going from 6 to 8 slots remaps many flows
        assertThat((double) moved / n).as("share of flows remapped by a join from 6 to 8 workers; %s", TestSeed.replay(seed))
                .isGreaterThan(0.25);
    }
}
