package dev.hoststack.session;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hoststack.api.SessionState;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * A pool keeps each session's fields in one record: every field reads back what was last written
 * to it, across allocations, frees and growth, and no write to one session or field shows in
 * another. Checked against a model over seeded random operations.
 */
class SessionPoolRecordsTest {

    /** The model of one live session. */
    private static final class Model {
        int state = SessionState.CREATED.ordinal();
        int worker;
        int listener;
        int connection;
        int fib;
        int proto;
    }

    @Test
    void fieldsReadBackAcrossAllocationsFreesAndGrowth() {
        final long seed = System.nanoTime();
        final SplittableRandom rnd = new SplittableRandom(seed);
        final SessionPool pool = new SessionPool(0, 2, 4096);
        final Model[] model = new Model[4096];
        final List<Integer> live = new ArrayList<>();
        for (int step = 0; step < 50_000; step++) {
            final int op = rnd.nextInt(10);
            if (op < 4 || live.isEmpty()) {
                final Model m = new Model();
                m.worker = rnd.nextInt(-1, 50);
                m.listener = rnd.nextInt(-1, 1000);
                m.connection = rnd.nextInt(-1, 1 << 20);
                m.fib = rnd.nextInt(0, 16);
                m.proto = rnd.nextInt(0, 2);
                final int s = pool.allocate(m.proto, m.listener, m.worker, m.connection, m.fib);
                if (s == SessionPool.NONE) {
                    assertThat(live).as("seed %s: the pool refuses only at its bound", seed).hasSize(4096);
                    continue;
                }
                assertThat(model[s]).as("seed %s: session %s was handed out while live", seed, s).isNull();
                model[s] = m;
                live.add(s);
            } else if (op < 6) {
                final int s = live.remove(rnd.nextInt(live.size()));
                pool.free(s);
                model[s] = null;
                assertThat(pool.isLive(s)).as("seed %s: freed session %s", seed, s).isFalse();
                assertThat(pool.state(s)).as("seed %s: a freed slot reads CLOSED", seed).isEqualTo(SessionState.CLOSED);
            } else {
                final int s = live.get(rnd.nextInt(live.size()));
                final Model m = model[s];
                switch (rnd.nextInt(5)) {
                    case 0 -> {
                        m.state = rnd.nextInt(SessionState.values().length);
                        pool.state(s, SessionState.of(m.state));
                    }
                    case 1 -> {
                        m.connection = rnd.nextInt(-1, 1 << 20);
                        pool.connection(s, m.connection);
                    }
                    case 2 -> {
                        m.listener = rnd.nextInt(-1, 1000);
                        pool.listener(s, m.listener);
                    }
                    case 3 -> {
                        m.fib = rnd.nextInt(0, 16);
                        pool.fib(s, m.fib);
                    }
                    default -> {
                        m.worker = rnd.nextInt(-1, 50);
                        pool.appWorker(s, m.worker);
                    }
                }
            }
            if (step % 1000 == 0 || step == 49_999) {
                for (int s : live) {
                    final Model m = model[s];
                    assertThat(new int[] {pool.stateOrdinal(s), pool.appWorker(s), pool.listener(s), pool.connection(s),
                            pool.fib(s), pool.proto(s)})
                            .as("seed %s step %s: session %s's state, worker, listener, connection, fib, proto", seed,
                                    step, s)
                            .containsExactly(m.state, m.worker, m.listener, m.connection, m.fib, m.proto);
                    assertThat(pool.isLive(s)).as("seed %s: session %s", seed, s).isTrue();
                }
                assertThat(pool.liveCount()).as("seed %s: live count", seed).isEqualTo(live.size());
            }
        }
    }

    @Test
    void isLiveAnswersForAnyInt() {
        final SessionPool pool = new SessionPool(0, 4, 1 << 20);
        final int s = pool.allocate();
        assertThat(pool.isLive(s)).as("an allocated session").isTrue();
        for (int i : new int[] {-1, Integer.MIN_VALUE, 1, 4, 1 << 20, 1 << 28, (1 << 29) + s, Integer.MAX_VALUE}) {
            assertThat(pool.isLive(i)).as("index %s was never allocated", i).isFalse();
        }
    }

    @Test
    void aBoundBeyondOneArrayOfRecordsIsRefused() {
        assertThatThrownBy(() -> new SessionPool(0, 1, SessionPool.MAX_SESSIONS + 1))
                .as("a pool whose records cannot be one int array")
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("maxSessions " + (SessionPool.MAX_SESSIONS + 1));
        assertThat(new SessionPool(0, 1, SessionPool.MAX_SESSIONS).maxSessions()).as("the bound itself")
                .isEqualTo(SessionPool.MAX_SESSIONS);
    }
}
