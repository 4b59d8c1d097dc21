package dev.hoststack.api.spi;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Random;
import org.junit.jupiter.api.Test;

/** {@link Selection}: packing a member position and a worker index into one {@code long}. */
class SelectionTest {

    @Test
    void packsPositionHighAndWorkerLow() {
        assertThat(Selection.of(0, 0)).as("Selection.of(0, 0)").isZero();
        assertThat(Selection.of(3, 7)).as("Selection.of(3, 7) = 3 << 32 | 7").isEqualTo(0x0000_0003_0000_0007L);
        assertThat(Selection.of(1, 0xFFFF_FFFF)).as("a worker with its top bit set must not spill into the position")
                .isEqualTo(0x0000_0001_FFFF_FFFFL);
    }

    @Test
    void unpacksWhatItPacked() {
        int[] edge = {0, 1, 2, 31, 32_767, 65_535, Integer.MAX_VALUE, -1, Integer.MIN_VALUE};
        for (int p : edge) {
            for (int w : edge) {
                long s = Selection.of(p, w);
                assertThat(Selection.member(s)).as("member(of(%d, %d))", p, w).isEqualTo(p);
                assertThat(Selection.worker(s)).as("worker(of(%d, %d))", p, w).isEqualTo(w);
            }
        }
        Random rnd = new Random(11);
        for (int i = 0; i < 10_000; i++) {
            int p = rnd.nextInt();
            int w = rnd.nextInt();
            long s = Selection.of(p, w);
            assertThat(Selection.member(s)).as("member(of(%d, %d))", p, w).isEqualTo(p);
            assertThat(Selection.worker(s)).as("worker(of(%d, %d))", p, w).isEqualTo(w);
        }
    }

    @Test
    void dropIsNoValidSelection() {
        assertThat(Selection.DROP).as("Selection.DROP, the kernel's SK_DROP").isEqualTo(-1L);
        assertThat(Selection.member(Selection.DROP)).as("member(DROP): outside every group").isNegative();
        Random rnd = new Random(12);
        for (int i = 0; i < 10_000; i++) {
            int p = rnd.nextInt(Integer.MAX_VALUE);
            int w = rnd.nextInt(Integer.MAX_VALUE);
            assertThat(Selection.of(p, w)).as("Selection.of(%d, %d) must differ from DROP", p, w).isNotEqualTo(Selection.DROP);
        }
        assertThat(Selection.of(Integer.MAX_VALUE, -1)).as("the largest position with worker bits all ones")
                .isNotEqualTo(Selection.DROP);
    }
}
