package dev.hoststack.tcp;

import static dev.hoststack.tcp.TcpFixture.hi;
import static dev.hoststack.tcp.TcpFixture.ip4;
import static dev.hoststack.tcp.TcpFixture.lo;
import static org.assertj.core.api.Assertions.assertThat;

import dev.hoststack.api.FiveTuple;
import dev.hoststack.api.Ip;
import dev.hoststack.api.TransportProto;
import dev.hoststack.session.SessionWorker;
import org.junit.jupiter.api.Test;

/**
 * Every segment a connection sends, field by field, for both families: flags exactly (ACK on all
 * but a RST and our opening SYN), sequence number (ISS on a SYN, else ISS + 1), acknowledgement
 * (IRS + 1 when ACK is set, else 0), both ends, and valid checksums.
 */
class SentSegmentsTest {

    private static final int CLIENT = ip4("192.0.2.7");
    private static final int SERVER = ip4("10.0.0.1");
    private static final long CLIENT_HI = hi("2001:db8::7");
    private static final long CLIENT_LO = lo("2001:db8::7");
    private static final long SERVER_HI = hi("2001:db8::1");
    private static final long SERVER_LO = lo("2001:db8::1");

    /** The last segment sent, checked: its checksums, flags, numbers and ports. */
    private static TcpSegment expectSent(TcpFixture f, String what, int flags, int seq, int ack, int srcPort, int dstPort) {
        assertThat(SegmentWriter.checksumsValid(f.sent.get(f.sent.size() - 1).duplicate())).as("%s: checksums", what).isTrue();
        TcpSegment s = f.lastSent();
        assertThat(TcpSegment.flagString(s.flags())).as("%s: flags of %s", what, s).isEqualTo(TcpSegment.flagString(flags));
        assertThat(s.seq()).as("%s: seq of %s", what, s).isEqualTo(seq);
        assertThat(s.ack()).as("%s: ack of %s", what, s).isEqualTo(ack);
        assertThat(s.localPort()).as("%s: destination port", what).isEqualTo(dstPort);
        assertThat(s.remotePort()).as("%s: source port", what).isEqualTo(srcPort);
        return s;
    }

    private static void expectIp4(TcpSegment s, String what, int src, int dst) {
        assertThat(s.isIp4()).as("%s: IPv4", what).isTrue();
        assertThat(s.remoteIp4()).as("%s: source address", what).isEqualTo(src);
        assertThat(s.localIp4()).as("%s: destination address", what).isEqualTo(dst);
    }

    private static void expectIp6(TcpSegment s, String what, long srcHi, long srcLo, long dstHi, long dstLo) {
        assertThat(s.isIp4()).as("%s: IPv6", what).isFalse();
        assertThat(new long[] {s.remoteIp6Hi(), s.remoteIp6Lo(), s.localIp6Hi(), s.localIp6Lo()})
                .as("%s: source and destination addresses", what).containsExactly(srcHi, srcLo, dstHi, dstLo);
    }

    @Test
    void anAcceptedIpv4ConnectionSendsSynAckThenFinAck() {
        TcpFixture f = new TcpFixture(1);
        f.attach("app1", 1);
        f.listen("app1", 0, "tcp://10.0.0.1/80");
        int irs = 0x8000_0000;
        f.peer.send4(0, CLIENT, 40000, SERVER, 80, irs, 0, TcpSegment.SYN);
        long session = f.tcp.result(0).session();
        int iss = f.tcp.issOfSession(session);
        expectIp4(expectSent(f, "SYN-ACK", TcpSegment.SYN | TcpSegment.ACK, iss, irs + 1, 80, 40000), "SYN-ACK", SERVER, CLIENT);
        f.peer.send4(0, CLIENT, 40000, SERVER, 80, irs + 1, iss + 1, TcpSegment.ACK);
        assertThat(f.layer.acceptReply(session)).isTrue();
        assertThat(f.layer.close(session)).isTrue();
        f.tcp.poll(0);
        expectIp4(expectSent(f, "FIN", TcpSegment.FIN | TcpSegment.ACK, iss + 1, irs + 1, 80, 40000), "FIN", SERVER, CLIENT);
    }

