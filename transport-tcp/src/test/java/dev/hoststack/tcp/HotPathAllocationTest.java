package dev.hoststack.tcp;

import static dev.hoststack.tcp.TcpFixture.ip4;
import static org.assertj.core.api.Assertions.assertThat;

import com.sun.management.ThreadMXBean;
import dev.hoststack.api.SessionHandle;
import dev.hoststack.session.SessionLayerConfig;
import dev.hoststack.session.SessionWorker;
import java.lang.management.ManagementFactory;
import org.junit.jupiter.api.Test;

/**
 * The SYN-to-accept path and the lookups allocate nothing once pools are warm: measured with the
 * JVM's per-thread allocation counter over many iterations (an allocation count, not a timing).
 * The benchmarks module measures the same with JMH's {@code -prof gc}.
 */
class HotPathAllocationTest {

    private static final ThreadMXBean MX = (ThreadMXBean) ManagementFactory.getThreadMXBean();

    private static long allocated() {
        return MX.getThreadAllocatedBytes(Thread.currentThread().getId());
    }

    @Test
    void handshakesAcceptsAndClosesAllocateNothingOnceWarm() {
        int n = 4096;
        TcpFixture f = new TcpFixture(SessionLayerConfig.builder().threads(1).initialSessionsPerThread(2 * n)
                .maxSessionsPerThread(2 * n).initialTableEntries(2 * n).maxTableEntries(2 * n).appEventQueueCapacity(8192)
                .build(), TcpConfig.builder().initialConnectionsPerThread(2 * n).maxConnectionsPerThread(2 * n).build());
        f.tcp.output(null);
        SessionWorker w = f.attach("app1", 2);
        f.listen("app1", 0, "tcp://10.0.0.1/80");
        f.listen("app1", 1, "tcp://10.0.0.1/80");
        int server = ip4("10.0.0.1");
        long[] handles = new long[n];
        dev.hoststack.api.AppEventHandler drain = (type, s, l) -> { };
        Runnable round = () -> {
            for (int i = 0; i < n; i++) {
                handles[i] = f.peer.connect4(0, 0xC6120000 + i, 1024 + i, server, 80);
            }
            w.pollEvents(drain, Integer.MAX_VALUE);
            f.layer.app("app1").worker(1).pollEvents(drain, Integer.MAX_VALUE);
            for (int i = 0; i < n; i++) {
                f.layer.acceptReply(handles[i]);
            }
            f.tcp.poll(0);
            for (int i = 0; i < n; i++) {
                f.layer.close(handles[i]);
            }
            f.tcp.poll(0);
        };
        for (int warm = 0; warm < 20; warm++) {
            round.run();
        }
        assertThat(handles).doesNotContain(SessionHandle.INVALID);
        long before = allocated();
        for (int r = 0; r < 10; r++) {
            round.run();
        }
        long bytes = allocated() - before;
        assertThat(bytes).as("bytes allocated by %s handshakes, accepts and closes (expected ~0 B/op)", 10 * n)
                .isLessThan(16 * 1024);
        assertThat(f.layer.sessions()).isEmpty();
    }
}
