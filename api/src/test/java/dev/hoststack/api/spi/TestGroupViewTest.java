package dev.hoststack.api.spi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The fixtures themselves: slot order, epochs, member identity across views, {@link TestFlow}. */
class TestGroupViewTest {

    @Test
    void slotsAreInJoinOrderThenWorkerOrder() {
        TestGroupView g = TestGroupView.builder().member("a", 2).member("b", 1, 3).member("c", 0, 4, 5).build();
        List<String> slots = new ArrayList<>();
        for (int s = 0; s < g.workerCount(); s++) {
            slots.add(g.member(g.slotMember(s)).appName() + "-w" + g.slotWorker(s));
        }
        assertThat(slots).as("slots of %s", g).containsExactly("a-w2", "b-w1", "b-w3", "c-w0", "c-w4", "c-w5");
        assertThat(g.epoch()).as("epoch of a new group's first view").isEqualTo(1);
        assertThat(g.endpoint().toUri()).as("default endpoint").isEqualTo(TestGroupView.DEFAULT_ENDPOINT);
        assertThat(g.member(1).position()).as("position of the second member").isEqualTo(1);
    }

    @Test
    void nextKeepsMembersIdentityAndBumpsTheEpoch() {
        TestGroupView v1 = TestGroupView.ofWorkerCounts(1, 2, 3);
        TestGroupView v2 = v1.next().leave("app1").member("app4", 0).build();
        assertThat(v2.epoch()).as("epoch after one change").isEqualTo(2);
        assertThat(v2.memberCount()).as("members of %s", v2).isEqualTo(3);
        assertThat(v2.member(0).listenSessionHandle()).as("app2 keeps its listen session handle")
                .isEqualTo(v1.member(1).listenSessionHandle());
        assertThat(v2.member(0).position()).as("app2's new position").isZero();
        TestGroupView v3 = v2.next().leave("app2").member("app2", 0, 1).build();
        assertThat(v3.member(v3.position("app2")).listenSessionHandle())
                .as("app2 leaving and joining again is a new listen session")
                .isNotEqualTo(v1.member(1).listenSessionHandle());
        assertThat(v3.position("app2")).as("a rejoining member goes last").isEqualTo(2);
    }

    @Test
    void membersOwnContiguousSlots() {
        TestGroupView g = TestGroupView.builder().member("a", 2).member("b", 1, 3).member("c", 0, 4, 5).build();
        assertThat(new int[] {g.memberFirstSlot(0), g.memberFirstSlot(1), g.memberFirstSlot(2)})
                .as("first slots of %s", g).containsExactly(0, 1, 3);
        assertThat(new int[] {g.memberWorkerCount(0), g.memberWorkerCount(1), g.memberWorkerCount(2)})
                .as("slots per member of %s", g).containsExactly(1, 2, 3);
        for (int m = 0; m < g.memberCount(); m++) {
            assertThat(g.member(m).firstSlot()).as("member %d's firstSlot()", m).isEqualTo(g.memberFirstSlot(m));
            for (int k = 0; k < g.memberWorkerCount(m); k++) {
                int slot = g.memberFirstSlot(m) + k;
                assertThat(g.slotMember(slot)).as("member of slot %d", slot).isEqualTo(m);
                assertThat(g.slotWorker(slot)).as("worker of slot %d", slot).isEqualTo(g.member(m).worker(k));
            }
        }
        assertThat(g.slot("c", 4)).as("slot of c-w4").isEqualTo(4);
        assertThat(g.slot("a", 0)).as("a does not list worker 0").isEqualTo(-1);
    }

