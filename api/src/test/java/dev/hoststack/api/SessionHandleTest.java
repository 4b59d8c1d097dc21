package dev.hoststack.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Random;
import org.junit.jupiter.api.Test;

/** {@link SessionHandle}: {@code thread << 32 | index}, and the group value {@code 1L << 32 | group}. */
class SessionHandleTest {

    @Test
    void packsThreadHighAndIndexLow() {
        assertThat(SessionHandle.make(0, 0)).as("make(0, 0)").isZero();
        assertThat(SessionHandle.make(2, 5)).as("make(2, 5) = 2 << 32 | 5").isEqualTo(0x0000_0002_0000_0005L);
        assertThat(SessionHandle.make(1, -1)).as("an index with its top bit set must not spill into the thread")
                .isEqualTo(0x0000_0001_FFFF_FFFFL);
    }

    @Test
    void aListenSessionsHandleIsItsIndex() {
        for (int index : new int[] {0, 1, 42, 1 << 20, Integer.MAX_VALUE}) {
            assertThat(SessionHandle.make(0, index)).as("handle of listen session %d on thread 0", index).isEqualTo(index);
        }
    }

    @Test
    void unpacksWhatItPacked() {
        Random rnd = new Random(21);
        for (int i = 0; i < 10_000; i++) {
            int thread = i < 100 ? i : rnd.nextInt(1 << 16);
            int index = rnd.nextInt();
            long h = SessionHandle.make(thread, index);
            assertThat(SessionHandle.thread(h)).as("thread(make(%d, %d))", thread, index).isEqualTo(thread);
            assertThat(SessionHandle.index(h)).as("index(make(%d, %d))", thread, index).isEqualTo(index);
        }
    }

    @Test
    void groupValuesAreTaggedOneAndUnpack() {
        for (int g : new int[] {0, 1, 7, 65_535, Integer.MAX_VALUE, -1}) {
            long v = SessionHandle.groupValue(g);
            assertThat(v).as("groupValue(%d) = 1L << 32 | %d", g, g).isEqualTo(1L << 32 | Integer.toUnsignedLong(g));
            assertThat(SessionHandle.isGroupValue(v)).as("isGroupValue(groupValue(%d))", g).isTrue();
            assertThat(SessionHandle.groupIndex(v)).as("groupIndex(groupValue(%d))", g).isEqualTo(g);
            assertThat(v).as("groupValue(%d) has the bits of session %d on thread 1 (told apart by where it was found)", g, g)
                    .isEqualTo(SessionHandle.make(1, g));
        }
    }

    @Test
    void listenSessionHandlesAndInvalidAreNotGroupValues() {
        for (int index : new int[] {0, 1, 1000, Integer.MAX_VALUE, -1}) {
            assertThat(SessionHandle.isGroupValue(SessionHandle.make(0, index)))
                    .as("isGroupValue(listen session handle %d on thread 0)", index).isFalse();
            assertThat(SessionHandle.isGroupValue(SessionHandle.make(2, index)))
                    .as("isGroupValue(make(2, %d)): high 32 bits 2 are not the group tag 1", index).isFalse();
        }
        assertThat(SessionHandle.isGroupValue(SessionHandle.INVALID)).as("isGroupValue(INVALID)").isFalse();
        assertThat(SessionHandle.GROUP_TAG).as("GROUP_TAG").isEqualTo(1);
    }

    @Test
    void formatsAsVppPrintsHandles() {
        assertThat(SessionHandle.format(SessionHandle.make(1, 5))).as("format(make(1, 5))").isEqualTo("0x0000000100000005");
        assertThat(SessionHandle.format(0)).as("format(0)").isEqualTo("0x0000000000000000");
        assertThat(SessionHandle.format(SessionHandle.INVALID)).as("format(INVALID)").isEqualTo("0xffffffffffffffff");
    }
}
