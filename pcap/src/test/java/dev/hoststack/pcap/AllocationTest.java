package dev.hoststack.pcap;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.lang.management.ManagementFactory;
import org.junit.jupiter.api.Test;

/**
 * Iterating with {@link CaptureReader#next(PacketRecord)} allocates nothing per packet, measured
 * with the JDK's per-thread allocation counter.
 */
class AllocationTest {

    @Test
    void nextAllocatesNothingPerPacket() {
        java.lang.management.ThreadMXBean bean = ManagementFactory.getThreadMXBean();
        assumeTrue(bean instanceof com.sun.management.ThreadMXBean, "needs com.sun.management.ThreadMXBean");
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) bean;
        assumeTrue(threads.isThreadAllocatedMemorySupported() && threads.isThreadAllocatedMemoryEnabled(),
                "thread allocation accounting is off in this JVM");
        byte[][] captures = new byte[CaptureBytes.FIXTURES.length][];
        for (int i = 0; i < captures.length; i++) {
            captures[i] = CaptureBytes.fixtureBytes(CaptureBytes.FIXTURES[i]);
        }
        PacketRecord rec = new PacketRecord();
        for (int warm = 0; warm < 20; warm++) {
            for (byte[] c : captures) {
                drain(CaptureReader.of(c), rec);
            }
        }
        long thread = Thread.currentThread().getId();
        for (byte[] c : captures) {
            // the least of three reads: a one-off allocation by the JVM itself (a compilation, a
            // deoptimization) lands in one of them; an allocation per packet shows in all three
            long allocated = Long.MAX_VALUE;
            long packets = 0;
            for (int round = 0; round < 3; round++) {
                CaptureReader reader = CaptureReader.of(c);
                long before = threads.getThreadAllocatedBytes(thread);
                packets = drain(reader, rec);
                allocated = Math.min(allocated, threads.getThreadAllocatedBytes(thread) - before);
            }
            assertThat(packets).isGreaterThan(0);
            // a few hundred bytes of slack for the measurement itself; per packet it would be 10s of KB
            assertThat(allocated).as("bytes allocated while reading %d packets with next() (least of 3 reads)", packets)
                    .isLessThan(1024);
        }
    }

    private static long drain(CaptureReader reader, PacketRecord rec) {
        long n = 0;
        while (reader.next(rec)) {
            n += rec.ipLength() > 0 ? 1 : 0;
        }
        return n;
    }
}
