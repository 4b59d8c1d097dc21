package dev.hoststack.reuseport.bpf;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLongArray;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * What happens to the connections queued on a listener that closes (a worker that died): with a
 * {@code SELECT_OR_MIGRATE} program the kernel hands every one of them to the listener the program
 * picks; with a plain {@code SELECT} program and {@code net.ipv4.tcp_migrate_req=0} they are reset.
 *
 * <p>A connection counts as delivered when its client reads a clean end of stream: the server side
 * accepted it and closed it. A client that reads a reset, or nothing within 5 s, counts as lost.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class MigrationTest {

    private static final int QUEUED = 30;

    @Test
    void selectOrMigrateHandsEveryQueuedConnectionToTheOthers() throws Exception {
        try (Listeners group = Listeners.open(InetAddress.getLoopbackAddress(), 3, 256);
             KernelDispatch dispatch = KernelDispatch.create(KernelDispatch.Kind.SEQUENCE, DispatchLimits.DEFAULT, true)) {
            int a = dispatch.addSocket(group.fds[0]);
            int b = dispatch.addSocket(group.fds[1]);
            int c = dispatch.addSocket(group.fds[2]);
            dispatch.publish(SequenceTable.builder().application(0, a).build()); // everything queues on A
            dispatch.attach(group.fds[1]);
            List<Socket> clients = connect(group, QUEUED);
            awaitQueued(group.fds[0]);
            assertThat(ReuseportSockets.awaitReadable(new int[] {group.fds[1], group.fds[2]}, 0)).as("nothing on B or C yet").isEqualTo(-1);

            // A's worker dies: the daemon takes A out of the table, then out of the socket array, then closes its copy
            dispatch.publish(SequenceTable.builder().application(1, b).application(2, c).build());
            dispatch.removeSocket(a);
            ReuseportSockets.close(group.fds[0]);
            group.fds[0] = -1;

            int[] accepted = new int[3];
            for (int k = 0; k < QUEUED; k++) {
                accepted[1 + Listeners.acceptOne(new int[] {group.fds[1], group.fds[2]})]++;
            }
            assertThat(accepted[1] + accepted[2]).as("every connection queued on A accepted by B or C").isEqualTo(QUEUED);
            assertThat(accepted[1]).as("the program chose for the migrations too: B and C alternate").isEqualTo(QUEUED / 2);
            assertThat(dispatch.rotors()[0]).as("program runs: %d SYNs and %d migrations", QUEUED, QUEUED).isEqualTo(2L * QUEUED);
            assertThat(lost(clients)).as("clients whose connection was reset or never answered").isZero();
        }
    }

    /**
     * A worker that handed its listening socket on keeps a copy open, so closing the daemon's copy
     * would not close the socket. {@code shutdown} stops it listening for every copy, and with
     * SELECT_OR_MIGRATE its queue moves just as on close.
     */
    @Test
    void shutdownOfOneCopyStopsEveryCopyAndMigratesTheQueue() throws Exception {
        try (Listeners group = Listeners.open(InetAddress.getLoopbackAddress(), 3, 256);
             KernelDispatch dispatch = KernelDispatch.create(KernelDispatch.Kind.SEQUENCE, DispatchLimits.DEFAULT, true)) {
            int a = dispatch.addSocket(group.fds[0]);
            int b = dispatch.addSocket(group.fds[1]);
            int c = dispatch.addSocket(group.fds[2]);
            dispatch.publish(SequenceTable.builder().application(0, a).build());
            dispatch.attach(group.fds[1]);
            int workersCopy = ReuseportSockets.dup(group.fds[0]);
            try {
                List<Socket> clients = connect(group, QUEUED);
                awaitQueued(group.fds[0]);
                dispatch.publish(SequenceTable.builder().application(1, b).application(2, c).build());
                dispatch.removeSocket(a);
                ReuseportSockets.shutdown(group.fds[0]);
                assertThat(ReuseportSockets.isListening(workersCopy)).as("the other copy stopped listening too").isFalse();
                for (int k = 0; k < QUEUED; k++) {
                    Listeners.acceptOne(new int[] {group.fds[1], group.fds[2]});
                }
                assertThat(lost(clients)).as("clients lost after shutdown with SELECT_OR_MIGRATE").isZero();
                assertThat(ReuseportSockets.awaitReadable(new int[] {workersCopy}, 0)).as("nothing left for the other copy").isEqualTo(-1);
            } finally {
                ReuseportSockets.close(workersCopy);
            }
        }
    }

    @Test
    void withoutMigrationTheQueueOfAClosedListenerIsReset() throws Exception {
        boolean sysctlMigrates = "1".equals(sysctl());
        try (Listeners group = Listeners.open(InetAddress.getLoopbackAddress(), 3, 256);
             KernelDispatch dispatch = KernelDispatch.create(KernelDispatch.Kind.SEQUENCE, DispatchLimits.DEFAULT, false)) {
            int a = dispatch.addSocket(group.fds[0]);
            int b = dispatch.addSocket(group.fds[1]);
            dispatch.publish(SequenceTable.builder().application(0, a).build());
            dispatch.attach(group.fds[1]);
            List<Socket> clients = connect(group, QUEUED);
            awaitQueued(group.fds[0]);
            dispatch.publish(SequenceTable.builder().application(1, b).build());
            dispatch.removeSocket(a);
            ReuseportSockets.close(group.fds[0]);
            group.fds[0] = -1;
            if (sysctlMigrates) {
                // net.ipv4.tcp_migrate_req=1: the kernel migrates by its hash even for a SELECT program
                for (int k = 0; k < QUEUED; k++) {
                    Listeners.acceptOne(new int[] {group.fds[1], group.fds[2]});
                }
                assertThat(lost(clients)).isZero();
            } else {
                assertThat(lost(clients)).as("with tcp_migrate_req=0 and a SELECT program every queued connection is reset").isEqualTo(QUEUED);
                assertThat(ReuseportSockets.awaitReadable(new int[] {group.fds[1], group.fds[2]}, 200)).as("nothing moved to B or C").isEqualTo(-1);
            }
        }
    }

    /**
     * Four client threads make 800 connections; the acceptor serves B and C but never A, so A's
     * share piles up in its queue. Half-way, A is taken out and closed. With SELECT_OR_MIGRATE
     * every connection ends accepted; the test prints how many sat on A when it closed.
     */
    @Test
    void selectOrMigrateLosesNothingWhenAListenerClosesUnderLoad() throws Exception {
        Outcome migrate = underLoad(true);
        System.out.printf("SELECT_OR_MIGRATE: %d connections, %d queued on the closed listener, %d lost%n", migrate.total, migrate.queuedOnClosed, migrate.lost);
        assertThat(migrate.queuedOnClosed).as("connections sat on A when it closed (else the test shows nothing)").isGreaterThan(20);
        assertThat(migrate.lost).as("connections lost with SELECT_OR_MIGRATE").isZero();
        assertThat(migrate.accepted).as("accepted by B and C").isEqualTo(migrate.total);
        if ("0".equals(sysctl())) {
            Outcome plain = underLoad(false);
            System.out.printf("SELECT, tcp_migrate_req=0: %d connections, %d queued on the closed listener, %d lost%n", plain.total, plain.queuedOnClosed, plain.lost);
            assertThat((long) plain.lost).as("without migration the closed listener's queue is lost").isGreaterThanOrEqualTo(plain.queuedOnClosed).isPositive();
        }
    }

    private record Outcome(int total, long queuedOnClosed, int lost, long accepted) {
    }

    private static Outcome underLoad(boolean migrate) throws Exception {
        int threads = 4;
        int perThread = 200;
        try (Listeners group = Listeners.open(InetAddress.getLoopbackAddress(), 3, 1024);
             KernelDispatch dispatch = KernelDispatch.create(KernelDispatch.Kind.SEQUENCE, DispatchLimits.DEFAULT, migrate)) {
            int a = dispatch.addSocket(group.fds[0]);
            int b = dispatch.addSocket(group.fds[1]);
            int c = dispatch.addSocket(group.fds[2]);
            dispatch.publish(SequenceTable.roundRobin(new int[] {a}, new int[] {b}, new int[] {c}));
            dispatch.attach(group.fds[1]);
            int[] served = {group.fds[1], group.fds[2]};
            AtomicLongArray accepted = new AtomicLongArray(2);
            AtomicBoolean stop = new AtomicBoolean();
            Thread acceptor = new Thread(() -> {
                while (!stop.get()) {
                    int i = ReuseportSockets.awaitReadable(served, 20);
                    if (i >= 0) {
                        int child = ReuseportSockets.accept(served[i]);
                        if (child >= 0) {
                            ReuseportSockets.close(child);
                            accepted.incrementAndGet(i);
                        }
                    }
                }
            }, "acceptor");
            acceptor.start();
            ConcurrentLinkedQueue<Socket> open = new ConcurrentLinkedQueue<>();
            AtomicInteger connectFailures = new AtomicInteger();
            AtomicInteger made = new AtomicInteger();
            CountDownLatch half = new CountDownLatch(threads * perThread / 2);
            ExecutorService pool = Executors.newFixedThreadPool(threads);
            List<Future<?>> done = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                done.add(pool.submit(() -> {
                    for (int k = 0; k < perThread; k++) {
                        Socket s = new Socket();
                        try {
                            s.connect(new InetSocketAddress(group.address, group.port), 3000);
                            open.add(s);
                        } catch (IOException e) {
                            connectFailures.incrementAndGet();
                            closeQuietly(s);
                        }
                        made.incrementAndGet();
                        half.countDown();
                    }
                }));
            }
            assertThat(half.await(30, TimeUnit.SECONDS)).as("half the connections made").isTrue();
            dispatch.publish(SequenceTable.builder().application(1, b).application(2, c).build());
            // once publish returns no SYN can reach A any more: A's rotor is the number queued there (it never accepts)
            long queuedOnA = dispatch.rotors()[1];
            dispatch.removeSocket(a);
            ReuseportSockets.close(group.fds[0]);
            group.fds[0] = -1;
            for (Future<?> f : done) {
                f.get(60, TimeUnit.SECONDS);
            }
            pool.shutdown();
            int total = threads * perThread;
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (accepted.get(0) + accepted.get(1) < total - (migrate ? 0 : queuedOnA) && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            int lost = lost(new ArrayList<>(open)) + connectFailures.get();
            stop.set(true);
            acceptor.join();
            return new Outcome(total, queuedOnA, lost, accepted.get(0) + accepted.get(1));
        }
    }

    private static List<Socket> connect(Listeners group, int n) throws IOException {
        List<Socket> out = new ArrayList<>();
        for (int k = 0; k < n; k++) {
            Socket s = new Socket();
            s.connect(new InetSocketAddress(group.address, group.port), 2000);
            out.add(s);
        }
        return out;
    }

    /** Waits until {@code QUEUED} connections are queued on {@code fd} (the last final ACK may still be in flight). */
    private static void awaitQueued(int fd) throws InterruptedException {
        assertThat(ReuseportSockets.awaitReadable(new int[] {fd}, 2000)).as("connections queued on A").isZero();
        Thread.sleep(50);
    }

    /** Reads each client to its end: a clean end of stream is delivered, a reset or 5 s of silence is lost. Closes them. */
    private static int lost(List<Socket> clients) {
        int lost = 0;
        for (Socket s : clients) {
            try {
                s.setSoTimeout(5000);
                if (s.getInputStream().read() != -1) {
                    lost++;
                }
            } catch (IOException e) {
                lost++;
            } finally {
                closeQuietly(s);
            }
        }
        return lost;
    }

    private static void closeQuietly(Socket s) {
        try {
            s.close();
        } catch (IOException e) {
            // nothing to do
        }
    }

    private static String sysctl() throws IOException {
        return Files.readString(Path.of("/proc/sys/net/ipv4/tcp_migrate_req"), StandardCharsets.US_ASCII).strip();
    }
}
