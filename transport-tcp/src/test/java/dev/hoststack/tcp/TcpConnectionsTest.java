package dev.hoststack.tcp;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hoststack.session.table.SessionKeys;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The connection pool's packed records: the byte states are the ordinals {@link TcpConnections#state(int)}
 * decodes, every field reads back what was stored beside its neighbours in the same word, the
 * key is the table's, and the timer list keeps deadline order through links and unlinks.
 */
class TcpConnectionsTest {

    @Test
    void byteStatesAreTheEnumsOrdinals() {
        assertThat(TcpConnections.CLOSED).as("CLOSED").isEqualTo((byte) TcpState.CLOSED.ordinal());
        assertThat(TcpConnections.SYN_SENT).as("SYN_SENT").isEqualTo((byte) TcpState.SYN_SENT.ordinal());
        assertThat(TcpConnections.SYN_RCVD).as("SYN_RCVD").isEqualTo((byte) TcpState.SYN_RCVD.ordinal());
        assertThat(TcpConnections.ESTABLISHED).as("ESTABLISHED").isEqualTo((byte) TcpState.ESTABLISHED.ordinal());
    }

    @Test
    void aConnectionReadsBackInTheStateItWasPutIn() {
        TcpConnections c = new TcpConnections(2, 4);
        int conn = c.allocate();
        assertThat(c.state(conn)).as("a fresh connection").isEqualTo(TcpState.CLOSED);
        assertThat(c.isLive(conn)).as("a fresh connection is live only once in a state").isFalse();
        for (byte s : new byte[] {TcpConnections.SYN_SENT, TcpConnections.SYN_RCVD, TcpConnections.ESTABLISHED}) {
            c.state(conn, s);
            assertThat(c.is(conn, s)).as("is(%s)", s).isTrue();
            assertThat(c.state(conn).ordinal()).as("state() after storing %s", s).isEqualTo(s);
            assertThat(c.isLive(conn)).as("live in state %s", s).isTrue();
        }
        c.free(conn);
        assertThat(c.is(conn, TcpConnections.CLOSED)).as("a freed connection is CLOSED").isTrue();
        assertThat(c.isLive(conn)).as("a freed connection").isFalse();
    }

    private static final int TCP = 6;

    private static TcpSegment flow4(int local, int localPort, int remote, int remotePort) {
        TcpSegment f = new TcpSegment();
        f.ip4 = true;
        f.dstIp4 = local;
        f.dstPort = localPort;
        f.srcIp4 = remote;
        f.srcPort = remotePort;
        return f;
    }

    private static TcpSegment flow6(long localHi, long localLo, int localPort, long remoteHi, long remoteLo, int remotePort) {
        TcpSegment f = new TcpSegment();
        f.ip4 = false;
        f.dstHi = localHi;
        f.dstLo = localLo;
        f.dstPort = localPort;
        f.srcHi = remoteHi;
        f.srcLo = remoteLo;
        f.srcPort = remotePort;
        return f;
    }

