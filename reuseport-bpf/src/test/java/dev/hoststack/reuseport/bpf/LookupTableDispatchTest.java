package dev.hoststack.reuseport.bpf;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The lookup-table program on real loopback sockets: a flow's socket is {@code table[hash % size]}
 * for the kernel's 4-tuple hash. Flows are made repeatable by connecting twice from the same
 * client port (the first connection ends with a reset, so no TIME_WAIT holds the 4-tuple).
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class LookupTableDispatchTest {

    private static final int FLOWS = 40;

    @Test
    void aFlowGoesWhereItsBucketSaysAndFollowsTheBucketWhenTheTableChanges() {
        try (Listeners group = Listeners.loopback4(3);
             KernelDispatch dispatch = KernelDispatch.create(KernelDispatch.Kind.LOOKUP_TABLE, DispatchLimits.DEFAULT, false)) {
            int a = dispatch.addSocket(group.fds[0]);
            int b = dispatch.addSocket(group.fds[1]);
            int c = dispatch.addSocket(group.fds[2]);
            dispatch.publish(LookupTable.of(a, b));
            dispatch.attach(group.fds[0]);

            int[] ports = new int[FLOWS];
            int[] first = new int[FLOWS];
            int[] perListener = new int[3];
            for (int f = 0; f < FLOWS; f++) {
                ports[f] = freshPortConnect(group);
                first[f] = Listeners.acceptOne(group.fds);
                perListener[first[f]]++;
            }
            assertThat(perListener[2]).as("no flow reaches the socket the table does not name").isZero();
            assertThat(perListener[0]).as("some of %d flows hash to bucket 0 (a: %s)", FLOWS, perListener[0]).isPositive();
            assertThat(perListener[1]).as("some of %d flows hash to bucket 1", FLOWS).isPositive();
            for (int f = 0; f < FLOWS; f++) {
                connectFrom(group, ports[f]);
                assertThat(Listeners.acceptOne(group.fds)).as("flow from port %d again: same socket", ports[f]).isEqualTo(first[f]);
            }

            dispatch.publish(LookupTable.of(b, a)); // the buckets swap sockets
            for (int f = 0; f < FLOWS; f++) {
                connectFrom(group, ports[f]);
                assertThat(Listeners.acceptOne(group.fds)).as("flow from port %d after the swap: the other socket", ports[f]).isEqualTo(1 - first[f]);
            }

            dispatch.publish(LookupTable.of(c)); // one bucket: every flow
            for (int f = 0; f < FLOWS; f++) {
                connectFrom(group, ports[f]);
                assertThat(Listeners.acceptOne(group.fds)).as("flow from port %d with a one-entry table", ports[f]).isEqualTo(2);
            }
            group.assertNothingQueued();
        }
    }

    @Test
    void aMaglevSizedTableIsAcceptedAndAnEmptySlotFallsBackToTheKernelHash() {
        try (Listeners group = Listeners.loopback4(3);
             KernelDispatch dispatch = KernelDispatch.create(KernelDispatch.Kind.LOOKUP_TABLE, DispatchLimits.DEFAULT, false)) {
            int[] slots = {dispatch.addSocket(group.fds[0]), dispatch.addSocket(group.fds[1]), dispatch.addSocket(group.fds[2])};
            int[] table = new int[65_537];
            for (int i = 0; i < table.length; i++) {
                table[i] = slots[i % 3];
            }
            dispatch.publish(LookupTable.of(table));
            dispatch.attach(group.fds[0]);
            int[] ports = new int[FLOWS];
            int[] first = new int[FLOWS];
            for (int f = 0; f < FLOWS; f++) {
                ports[f] = freshPortConnect(group);
                first[f] = Listeners.acceptOne(group.fds);
                connectFrom(group, ports[f]);
                assertThat(Listeners.acceptOne(group.fds)).as("flow from port %d again, 65,537-entry table", ports[f]).isEqualTo(first[f]);
            }
            // every bucket names slot 7, which holds no socket: the program selects nothing and the kernel's hash decides
            int[] empty = new int[16];
            java.util.Arrays.fill(empty, 7);
            dispatch.publish(LookupTable.of(empty));
            int[] counts = new int[3];
            for (int k = 0; k < 60; k++) {
                counts[group.connectOnce()]++;
            }
            assertThat(counts[0] + counts[1] + counts[2]).as("every connection accepted through the hash fallback").isEqualTo(60);
        }
    }

    /** Connects from a port the kernel picks, resets the connection; returns the port. */
    private static int freshPortConnect(Listeners group) {
        try (Socket s = new Socket()) {
            s.setReuseAddress(true);
            s.setSoLinger(true, 0);
            s.bind(new InetSocketAddress(group.address, 0));
            s.connect(new InetSocketAddress(group.address, group.port), 2000);
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Connects from {@code port}, resets the connection. */
    private static void connectFrom(Listeners group, int port) {
        try (Socket s = new Socket()) {
            s.setReuseAddress(true);
            s.setSoLinger(true, 0);
            s.bind(new InetSocketAddress(group.address, port));
            s.connect(new InetSocketAddress(group.address, group.port), 2000);
        } catch (IOException e) {
            throw new UncheckedIOException("connect from port " + port, e);
        }
    }
}
