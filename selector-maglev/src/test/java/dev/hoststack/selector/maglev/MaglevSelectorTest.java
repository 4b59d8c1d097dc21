package dev.hoststack.selector.maglev;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hoststack.api.JHash;
import dev.hoststack.api.spi.ReuseportSelector;
import dev.hoststack.api.spi.TestFlow;
import dev.hoststack.api.spi.TestGroupView;
import dev.hoststack.api.spi.TestSelectorContext;
import java.math.BigInteger;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * {@code maglev} as the paper and its Javadoc state it: M/N entries each, give or take one; a
 * flow keeps its worker; when one of ten members leaves, only a few percent of the others' flows
 * move, against about a fifth for the kernel's range partition; the table can be rebuilt outside
 * the selector and gives the same answers.
 */
class MaglevSelectorTest {

    private static final int SECRET = 0x5eed;

    private static MaglevSelector selector(TestGroupView g) {
        MaglevSelector s = (MaglevSelector) new MaglevSelectorProvider().create(TestSelectorContext.of(g, 2, SECRET));
        s.membershipChanged(g);
        return s;
    }

    @Test
    void eachBackendGetsItsShareOfEntriesGiveOrTakeOne() {
        for (int n : new int[] {1, 2, 3, 6, 10, 100, 655}) {
            long[] names = new long[n];
            for (int i = 0; i < n; i++) {
                names[i] = MaglevTable.name("app" + i, 0);
            }
            int[] table = MaglevTable.build(names, MaglevTable.DEFAULT_SIZE);
            int[] count = new int[n];
            for (int e : table) {
                count[e]++;
            }
            int lo = MaglevTable.DEFAULT_SIZE / n;
            for (int i = 0; i < n; i++) {
                assertThat(count[i]).as("entries of backend %d of %d in 65,537", i, n).isBetween(lo, lo + 1);
            }
        }
    }