    @Test
    void everyFieldReadsBackWhatWasStoredWithItsNeighboursIntact() {
        long seed = new SplittableRandom().nextLong();
        SplittableRandom rnd = new SplittableRandom(seed);
        // a small start, so the pool grows while records are live: growth must keep them
        TcpConnections c = new TcpConnections(1, 64);
        List<Object[]> expected = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            int conn = c.allocate();
            boolean v4 = rnd.nextBoolean();
            // extremes included: negative ints (high bit set) must not leak into the neighbour half
            int session = i % 3 == 0 ? Integer.MAX_VALUE - i : rnd.nextInt(1 << 20);
            int fib = i % 5 == 0 ? -7 : rnd.nextInt(1000);
            int iss = i % 2 == 0 ? -1 - i : rnd.nextInt();
            int irs = i % 2 == 1 ? -1 - i : rnd.nextInt();
            int lp = rnd.nextInt(65536);
            int rp = i % 4 == 0 ? 65535 : rnd.nextInt(65536);
            TcpSegment f = v4 ? flow4(rnd.nextInt(), lp, -1 - rnd.nextInt(1 << 30), rp)
                    : flow6(rnd.nextLong(), rnd.nextLong(), lp, rnd.nextLong(), -1L, rp);
            byte s = i % 2 == 0 ? TcpConnections.SYN_RCVD : TcpConnections.SYN_SENT;
            c.fill(conn, s, session, fib, f, iss, irs);
            long ref = rnd.nextLong();
            c.tableRef(conn, ref);
            expected.add(new Object[] {conn, f, s, session, fib, iss, irs, ref});
        }
        for (Object[] e : expected) {
            int conn = (int) e[0];
            TcpSegment f = (TcpSegment) e[1];
            // the state changes of the handshake must leave the rest of its word alone
            c.state(conn, TcpConnections.ESTABLISHED);
            c.irs(conn, (int) e[6] ^ 0x5555);
            String at = "connection " + conn + " (seed " + seed + ")";
            assertThat(c.is(conn, TcpConnections.ESTABLISHED)).as("state of %s", at).isTrue();
            assertThat(c.session(conn)).as("session of %s", at).isEqualTo((int) e[3]);
            assertThat(c.ip4(conn)).as("family of %s", at).isEqualTo(f.ip4);
            assertThat(c.fib(conn)).as("FIB of %s", at).isEqualTo((int) e[4]);
            assertThat(c.iss(conn)).as("iss of %s", at).isEqualTo((int) e[5]);
            assertThat(c.irs(conn)).as("irs of %s", at).isEqualTo((int) e[6] ^ 0x5555);
            assertThat(c.tableRef(conn)).as("table reference of %s", at).isEqualTo((long) e[7]);
            assertThat(c.localPort(conn)).as("local port of %s", at).isEqualTo(f.dstPort);
            assertThat(c.remotePort(conn)).as("remote port of %s", at).isEqualTo(f.srcPort);
            long[] key = new long[6];
            long[] want = new long[6];
            c.key(conn, key);
            if (f.ip4) {
                assertThat(c.localIp4(conn)).as("local address of %s", at).isEqualTo(f.dstIp4);
                assertThat(c.remoteIp4(conn)).as("remote address of %s", at).isEqualTo(f.srcIp4);
                assertThat(c.addressSum(conn)).as("address sum of %s", at)
                        .isEqualTo(SegmentWriter.addressSum4(f.dstIp4, f.srcIp4));
                SessionKeys.ip4(want, TCP, f.dstIp4, f.dstPort, f.srcIp4, f.srcPort);
                assertThat(new long[] {key[0], key[1]}).as("IPv4 table key of %s", at).containsExactly(want[0], want[1]);
            } else {
                assertThat(new long[] {c.localHi(conn), c.localLo(conn), c.remoteHi(conn), c.remoteLo(conn)})
                        .as("addresses of %s", at).containsExactly(f.dstHi, f.dstLo, f.srcHi, f.srcLo);
                assertThat(c.addressSum(conn)).as("address sum of %s", at)
                        .isEqualTo(SegmentWriter.addressSum6(f.dstHi, f.dstLo, f.srcHi, f.srcLo));
                SessionKeys.ip6(want, TCP, f.dstHi, f.dstLo, f.dstPort, f.srcHi, f.srcLo, f.srcPort);
                assertThat(key).as("IPv6 table key of %s", at).containsExactly(want);
            }
        }
    }

    @Test
    void theTimerListKeepsDeadlineOrderThroughUnlinksAnywhere() {
        TcpConnections c = new TcpConnections(4, 16);
        int[] conns = new int[6];
        for (int i = 0; i < conns.length; i++) {
            conns[i] = c.allocate();
            c.fill(conns[i], TcpConnections.SYN_RCVD, i, 0, flow4(1, 80, 2, 1000 + i), 0, 0);
            c.armTimer(conns[i], 100 + i);
        }
        c.unlinkTimer(conns[0]); // the head
        c.unlinkTimer(conns[3]); // the middle
        c.unlinkTimer(conns[5]); // the tail
        c.free(conns[2]); // a free with its timer armed unlinks it
        assertThat(c.deadline(conns[3])).as("an unlinked connection has no deadline").isZero();
        List<Integer> order = new ArrayList<>();
        while (c.timerHead() != TcpConnections.NONE) {
            int head = c.timerHead();
            order.add(head);
            c.unlinkTimer(head);
        }
        assertThat(order).as("the connections still armed, in deadline order").containsExactly(conns[1], conns[4]);
        c.armTimer(conns[3], 200);
        assertThat(c.timerHead()).as("an emptied list takes a new head").isEqualTo(conns[3]);
        assertThat(c.deadline(conns[3])).as("its deadline").isEqualTo(200);
    }

    @Test
    void aPoolLargerThanOneArrayOfRecordsCanHoldIsRefused() {
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> TcpConfig.builder()
                        .maxConnectionsPerThread(TcpConnections.MAX_CONNECTIONS + 1).build())
                .as("a bound above MAX_CONNECTIONS")
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("maxConnectionsPerThread " + (TcpConnections.MAX_CONNECTIONS + 1));
    }
}
