package dev.hoststack.reuseport.bpf;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLongArray;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.Timeout;

/**
 * The sequence program on real loopback sockets: the design note's order, weighted shares,
 * membership changes while connections arrive. Needs root (or CAP_BPF + CAP_NET_ADMIN); without,
 * every test fails with the kernel's reason.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class SequenceDispatchTest {

    /** app1 (1 worker), app2 (2), app3 (3) on listeners 0 | 1 2 | 3 4 5: the design note's example. */
    private static final String[] NAMES = {"app1-w1", "app2-w1", "app2-w2", "app3-w1", "app3-w2", "app3-w3"};

    @Test
    void seedOrderIsExactOverSixHundredConnectionsIpv4() {
        seedOrder(InetAddress.getLoopbackAddress(), 600);
    }

    @Test
    void seedOrderIsExactOnIpv6() throws Exception {
        seedOrder(InetAddress.getByName("::1"), 120);
    }

    private static void seedOrder(InetAddress address, int connections) {
        try (Listeners group = Listeners.open(address, 6);
             KernelDispatch dispatch = KernelDispatch.create(KernelDispatch.Kind.SEQUENCE, DispatchLimits.DEFAULT, false)) {
            int[] slot = new int[6];
            for (int i = 0; i < 6; i++) {
                slot[i] = dispatch.addSocket(group.fds[i]);
                assertThat(dispatch.slotCookie(slot[i])).as("slot %d holds listener %d", slot[i], i).isEqualTo(ReuseportSockets.cookie(group.fds[i]));
            }
            dispatch.publish(SequenceTable.roundRobin(new int[] {slot[0]}, new int[] {slot[1], slot[2]}, new int[] {slot[3], slot[4], slot[5]}));
            dispatch.attach(group.fds[0]);

            List<String> order = new ArrayList<>();
            int[] counts = new int[6];
            for (int k = 0; k < connections; k++) {
                int i = group.connectOnce();
                counts[i]++;
                order.add(NAMES[i]);
            }
            assertThat(order.subList(0, 9)).as("the design note's first nine")
                    .containsExactly("app1-w1", "app2-w1", "app3-w1", "app1-w1", "app2-w2", "app3-w2", "app1-w1", "app2-w1", "app3-w3");
            List<String> expected = new ArrayList<>();
            int[][] listenerOf = {{0}, {1, 2}, {3, 4, 5}};
            int[] workerRotor = new int[3];
            for (int k = 0; k < connections; k++) {
                int app = k % 3;
                expected.add(NAMES[listenerOf[app][workerRotor[app]++ % listenerOf[app].length]]);
            }
            assertThat(order).as("every connection in the design note's order").isEqualTo(expected);
            int third = connections / 3;
            assertThat(counts).as("per worker: a third per application, split over its workers")
                    .containsExactly(third, third / 2, third / 2, (third + 2) / 3, (third + 1) / 3, third / 3);
            long[] rotors = dispatch.rotors();
            assertThat(Arrays.copyOf(rotors, 4)).as("kernel-side rotors: sequence, then one per application")
                    .containsExactly(connections, third, third, third);
            group.assertNothingQueued();
        }
    }

    @Test
    void smoothWeightedSequenceGivesExactThreeOneOneShares() {
        int[] sequence = SequenceTable.smoothWeightedSequence(3, 1, 1);
        assertThat(sequence).as("nginx's smooth weighted round robin for 3,1,1").containsExactly(0, 1, 0, 2, 0);
        try (Listeners group = Listeners.loopback4(3);
             KernelDispatch dispatch = KernelDispatch.create(KernelDispatch.Kind.SEQUENCE, DispatchLimits.DEFAULT, false)) {
            SequenceTable.Builder b = SequenceTable.builder();
            for (int i = 0; i < 3; i++) {
                b.application(i, dispatch.addSocket(group.fds[i]));
            }
            dispatch.publish(b.sequence(sequence).build());
            dispatch.attach(group.fds[2]);
            int[] counts = new int[3];
            for (int k = 0; k < 500; k++) {
                int i = group.connectOnce();
                assertThat(i).as("connection %d follows the sequence", k).isEqualTo(sequence[k % sequence.length]);
                counts[i]++;
            }
            assertThat(counts).as("3:1:1 exactly over 500 connections").containsExactly(300, 100, 100);
        }
    }

    @Test
    void membershipChangesMidStreamFollowTheNewTableAtOnce() {
        try (Listeners group = Listeners.loopback4(5);
             KernelDispatch dispatch = KernelDispatch.create(KernelDispatch.Kind.SEQUENCE, DispatchLimits.DEFAULT, false)) {
            int s0 = dispatch.addSocket(group.fds[0]);
            int s1 = dispatch.addSocket(group.fds[1]);
            int s2 = dispatch.addSocket(group.fds[2]);
            Model model = new Model();
            SequenceTable t1 = SequenceTable.builder().application(0, s0).application(1, s1, s2).build();
            dispatch.publish(t1);
            dispatch.attach(group.fds[0]);
            run(group, dispatch, model, t1, 91);

            // app3 joins: its socket takes a slot before any table names it
            int s3 = dispatch.addSocket(group.fds[3]);
            SequenceTable t2 = SequenceTable.builder().application(0, s0).application(1, s1, s2).application(2, s3).build();
            dispatch.publish(t2);
            run(group, dispatch, model, t2, 92);

            // app2 leaves: first the table, then its slots; app1 and app3 keep their rotors
            SequenceTable t3 = SequenceTable.builder().application(0, s0).application(2, s3).build();
            dispatch.publish(t3);
            assertThat(dispatch.removeSocket(s1)).isTrue();
            assertThat(dispatch.removeSocket(s2)).isTrue();
            assertThat(dispatch.slotCookie(s1)).as("a removed slot is empty in the kernel").isZero();
            run(group, dispatch, model, t3, 61);

            // a new worker of app1 reuses a freed slot
            int s4 = dispatch.addSocket(group.fds[4]);
            assertThat(s4).as("the lowest free slot is reused").isEqualTo(s1);
            SequenceTable t4 = SequenceTable.builder().application(0, s0, s4).application(2, s3).build();
            dispatch.publish(t4);
            run(group, dispatch, model, t4, 40);
            assertThat(dispatch.publishes()).isEqualTo(4);
            group.assertNothingQueued();
        }
    }

    /** Makes {@code n} connections and checks each against the model of the program over {@code table}. */
    private static void run(Listeners group, KernelDispatch dispatch, Model model, SequenceTable table, int n) {
        int[] slotToListener = new int[dispatch.limits().maxSockets()];
        Arrays.fill(slotToListener, -1);
        for (int i = 0; i < group.fds.length; i++) {
            for (int s = 0; s < 8; s++) {
                if (dispatch.slotCookie(s) != 0 && dispatch.slotCookie(s) == ReuseportSockets.cookie(group.fds[i])) {
                    slotToListener[s] = i;
                }
            }
        }
        for (int k = 0; k < n; k++) {
            int expectedSlot = model.next(table);
            int got = group.connectOnce();
            assertThat(got).as("connection %d of %s goes to slot %d", k, table, expectedSlot).isEqualTo(slotToListener[expectedSlot]);
        }
    }

    /** The sequence program's semantics in Java: rotor 0 over the sequence, then the application's own rotor. */
    private static final class Model {
        long sequenceRotor;
        final long[] appRotors = new long[256];

        int next(SequenceTable t) {
            int[] seq = t.sequence();
            int app = seq[(int) (sequenceRotor++ % seq.length)];
            int[] slots = t.slots(app);
            return slots[(int) (appRotors[t.rotor(app)]++ % slots.length)];
        }
    }

    /**
     * Clients connect from four threads while the control thread flips between two tables at
     * seeded random moments: every connection is accepted, and none reaches the group's seventh
     * socket, which no table names — the kernel's hash fallback would reach it (1 in 7), so a SYN
     * that saw a half-written table or an empty slot would show there.
     */
    @Test
    void tableFlipsUnderConcurrentConnectionsNeverFallBackToTheHash(TestInfo info) throws Exception {
        long seed = Seeds.seed(info);
        Random random = new Random(seed);
        int perThread = 300;
        int threads = 4;
        try (Listeners group = Listeners.loopback4(7);
             KernelDispatch dispatch = KernelDispatch.create(KernelDispatch.Kind.SEQUENCE, DispatchLimits.DEFAULT, false)) {
            int[] s = new int[6];
            for (int i = 0; i < 6; i++) {
                s[i] = dispatch.addSocket(group.fds[i]);
            }
            SequenceTable a = SequenceTable.roundRobin(new int[] {s[0]}, new int[] {s[1]}, new int[] {s[2]});
            SequenceTable b = SequenceTable.builder().application(3, s[3]).application(4, s[4], s[5]).build();
            dispatch.publish(a);
            dispatch.attach(group.fds[6]);

            AtomicLongArray accepted = new AtomicLongArray(7);
            AtomicBoolean stop = new AtomicBoolean();
            Thread acceptor = new Thread(() -> {
                while (!stop.get()) {
                    int i = ReuseportSockets.awaitReadable(group.fds, 50);
                    if (i >= 0) {
                        int c = ReuseportSockets.accept(group.fds[i]);
                        if (c >= 0) {
                            ReuseportSockets.close(c);
                            accepted.incrementAndGet(i);
                        }
                    }
                }
            }, "acceptor");
            acceptor.start();
            ExecutorService clients = Executors.newFixedThreadPool(threads);
            AtomicInteger failures = new AtomicInteger();
            AtomicInteger attempts = new AtomicInteger();
            AtomicInteger flips = new AtomicInteger();
            long clientDeadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            List<Future<?>> done = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                done.add(clients.submit(() -> {
                    // at least perThread connections each, and on until the tables flipped 20 times (20 s at most)
                    for (int k = 0; k < perThread || (flips.get() < 20 && System.nanoTime() < clientDeadline); k++) {
                        attempts.incrementAndGet();
                        try (Socket c = new Socket()) {
                            c.setSoLinger(true, 0);
                            c.connect(new InetSocketAddress(group.address, group.port), 2000);
                        } catch (IOException e) {
                            failures.incrementAndGet();
                        }
                    }
                }));
            }
            while (!done.stream().allMatch(Future::isDone)) {
                Thread.sleep(random.nextInt(5));
                dispatch.publish(flips.getAndIncrement() % 2 == 0 ? b : a);
            }
            for (Future<?> f : done) {
                f.get();
            }
            clients.shutdown();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            while (total(accepted) < attempts.get() && System.nanoTime() < deadline) {
                Thread.sleep(5);
            }
            stop.set(true);
            acceptor.join();
            System.out.printf("table flips %d, connections %d, accepted per listener %s%n", flips.get(), attempts.get(), accepted);
            assertThat(failures.get()).as("connections that failed, %s", Seeds.replay(seed)).isZero();
            assertThat(total(accepted)).as("every connection accepted, %s", Seeds.replay(seed)).isEqualTo(attempts.get());
            assertThat(accepted.get(6)).as("connections to the socket no table names (hash fallback), %s", Seeds.replay(seed)).isZero();
            assertThat(flips.get()).as("tables flipped while connections arrived").isGreaterThanOrEqualTo(20);
        }
    }

    private static long total(AtomicLongArray a) {
        long t = 0;
        for (int i = 0; i < a.length(); i++) {
            t += a.get(i);
        }
        return t;
    }

    @Test
    void aGroupLargerThanItsMapsIsRefusedWithTheLimit() {
        DispatchLimits small = new DispatchLimits(2, 2, 8, 8);
        try (Listeners group = Listeners.loopback4(3);
             KernelDispatch dispatch = KernelDispatch.create(KernelDispatch.Kind.SEQUENCE, small, false)) {
            int a = dispatch.addSocket(group.fds[0]);
            int b = dispatch.addSocket(group.fds[1]);
            assertThatThrownBy(() -> dispatch.addSocket(group.fds[2]))
                    .isInstanceOfSatisfying(KernelDispatchException.class, e -> assertThat(e.code()).isEqualTo(KernelDispatchException.Code.LIMIT_EXCEEDED))
                    .hasMessageContaining("is full: all 2 socket slots are taken");
            assertThatThrownBy(() -> dispatch.publish(SequenceTable.roundRobin(new int[] {a}, new int[] {b}, new int[] {a})))
                    .isInstanceOfSatisfying(KernelDispatchException.class, e -> assertThat(e.code()).isEqualTo(KernelDispatchException.Code.LIMIT_EXCEEDED))
                    .hasMessageContaining("3 applications, beyond the group's maxApps 2");
            assertThatThrownBy(() -> dispatch.publish(SequenceTable.builder().application(5, a).build()))
                    .isInstanceOf(KernelDispatchException.class)
                    .hasMessageContaining("rotor id 5");
        }
    }

    @Test
    void socketsTheKernelWillNotTakeAreRefusedWithWhy() {
        try (Listeners group = Listeners.loopback4(1);
             Listeners other = Listeners.loopback4(1);
             KernelDispatch first = KernelDispatch.create(KernelDispatch.Kind.SEQUENCE, DispatchLimits.DEFAULT, false);
             KernelDispatch second = KernelDispatch.create(KernelDispatch.Kind.SEQUENCE, DispatchLimits.DEFAULT, false)) {
            first.addSocket(group.fds[0]);
            assertThatThrownBy(() -> second.addSocket(group.fds[0]))
                    .isInstanceOfSatisfying(KernelDispatchException.class, e -> assertThat(e.code()).isEqualTo(KernelDispatchException.Code.BAD_SOCKET))
                    .hasMessageContaining("already in a reuseport socket array");
            assertThatThrownBy(() -> first.addSocket(other.fds[0]))
                    .isInstanceOfSatisfying(KernelDispatchException.class, e -> assertThat(e.code()).isEqualTo(KernelDispatchException.Code.BAD_SOCKET))
                    .hasMessageContaining("a program selects within its own group only");
        }
    }
}
