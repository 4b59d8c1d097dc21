package dev.hoststack.tcp;

import static dev.hoststack.tcp.TcpFixture.ip4;
import static org.assertj.core.api.Assertions.assertThat;

import dev.hoststack.api.DropReason;
import dev.hoststack.session.SessionCounter;
import dev.hoststack.session.SessionLayerConfig;
import dev.hoststack.session.SessionWorker;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * A SYN flood: a million SYNs that never send the final ACK. The stack stays within its bounds
 * (sessions, connections, table), every SYN is created or dropped with a counted reason, the
 * handshake timeout frees the embryonic connections, and nothing reaches the application.
 */
class SynFloodTest {

    @Test
    void aMillionSynsStayWithinTheBoundsAndTheTimeoutCleansUp() {
        int bound = 10_000;
        TcpFixture f = new TcpFixture(SessionLayerConfig.builder().threads(1).initialSessionsPerThread(bound)
                .maxSessionsPerThread(bound).maxTableEntries(bound + 1).initialTableEntries(bound + 1).build(),
                TcpConfig.builder().initialConnectionsPerThread(bound).maxConnectionsPerThread(bound)
                        .handshakeTimeout(1, TimeUnit.SECONDS).build());
        f.tcp.output(null);
        SessionWorker w = f.attach("victim", 1);
        f.listen("victim", 0, "tcp://10.0.0.1/80");
        int server = ip4("10.0.0.1");
        int floods = 1_000_000;
        long created = 0;
        long dropped = 0;
        int maxLive = 0;
        for (int i = 0; i < floods; i++) {
            f.now += TimeUnit.MICROSECONDS.toNanos(10);
            int r = f.peer.send4(0, 0x0B000000 + (i >>> 14), 1024 + (i & 0x3FFF), server, 80, i, 0, TcpSegment.SYN);
            if (r == TcpTransport.CREATED) {
                created++;
            } else {
                assertThat(r).isEqualTo(TcpTransport.DROPPED);
                dropped++;
            }
            if ((i & 4095) == 0) {
                f.tcp.poll(0);
                maxLive = Math.max(maxLive, f.tcp.connections(0));
                assertThat(f.layer.thread(0).sessions().liveCount()).as("sessions within the bound at SYN %s", i)
                        .isLessThanOrEqualTo(bound);
            }
        }
        assertThat(created + dropped).isEqualTo(floods);
        assertThat(dropped).as("the bound was reached: drops counted as pool full")
                .isEqualTo(f.layer.drops(DropReason.SESSION_POOL_FULL) + f.layer.drops(DropReason.CONNECTION_POOL_FULL)
                        + f.layer.drops(DropReason.TABLE_FULL));
        assertThat(dropped).isPositive();
        assertThat(maxLive).isLessThanOrEqualTo(bound);
        assertThat(created).as("created = %s", created).isEqualTo(f.layer.counter(SessionCounter.CREATED));

        f.now += TimeUnit.SECONDS.toNanos(2);
        f.tcp.poll(0);
        assertThat(f.tcp.connections(0)).as("the handshake timeout freed every embryonic connection").isZero();
        assertThat(f.layer.thread(0).sessions().liveCount()).as("only the listen session").isEqualTo(1);
        assertThat(f.layer.fib(0).table(true).size()).as("only the listener's entry").isEqualTo(1);
        assertThat(f.layer.drops(DropReason.HANDSHAKE_TIMEOUT) + f.layer.counter(SessionCounter.ABORTED))
                .as("every created session timed out").isEqualTo(created);
        assertThat(w.pendingEvents()).as("the application heard of none").isZero();
    }
}