    @Test
    void weightsStayWithTheirMemberAndAreChecked() {
        TestGroupView v1 = TestGroupView.builder().member("a", 0).member("b", 0, 1).weight("b", 3).build();
        assertThat(v1.memberWeight(0)).as("a's default weight").isEqualTo(ReuseportGroupView.DEFAULT_WEIGHT);
        assertThat(v1.memberWeight(1)).as("b's weight").isEqualTo(3);
        assertThat(v1.member(1).weight()).as("b's member view").isEqualTo(3);
        TestGroupView v2 = v1.next().leave("a").member("c", 0).build();
        assertThat(v2.memberWeight(v2.position("b"))).as("b's weight in the next view").isEqualTo(3);
        assertThatThrownBy(() -> v1.next().weight("a", 0)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("1..256");
        assertThatThrownBy(() -> v1.next().weight("a", 257)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void loadsArePerSlotAndStartAtZero() {
        TestGroupView g = TestGroupView.ofWorkerCounts(1, 2);
        assertThat(g.slotPending(2)).isZero();
        assertThat(g.slotCongested(2)).isFalse();
        g.load(2, 7, 9, true);
        assertThat(new Object[] {g.slotPending(2), g.slotEstablished(2), g.slotCongested(2)})
                .as("slot 2 after load(2, 7, 9, true)").containsExactly(7, 9, true);
        assertThat(g.slotPending(1)).as("another slot").isZero();
        assertThat(g.next().build().slotPending(2)).as("a next view's loads").isZero();
        assertThat(g.slotOfPosition("app2", 1)).isEqualTo(2);
    }

    @Test
    void acceptsOnlySlotsInRangeOrDrop() {
        TestGroupView g = TestGroupView.builder().member("a", 2).member("b", 1, 3).build();
        assertThat(g.accepts(0)).as("slot 0 (a-w2)").isTrue();
        assertThat(g.accepts(2)).as("slot 2 (b-w3)").isTrue();
        assertThat(g.accepts(ReuseportSelector.DROP)).as("DROP").isTrue();
        assertThat(g.accepts(3)).as("slot 3 of 3").isFalse();
        assertThat(g.accepts(-2)).as("slot -2").isFalse();
        assertThat(g.acceptsSlot(ReuseportSelector.DROP)).as("DROP is no slot").isFalse();
        assertThat(g.describe(2)).isEqualTo("b-w3");
        assertThat(g.describe(ReuseportSelector.DROP)).isEqualTo("DROP");
        assertThat(g.describe(3)).startsWith("invalid(slot=3");
    }

    @Test
    void rejectsBadWorkerLists() {
        assertThatThrownBy(() -> TestGroupView.builder().member("a").build()).as("no workers")
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("at least one worker");
        assertThatThrownBy(() -> TestGroupView.builder().member("a", 1, 0).build()).as("descending workers")
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("ascending");
        assertThatThrownBy(() -> TestGroupView.builder().member("a", 0).member("a", 1).build()).as("one app twice")
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("already a member");
        assertThatThrownBy(() -> TestGroupView.builder().build()).as("no members")
                .isInstanceOf(IllegalStateException.class);
    }

    @Test
    void randomShapesStayInBoundsThroughChanges() {
        Random rnd = new Random(7);
        for (int i = 0; i < 200; i++) {
            TestGroupView g = TestGroupView.random(rnd, 64, 16);
            for (int c = 0; c < 5; c++) {
                assertThat(g.memberCount()).as("members of %s", g).isBetween(1, 64);
                int slots = 0;
                for (int m = 0; m < g.memberCount(); m++) {
                    assertThat(g.member(m).workerCount()).as("workers of member %d of %s", m, g).isBetween(1, 16);
                    slots += g.member(m).workerCount();
                }
                assertThat(g.workerCount()).as("slots of %s", g).isEqualTo(slots);
                long epoch = g.epoch();
                g = g.randomChange(rnd, 64, 16);
                assertThat(g.epoch()).as("epoch after a change").isEqualTo(epoch + 1);
            }
        }
    }

    @Test
    void testFlowHoldsOneFamilyAtATime() {
        TestFlow f = TestFlow.ip4("10.0.0.2", 80, "10.0.0.1", 40000);
        assertThat(f.isIp4()).isTrue();
        assertThat(f.localIp4()).as("local 10.0.0.2").isEqualTo(0x0a000002);
        assertThat(f.remoteIp4()).as("remote 10.0.0.1").isEqualTo(0x0a000001);
        assertThat(f.protocol()).as("protocol").isEqualTo(6);
        assertThat(f.toString()).isEqualTo("tcp 10.0.0.1:40000 -> 10.0.0.2:80");
        f.setIp6("2001:db8::2", 443, "2001:db8::1", 40001);
        assertThat(f.isIp4()).isFalse();
        assertThat(f.localIp4()).as("IPv4 fields after setIp6").isZero();
        assertThat(f.localIp6Hi()).as("local hi").isEqualTo(0x2001_0db8_0000_0000L);
        assertThat(f.localIp6Lo()).as("local lo").isEqualTo(2L);
        assertThat(f.remoteIp6Lo()).as("remote lo").isEqualTo(1L);
        assertThat(f.localPort()).isEqualTo(443);
        assertThat(f.remotePort()).isEqualTo(40001);
        assertThatThrownBy(() -> f.setIp4(0, 65_536, 0, 0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> f.setIp4("::1", 80, "10.0.0.1", 1)).isInstanceOf(IllegalArgumentException.class);
    }
}
