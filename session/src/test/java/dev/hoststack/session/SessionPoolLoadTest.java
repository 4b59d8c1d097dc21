package dev.hoststack.session;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hoststack.api.SessionState;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * A pool counts its sessions into their workers' {@link WorkerLoad}: CREATED and ACCEPTING are
 * pending, READY established, everything else nothing; a change of worker moves the counts; a free
 * takes them away. Checked against a model over random transitions.
 */
class SessionPoolLoadTest {

    @Test
    void countsFollowStatesWorkersAndFrees() {
        WorkerLoad[] loads = {new WorkerLoad(2), new WorkerLoad(2)};
        SessionPool pool = new SessionPool(1, 4, 64, g -> g >= 0 && g < loads.length ? loads[g] : null);
        int a = pool.allocate();
        assertThat(loads[0].pending()).as("a CREATED session without a worker counts for nobody").isZero();
        pool.appWorker(a, 0);
        assertThat(loads[0].pending()).as("CREATED for worker 0").isEqualTo(1);
        pool.state(a, SessionState.ACCEPTING);
        assertThat(loads[0].pending()).as("ACCEPTING is still pending").isEqualTo(1);
        pool.appWorker(a, 1);
        assertThat(new int[] {loads[0].pending(), loads[1].pending()}).as("moved (migrated) to worker 1").containsExactly(0, 1);
        pool.state(a, SessionState.READY);
        assertThat(new int[] {loads[1].pending(), loads[1].established()}).as("READY").containsExactly(0, 1);
        pool.state(a, SessionState.CLOSED);
        assertThat(loads[1].established()).as("CLOSED").isZero();
        pool.free(a);
        int b = pool.allocate();
        pool.appWorker(b, 0);
        pool.state(b, SessionState.LISTENING);
        assertThat(loads[0].pending()).as("a listen session counts for nothing").isZero();
        int c = pool.allocate();
        pool.appWorker(c, 7);
        assertThat(loads[0].pending() + loads[1].pending()).as("a worker the lookup does not know").isZero();
    }

    @Test
    void theSynPathsAllocationCountsInTheLoadItWasGivenForWorkersOfAnyIndex() {
        WorkerLoad[] loads = new WorkerLoad[100];
        for (int i = 0; i < loads.length; i++) {
            loads[i] = new WorkerLoad(1);
        }
        SessionPool pool = new SessionPool(0, 4, 64, g -> g >= 0 && g < loads.length ? loads[g] : null);
        // global indices beyond the pool's first guess, as the SYN path allocates (worker's load passed in)
        int a = pool.allocate(0, 3, 99, 5, 0, loads[99]);
        int b = pool.allocate(0, 3, 40, 6, 0, loads[40]);
        assertThat(new int[] {loads[99].pending(), loads[40].pending()}).as("CREATED, each in its worker's load")
                .containsExactly(1, 1);
        pool.state(a, SessionState.ACCEPTING);
        pool.state(a, SessionState.READY);
        assertThat(new int[] {loads[99].pending(), loads[99].established()}).as("worker 99 after READY")
                .containsExactly(0, 1);
        pool.appWorker(b, 99);
        assertThat(new int[] {loads[40].pending(), loads[99].pending()}).as("b moved from 40 to 99")
                .containsExactly(0, 1);
        pool.free(a);
        pool.free(b);
        assertThat(new int[] {loads[99].pending(), loads[99].established(), loads[40].pending()})
                .as("all freed").containsExactly(0, 0, 0);
        loads[7] = null;
        int c = pool.allocate(0, 3, 7, 7, 0, null);
        pool.state(c, SessionState.READY);
        pool.free(c);
        int total = 0;
        for (WorkerLoad l : loads) {
            total += l == null ? 0 : l.pending() + l.established();
        }
        assertThat(total).as("a session of a worker the lookup does not know counts nowhere").isZero();
    }

    @Test
    void randomTransitionsMatchAModel() {
        long seed = System.nanoTime();
        Random rnd = new Random(seed);
        SessionState[] states = {SessionState.CREATED, SessionState.ACCEPTING, SessionState.READY, SessionState.CLOSED,
                SessionState.CONNECTING};
        WorkerLoad[] loads = {new WorkerLoad(3), new WorkerLoad(3), new WorkerLoad(3)};
        SessionPool pool = new SessionPool(2, 8, 256, g -> g >= 0 && g < loads.length ? loads[g] : null);
        int[] worker = new int[256];
        SessionState[] state = new SessionState[256];
        boolean[] live = new boolean[256];
        for (int step = 0; step < 20_000; step++) {
            int op = rnd.nextInt(4);
            int s = rnd.nextInt(256);
            if (op == 0) {
                int n = pool.allocate();
                if (n != SessionPool.NONE) {
                    live[n] = true;
                    worker[n] = SessionPool.NONE;
                    state[n] = SessionState.CREATED;
                }
            } else if (!live[s]) {
                continue;
            } else if (op == 1) {
                int w = rnd.nextInt(4) - 1;
                pool.appWorker(s, w);
                worker[s] = w;
            } else if (op == 2) {
                SessionState st = states[rnd.nextInt(states.length)];
                pool.state(s, st);
                state[s] = st;
            } else {
                pool.free(s);
                live[s] = false;
            }
            if (step % 97 == 0) {
                for (int w = 0; w < loads.length; w++) {
                    int pending = 0;
                    int established = 0;
                    for (int i = 0; i < 256; i++) {
                        if (live[i] && worker[i] == w) {
                            pending += state[i] == SessionState.CREATED || state[i] == SessionState.ACCEPTING ? 1 : 0;
                            established += state[i] == SessionState.READY ? 1 : 0;
                        }
                    }
                    assertThat(new int[] {loads[w].pending(), loads[w].established()})
                            .as("worker %d's pending and established after step %d; seed %d", w, step, seed)
                            .containsExactly(pending, established);
                }
            }
        }
    }
}
