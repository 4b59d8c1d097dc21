package dev.hoststack.session;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * A data thread's mailbox of app operations: the owner's own posts go to its own ring without
 * raising the mail flag, other threads' posts go to the shared queue and raise it, and operations
 * posted by one thread run in the order it posted them: across a change of owner, across the
 * owner's own ring filling up, and with rpcs first.
 */
class DataThreadMailboxTest {

    /** Ops recorded as {@code op * 1000 + handle}. */
    private final List<Long> ran = new ArrayList<>();

    private void record(long op, long handle, long unused) {
        ran.add(op * 1000 + handle);
    }

    private static DataThread thread(int appOpsCapacity) {
        return new DataThread(1, new SessionPool(1, 4, 64), appOpsCapacity);
    }

    /** What the data plane's mailbox run does (see SessionDataPlane.runMailbox). */
    private int runMailbox(DataThread t) {
        if (!t.hasPending()) {
            return 0;
        }
        return t.hasMail() ? t.runMail(this::record) : t.runOwnAppOps(this::record);
    }

    private static void onAnotherThread(Runnable r) throws InterruptedException {
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Thread th = new Thread(() -> {
            try {
                r.run();
            } catch (Throwable e) {
                failure.set(e);
            }
        });
        th.start();
        th.join();
        assertThat(failure.get()).as("the other thread's work threw").isNull();
    }

    @Test
    void theOwnersPostsRunInOrderWithoutMail() {
        DataThread t = thread(64);
        assertThat(t.hasPending()).as("a new mailbox is empty").isFalse();
        for (int h = 1; h <= 5; h++) {
            assertThat(t.postAppOp(DataThread.OP_ACCEPT_REPLY, h)).as("post %d", h).isTrue();
        }
        assertThat(t.hasPending()).as("the owner's posts are pending").isTrue();
        assertThat(t.hasMail()).as("the owner's own posts raise no mail flag").isFalse();
        assertThat(runMailbox(t)).as("ran").isEqualTo(5);
        assertThat(ran).containsExactly(1001L, 1002L, 1003L, 1004L, 1005L);
        assertThat(t.hasPending()).as("drained").isFalse();
    }

    @Test
    void anotherThreadsPostRaisesMailAndRunsAfterRpcs() throws Exception {
        DataThread t = thread(64);
        onAnotherThread(() -> {
            assertThat(t.postAppOp(DataThread.OP_CLOSE, 7)).as("post from another thread").isTrue();
            t.post(dt -> ran.add(-1L));
        });
        assertThat(t.hasMail()).as("another thread's post raises the mail flag").isTrue();
        assertThat(t.hasPending()).isTrue();
        assertThat(runMailbox(t)).as("ran").isEqualTo(2);
        assertThat(ran).as("rpcs first, then app ops").containsExactly(-1L, 2007L);
        assertThat(t.hasPending()).as("the flag is cleared by the run").isFalse();
    }

    @Test
    void aWakeWithNothingPostedRunsNothing() {
        DataThread t = thread(64);
        t.wake();
        assertThat(t.hasPending()).as("a wake is mail").isTrue();
        assertThat(runMailbox(t)).isZero();
        assertThat(t.hasPending()).isFalse();
    }

    @Test
    void aThreadThatBecomesOwnerKeepsTheOrderOfWhatItPostedBefore() throws Exception {
        DataThread t = thread(64);
        List<Long> mailAfterOwnPost = new ArrayList<>();
        onAnotherThread(() -> {
            // posted before it owns the thread: shared queue
            t.postAppOp(DataThread.OP_ACCEPT_REPLY, 1);
            t.postAppOp(DataThread.OP_ACCEPT_REPLY, 2);
            t.owner(Thread.currentThread());
            // now the owner, but its earlier ops are still in the shared queue: these must follow them
            t.postAppOp(DataThread.OP_CLOSE, 1);
            t.postAppOp(DataThread.OP_CLOSE, 2);
            runMailbox(t);
            // everything it posted earlier has run: its own ring again, no mail
            t.postAppOp(DataThread.OP_RESET, 3);
            mailAfterOwnPost.add(t.hasMail() ? 1L : 0L);
            runMailbox(t);
        });
        assertThat(ran).as("per-thread order across the change of owner")
                .containsExactly(1001L, 1002L, 2001L, 2002L, 3003L);
        assertThat(mailAfterOwnPost).as("once its shared ops ran, the owner posts to its own ring again")
                .containsExactly(0L);
    }

    @Test
    void theOwnersPostsOverflowToTheSharedQueueInOrderAndTheBoundHolds() {
        // own ring of 4 (min(256, capacity)), shared queue of 4
        DataThread t = thread(4);
        for (int h = 0; h < 8; h++) {
            assertThat(t.postAppOp(DataThread.OP_ACCEPT_REPLY, h)).as("post %d of 8 fits", h).isTrue();
        }
        assertThat(t.postAppOp(DataThread.OP_ACCEPT_REPLY, 8)).as("both queues full").isFalse();
        runMailbox(t);
        assertThat(t.postAppOp(DataThread.OP_CLOSE, 9)).as("room again").isTrue();
        runMailbox(t);
        List<Long> expected = new ArrayList<>();
        for (long h = 0; h < 8; h++) {
            expected.add(1000 + h);
        }
        expected.add(2009L);
        assertThat(ran).as("the owner's order across its own ring and the shared queue").isEqualTo(expected);
    }

    @Test
    void whileItsOverflowIsQueuedTheOwnersNextPostsFollowIt() {
        DataThread t = thread(4);
        for (int h = 0; h < 5; h++) {
            t.postAppOp(DataThread.OP_ACCEPT_REPLY, h); // 0..3 own ring, 4 shared
        }
        // run only the own ring (as a run without the mail check would): 0..3
        t.runOwnAppOps(this::record);
        // the own ring has room, but op 4 is still in the shared queue: op 5 must not overtake it
        t.postAppOp(DataThread.OP_CLOSE, 5);
        runMailbox(t);
        assertThat(ran).containsExactly(1000L, 1001L, 1002L, 1003L, 1004L, 2005L);
    }
}
