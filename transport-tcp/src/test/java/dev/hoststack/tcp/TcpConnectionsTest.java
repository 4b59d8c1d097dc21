package dev.hoststack.tcp;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The byte states the hot paths compare against are the ordinals {@link TcpConnections#state(int)} decodes. */
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
            c.state[conn] = s;
            assertThat(c.is(conn, s)).as("is(%s)", s).isTrue();
            assertThat(c.state(conn).ordinal()).as("state() after storing %s", s).isEqualTo(s);
            assertThat(c.isLive(conn)).as("live in state %s", s).isTrue();
        }
        c.free(conn);
        assertThat(c.is(conn, TcpConnections.CLOSED)).as("a freed connection is CLOSED").isTrue();
        assertThat(c.isLive(conn)).as("a freed connection").isFalse();
    }
}
