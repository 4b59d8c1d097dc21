package dev.hoststack.api.spi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** {@link SelectionData}: values are copies, checked against the view they are for. */
class SelectionDataTest {

    @Test
    void roundRobinIsTheIdentitySequence() {
        assertThat(SelectionData.Sequence.roundRobin(3).sequence()).containsExactly(0, 1, 2);
        assertThat(SelectionData.Sequence.roundRobin(3)).isEqualTo(new SelectionData.Sequence(new int[] {0, 1, 2}));
    }

    @Test
    void arraysAreCopiedInAndOut() {
        int[] in = {0, 1};
        SelectionData.Sequence s = new SelectionData.Sequence(in);
        in[0] = 1;
        s.sequence()[1] = 0;
        assertThat(s.sequence()).as("neither the caller's array nor the returned copy changes the value").containsExactly(0, 1);
        int[] slots = {2, 1};
        SelectionData.Lookup l = new SelectionData.Lookup(slots);
        slots[0] = 0;
        assertThat(l.slots()).containsExactly(2, 1);
        assertThat(l.size()).isEqualTo(2);
    }

    @Test
    void emptyOrNegativeDataIsRefused() {
        assertThatThrownBy(() -> new SelectionData.Sequence(new int[0])).hasMessageContaining("at least one");
        assertThatThrownBy(() -> new SelectionData.Sequence(new int[] {0, -1})).hasMessageContaining("-1");
        assertThatThrownBy(() -> new SelectionData.Lookup(new int[0])).hasMessageContaining("at least one");
        assertThatThrownBy(() -> new SelectionData.Lookup(new int[] {-2})).hasMessageContaining("-2");
    }

    @Test
    void checkNamesTheFirstEntryOutsideTheView() {
        TestGroupView g = TestGroupView.ofWorkerCounts(1, 2, 3);
        assertThat(SelectionData.check(new SelectionData.Sequence(new int[] {0, 2, 1}), g)).isNotNull();
        assertThatThrownBy(() -> SelectionData.check(new SelectionData.Sequence(new int[] {0, 3}), g))
                .hasMessage("sequence entry 1 is member 3; the view has 3 members");
        assertThat(SelectionData.check(new SelectionData.Lookup(new int[] {5, 0}), g)).isNotNull();
        assertThatThrownBy(() -> SelectionData.check(new SelectionData.Lookup(new int[] {5, 6}), g))
                .hasMessage("lookup entry 1 is slot 6; the view has 6 worker slots");
        assertThat(SelectionData.check(SelectionData.KERNEL_HASH, g)).isSameAs(SelectionData.KERNEL_HASH);
    }
}