    @Test
    void tableSizesArePrimesWithAHundredEntriesPerBackend() {
        assertThat(MaglevTable.sizeFor(1)).isEqualTo(65_537);
        assertThat(MaglevTable.sizeFor(655)).isEqualTo(65_537);
        int[] sizes = {MaglevTable.sizeFor(656), MaglevTable.sizeFor(10_000), MaglevTable.sizeFor(1_000_000)};
        assertThat(sizes).containsExactly(262_147, 1_048_583, 4_194_319);
        for (int m : sizes) {
            assertThat(BigInteger.valueOf(m).isProbablePrime(64)).as("%d is prime", m).isTrue();
        }
        assertThatThrownBy(() -> MaglevTable.build(new long[] {1, 2}, 65_536)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("prime");
        assertThatThrownBy(() -> MaglevTable.build(new long[] {7, 7}, 13)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("share the name");
        assertThatThrownBy(() -> MaglevTable.build(new long[] {1, 2, 3}, 2)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void theSelectorAnswersWhatTheTableBuiltOutsideItSays() {
        TestGroupView g = TestGroupView.ofWorkerCounts(1, 2, 3);
        MaglevSelector s = selector(g);
        long[] names = new long[g.workerCount()];
        for (int slot = 0; slot < names.length; slot++) {
            names[slot] = MaglevTable.name(g.member(g.slotMember(slot)).appName(), g.slotWorker(slot));
        }
        int[] table = MaglevTable.build(names, MaglevTable.sizeFor(names.length));
        assertThat(s.table()).isEqualTo(table);
        Random rnd = new Random(2);
        TestFlow f = new TestFlow();
        for (int i = 0; i < 10_000; i++) {
            f.setRandom(rnd, rnd.nextBoolean(), 80);
            assertThat(s.select(g, f, i & 1)).as("flow %s", f)
                    .isEqualTo(table[JHash.reciprocalScale(JHash.flowHash(f, SECRET), table.length)]);
        }
    }

    @Test
    void sharesArePerWorkerAsTheKernelCountsSockets() {
        TestGroupView g = TestGroupView.ofWorkerCounts(1, 2, 3);
        ReuseportSelector s = selector(g);
        Random rnd = new Random(4);
        TestFlow f = new TestFlow();
        int[] n = new int[6];
        for (int i = 0; i < 60_000; i++) {
            n[s.select(g, f.setRandom(rnd, true, 80), 0)]++;
        }
        for (int slot = 0; slot < 6; slot++) {
            assertThat(n[slot]).as("flows of %s of 60,000 (1/6 = 10,000 +- 5%%)", g.describe(slot)).isBetween(9_500, 10_500);
        }
    }

    @Test
    void aWeightChangeKeepsTheTable() {
        TestGroupView g = TestGroupView.ofWorkerCounts(1, 2, 3);
        MaglevSelector s = selector(g);
        int[] before = s.table();
        s.membershipChanged(g.next().weight("app2", 7).build());
        assertThat(s.table()).isEqualTo(before);
    }

    /**
     * The property: ten members of one worker each; each leaves in turn (the others stay
     * in join order, as the stack keeps them); of the flows that were on the other nine, how many
     * now go elsewhere. Maglev: well under one percent here. The kernel's range partition: about a
     * fifth when a member from the middle leaves (app5, app6), more the nearer the ends (44 % for
     * app1 or app10: every range after or before it shifts), about 30 % averaged over who leaves.
     */
    @Test
    void whenOneOfTenLeavesMaglevMovesAFewPercentOfTheOthersFlowsAndHashAboutAFifth() {
        TestGroupView all = TestGroupView.ofWorkerCounts(1, 1, 1, 1, 1, 1, 1, 1, 1, 1);
        Random rnd = new Random(10);
        TestFlow[] flows = new TestFlow[50_000];
        for (int i = 0; i < flows.length; i++) {
            flows[i] = new TestFlow().setRandom(rnd, true, 80);
        }
        double maglevSum = 0;
        double hashSum = 0;
        double maglevMax = 0;
        double hashMiddle = 0;
        for (int leaving = 1; leaving <= 10; leaving++) {
            TestGroupView after = all.next().leave("app" + leaving).build();
            MaglevSelector s = selector(all);
            String[] before = new String[flows.length];
            String[] hashBefore = new String[flows.length];
            for (int i = 0; i < flows.length; i++) {
                before[i] = all.describe(s.select(all, flows[i], 0));
                hashBefore[i] = all.describe(JHash.reciprocalScale(JHash.flowHash(flows[i], SECRET), all.workerCount()));
            }
            s.membershipChanged(after);
            int others = 0;
            int moved = 0;
            int hashOthers = 0;
            int hashMoved = 0;
            for (int i = 0; i < flows.length; i++) {
                if (!before[i].startsWith("app" + leaving + "-")) {
                    others++;
                    moved += before[i].equals(after.describe(s.select(after, flows[i], 0))) ? 0 : 1;
                }
                if (!hashBefore[i].startsWith("app" + leaving + "-")) {
                    hashOthers++;
                    String now = after.describe(JHash.reciprocalScale(JHash.flowHash(flows[i], SECRET), after.workerCount()));
                    hashMoved += hashBefore[i].equals(now) ? 0 : 1;
                }
            }
            double m = (double) moved / others;
            double h = (double) hashMoved / hashOthers;
            System.out.printf("app%d leaves: maglev moves %.2f %% of the others' flows, hash %.2f %%%n", leaving, 100 * m, 100 * h);
            assertThat(m).as("maglev: fraction of the other nine's flows moved when app%d leaves", leaving).isLessThan(0.03);
            maglevSum += m;
            hashSum += h;
            maglevMax = Math.max(maglevMax, m);
            if (leaving == 5 || leaving == 6) {
                hashMiddle += h / 2;
            }
        }
        System.out.printf("mean: maglev %.2f %%, hash %.2f %%%n", 10 * maglevSum, 10 * hashSum);
        assertThat(hashMiddle).as("hash: fraction of the others' flows moved when app5 or app6 leaves").isBetween(0.17, 0.23);
        assertThat(hashSum / 10).as("hash: mean fraction of the others' flows moved, over who leaves").isBetween(0.25, 0.35);
        assertThat(maglevSum / 10).as("maglev's mean, well under hash's").isLessThan(hashSum / 40);
    }
}
