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
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A worker that never accepts: what the kernel does when the program selects a listener whose
 * accept queue is full. It drops the SYN (ListenOverflows); the client retransmits it about a
 * second later, and the program selects again — the rotor has moved on, so with round robin the
 * retry lands on the next member. Nothing is lost, but that connection waits a retransmission.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class FullQueueTest {

    @Test
    void aSynForAFullQueueIsDroppedAndItsRetransmissionSelectedAgain() throws Exception {
        try (Listeners a = Listeners.open(InetAddress.getLoopbackAddress(), 1, 2);
             KernelDispatch dispatch = KernelDispatch.create(KernelDispatch.Kind.SEQUENCE, DispatchLimits.DEFAULT, false)) {
            int b = ReuseportSockets.openListener(new InetSocketAddress(a.address, a.port), 128);
            List<Socket> clients = new ArrayList<>();
            try {
                int sa = dispatch.addSocket(a.fds[0]);
                int sb = dispatch.addSocket(b);
                dispatch.publish(SequenceTable.roundRobin(new int[] {sa}, new int[] {sb}));
                dispatch.attach(b);
                assertThat(ReuseportSockets.acceptQueue(a.fds[0])).as("empty queue, backlog 2").containsExactly(0, 2);

                // A never accepts: its queue takes backlog + 1 = 3 (A gets connections 0, 2, 4; B takes 1, 3, 5)
                for (int k = 0; k < 6; k++) {
                    Socket c = new Socket();
                    c.connect(new InetSocketAddress(a.address, a.port), 5000);
                    clients.add(c);
                    if (k % 2 == 1) {
                        assertThat(Listeners.acceptOne(new int[] {b})).isZero();
                    }
                }
                awaitQueue(a.fds[0], 3);
                assertThat(ReuseportSockets.acceptQueue(a.fds[0])).as("A's queue full: backlog + 1").containsExactly(3, 2);

                long overflowsBefore = listenOverflows();
                Socket late = new Socket();
                clients.add(late);
                long t0 = System.nanoTime();
                late.connect(new InetSocketAddress(a.address, a.port), 5000); // the program picks A (rotor 6): full
                long waitedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
                assertThat(Listeners.acceptOne(new int[] {b})).as("the retransmitted SYN was selected again, for B").isZero();
                System.out.printf("SYN for a full queue: connect took %d ms, ListenOverflows +%d, rotor %d%n", waitedMs,
                        listenOverflows() - overflowsBefore, dispatch.rotors()[0]);
                assertThat(waitedMs).as("the client waited for its SYN retransmission (about 1 s)").isGreaterThanOrEqualTo(800);
                assertThat(listenOverflows() - overflowsBefore).as("the kernel counted the overflow").isPositive();
                assertThat(dispatch.rotors()[0]).as("the program ran for the SYN and for its retransmission").isEqualTo(8);
                assertThat(ReuseportSockets.acceptQueue(a.fds[0])[0]).as("A's queue unchanged").isEqualTo(3);
            } finally {
                for (Socket c : clients) {
                    c.close();
                }
                ReuseportSockets.close(b);
            }
        }
    }

    private static void awaitQueue(int fd, int n) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
        while (ReuseportSockets.acceptQueue(fd)[0] < n && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
    }

    /** TcpExt ListenOverflows from /proc/net/netstat (this network namespace). */
    private static long listenOverflows() throws IOException {
        List<String> lines = Files.readAllLines(Path.of("/proc/net/netstat"), StandardCharsets.US_ASCII);
        for (int i = 0; i + 1 < lines.size(); i++) {
            if (lines.get(i).startsWith("TcpExt:") && lines.get(i + 1).startsWith("TcpExt:")) {
                String[] names = lines.get(i).split("\\s+");
                String[] values = lines.get(i + 1).split("\\s+");
                for (int k = 0; k < names.length; k++) {
                    if (names[k].equals("ListenOverflows")) {
                        return Long.parseLong(values[k]);
                    }
                }
            }
        }
        throw new AssertionError("no TcpExt ListenOverflows in /proc/net/netstat");
    }
}