    @Test
    void anAcceptedIpv6ConnectionSendsSynAckThenFinAck() {
        TcpFixture f = new TcpFixture(1);
        f.attach("app1", 1);
        f.listen("app1", 0, "tcp://[2001:db8::1]/443");
        int irs = -5;
        f.peer.send6(0, CLIENT_HI, CLIENT_LO, 65535, SERVER_HI, SERVER_LO, 443, irs, 0, TcpSegment.SYN);
        long session = f.tcp.result(0).session();
        int iss = f.tcp.issOfSession(session);
        expectIp6(expectSent(f, "SYN-ACK", TcpSegment.SYN | TcpSegment.ACK, iss, irs + 1, 443, 65535), "SYN-ACK",
                SERVER_HI, SERVER_LO, CLIENT_HI, CLIENT_LO);
        f.peer.send6(0, CLIENT_HI, CLIENT_LO, 65535, SERVER_HI, SERVER_LO, 443, irs + 1, iss + 1, TcpSegment.ACK);
        assertThat(f.layer.acceptReply(session)).isTrue();
        assertThat(f.layer.close(session)).isTrue();
        f.tcp.poll(0);
        expectIp6(expectSent(f, "FIN", TcpSegment.FIN | TcpSegment.ACK, iss + 1, irs + 1, 443, 65535), "FIN",
                SERVER_HI, SERVER_LO, CLIENT_HI, CLIENT_LO);
    }

    @Test
    void aRetransmittedSynGetsTheSameSynAckAndABadFinalAckABareRst() {
        TcpFixture f = new TcpFixture(1);
        f.attach("app1", 1);
        f.listen("app1", 0, "tcp://10.0.0.1/80");
        f.peer.send4(0, CLIENT, 40001, SERVER, 80, 1000, 0, TcpSegment.SYN);
        int iss = f.tcp.issOfSession(f.tcp.result(0).session());
        f.peer.send4(0, CLIENT, 40001, SERVER, 80, 1000, 0, TcpSegment.SYN);
        expectSent(f, "SYN-ACK again", TcpSegment.SYN | TcpSegment.ACK, iss, 1001, 80, 40001);
        assertThat(f.peer.send4(0, CLIENT, 40001, SERVER, 80, 1001, iss + 7, TcpSegment.ACK)).isEqualTo(TcpTransport.CLOSED);
        expectIp4(expectSent(f, "RST for a bad final ACK", TcpSegment.RST, iss + 1, 0, 80, 40001), "RST", SERVER, CLIENT);
    }

    @Test
    void anOutgoingConnectionSendsABareSynThenAnAck() {
        TcpFixture f = new TcpFixture(1);
        SessionWorker w = f.attach("client", 1);
        FiveTuple tuple = new FiveTuple(TransportProto.TCP, Ip.fromIp6(SERVER_HI, SERVER_LO), 5000,
                Ip.fromIp6(CLIENT_HI, CLIENT_LO), 80);
        long s = f.tcp.connect(0, 0, w.globalIndex(), tuple);
        int iss = f.tcp.issOfSession(s);
        expectIp6(expectSent(f, "SYN", TcpSegment.SYN, iss, 0, 5000, 80), "SYN", SERVER_HI, SERVER_LO, CLIENT_HI, CLIENT_LO);
        int peerIss = 0x7FFF_FFFF;
        assertThat(f.peer.send6(0, CLIENT_HI, CLIENT_LO, 80, SERVER_HI, SERVER_LO, 5000, peerIss, iss + 1,
                TcpSegment.SYN | TcpSegment.ACK)).isEqualTo(TcpTransport.ESTABLISHED);
        expectSent(f, "ACK of the SYN-ACK", TcpSegment.ACK, iss + 1, peerIss + 1, 5000, 80);
        assertThat(f.layer.close(s)).isTrue();
        f.tcp.poll(0);
        expectSent(f, "FIN", TcpSegment.FIN | TcpSegment.ACK, iss + 1, peerIss + 1, 5000, 80);
    }

    @Test
    void closingAnOutgoingConnectionBeforeItsSynAckSendsABareRst() {
        TcpFixture f = new TcpFixture(1);
        SessionWorker w = f.attach("client", 1);
        FiveTuple tuple = new FiveTuple(TransportProto.TCP, Ip.fromIp4(SERVER), 5001, Ip.fromIp4(CLIENT), 80);
        long s = f.tcp.connect(0, 0, w.globalIndex(), tuple);
        int iss = f.tcp.issOfSession(s);
        assertThat(f.layer.close(s)).isTrue();
        f.tcp.poll(0);
        expectIp4(expectSent(f, "RST", TcpSegment.RST, iss + 1, 0, 5001, 80), "RST", SERVER, CLIENT);
    }
}
