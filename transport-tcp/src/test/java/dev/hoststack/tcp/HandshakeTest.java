package dev.hoststack.tcp;

import static dev.hoststack.tcp.TcpFixture.hi;
import static dev.hoststack.tcp.TcpFixture.ip4;
import static dev.hoststack.tcp.TcpFixture.lo;
import static org.assertj.core.api.Assertions.assertThat;

import dev.hoststack.api.AppEventType;
import dev.hoststack.api.DropReason;
import dev.hoststack.api.JHash;
import dev.hoststack.api.Session;
import dev.hoststack.api.SessionHandle;
import dev.hoststack.api.SessionState;
import dev.hoststack.session.SessionCounter;
import dev.hoststack.session.SessionLayerConfig;
import dev.hoststack.session.SessionWorker;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The whole path with real bytes: SYN, SYN-ACK, final ACK, accept event, accept reply, READY. */
class HandshakeTest {

    private static final int CLIENT = ip4("192.0.2.10");
    private static final int SERVER = ip4("10.0.0.1");

    @Test
    void ipv4SynThenAckEndsWithAcceptAtTheExpectedWorkerAndReadySessionOnTheReceivingThread() {
        TcpFixture f = new TcpFixture(2);
        f.attach("app1", 3);
        long listener = f.listen("app1", 0, "tcp://10.0.0.1/80");
        f.layer.listen("app1", 1, dev.hoststack.api.Endpoint.parseUri("tcp://10.0.0.1/80"),
                dev.hoststack.session.ListenOptions.PLAIN);
        f.layer.listen("app1", 2, dev.hoststack.api.Endpoint.parseUri("tcp://10.0.0.1/80"),
                dev.hoststack.session.ListenOptions.PLAIN);

        int r = f.peer.send4(1, CLIENT, 40000, SERVER, 80, 1000, 0, TcpSegment.SYN);
        assertThat(r).as("a SYN to a listener creates a connection").isEqualTo(TcpTransport.CREATED);
        long session = f.tcp.result(1).session();
        assertThat(SessionHandle.thread(session)).as("the session lives on the receiving thread").isEqualTo(1);
        SessionWorker expected = f.layer.app("app1").worker(1);
        assertThat(f.tcp.result(1).workerGlobal())
                .as("VPP's in-app round robin starts after rotor 0: worker 1 first").isEqualTo(expected.globalIndex());
        assertThat(f.layer.session(session).state()).isEqualTo(SessionState.CREATED);

        TcpSegment synAck = f.lastSent();
        assertThat(synAck.has(TcpSegment.SYN | TcpSegment.ACK)).as("a SYN-ACK is sent: " + synAck).isTrue();
        assertThat(synAck.ack()).as("the SYN-ACK acknowledges the SYN").isEqualTo(1001);
        assertThat(SegmentWriter.checksumsValid(f.sent.get(f.sent.size() - 1).duplicate())).isTrue();
        assertThat(f.events(expected)).as("no event before the final ACK").isEmpty();

        r = f.peer.send4(1, CLIENT, 40000, SERVER, 80, 1001, synAck.seq() + 1, TcpSegment.ACK);
        assertThat(r).isEqualTo(TcpTransport.ESTABLISHED);
        assertThat(f.layer.session(session).state()).isEqualTo(SessionState.ACCEPTING);
        List<TcpFixture.Event> events = f.events(expected);
        assertThat(events).containsExactly(new TcpFixture.Event(AppEventType.ACCEPT, session, listener));
        for (int w : new int[] {0, 2}) {
            assertThat(f.events(f.layer.app("app1").worker(w))).as("worker %s gets nothing", w).isEmpty();
        }

        assertThat(f.layer.acceptReply(session)).isTrue();
        f.tcp.poll(1);
        Session s = f.layer.session(session);
        assertThat(s.state()).isEqualTo(SessionState.READY);
        assertThat(s.appWorkerIndex()).isEqualTo(expected.globalIndex());
        assertThat(s.tuple().toString()).isEqualTo("tcp 192.0.2.10:40000 -> 10.0.0.1:80");
        assertThat(s.connection().state()).isEqualTo("ESTABLISHED");
    }

    @Test
    void ipv6SynThenAckEndsWithAcceptAndReadySession() {
        TcpFixture f = new TcpFixture(3);
        SessionWorker w0 = f.attach("web", 1);
        long listener = f.listen("web", 0, "tcp://2001:db8::1/443");
        long session = f.peer.connect6(2, hi("2001:db8::99"), lo("2001:db8::99"), 50000,
                hi("2001:db8::1"), lo("2001:db8::1"), 443);
        assertThat(session).as("the IPv6 handshake completes").isNotEqualTo(SessionHandle.INVALID);
        assertThat(SessionHandle.thread(session)).isEqualTo(2);
        assertThat(f.events(w0)).containsExactly(new TcpFixture.Event(AppEventType.ACCEPT, session, listener));
        f.layer.acceptReply(session);
        f.tcp.poll(2);
        assertThat(f.layer.session(session).state()).isEqualTo(SessionState.READY);
        assertThat(f.layer.session(session).tuple().toString()).isEqualTo("tcp [2001:db8::99]:50000 -> [2001:db8::1]:443");
    }

    @Test
    void synWithNoListenerIsResetAndCounted() {
        TcpFixture f = new TcpFixture(1);
        int r = f.peer.send4(0, CLIENT, 40001, SERVER, 81, 7, 0, TcpSegment.SYN);
        assertThat(r).isEqualTo(TcpTransport.DROPPED);
        assertThat(f.tcp.result(0).drop()).isEqualTo(DropReason.NO_LISTENER);
        assertThat(f.layer.drops(DropReason.NO_LISTENER)).isEqualTo(1);
        TcpSegment rst = f.lastSent();
        assertThat(rst.has(TcpSegment.RST | TcpSegment.ACK)).as("RST+ACK answers a SYN: " + rst).isTrue();
        assertThat(rst.ack()).as("RFC 9293: ack = seq + 1 for the SYN").isEqualTo(8);
        assertThat(f.tcp.counter(TcpCounter.RSTS_SENT)).isEqualTo(1);
    }

    @Test
    void resetBeforeTheFinalAckFreesSilently() {
        TcpFixture f = new TcpFixture(1);
        SessionWorker w = f.attach("app1", 1);
        f.listen("app1", 0, "tcp://0.0.0.0/80");
        f.peer.send4(0, CLIENT, 40002, SERVER, 80, 100, 0, TcpSegment.SYN);
        long session = f.tcp.result(0).session();
        assertThat(f.peer.send4(0, CLIENT, 40002, SERVER, 80, 101, 0, TcpSegment.RST)).isEqualTo(TcpTransport.CLOSED);
        assertThat(f.layer.session(session)).as("the session is freed").isNull();
        assertThat(f.events(w)).as("the app never hears of it").isEmpty();
        assertThat(f.layer.drops(DropReason.RESET_BY_PEER)).isEqualTo(1);
        assertThat(f.layer.counter(SessionCounter.EMBRYONIC_FREED)).isEqualTo(1);
        assertThat(f.tcp.connections(0)).isZero();
        assertThat(f.peer.send4(0, CLIENT, 40002, SERVER, 80, 101, 5, TcpSegment.ACK))
                .as("the 5-tuple left the table: a late ACK finds no connection").isEqualTo(TcpTransport.DROPPED);
        assertThat(f.tcp.result(0).drop()).isEqualTo(DropReason.NO_CONNECTION);
    }

    @Test
    void handshakeTimeoutFreesTheEmbryonicConnection() {
        TcpFixture f = new TcpFixture(SessionLayerConfig.builder().threads(1).build(),
                TcpConfig.builder().handshakeTimeout(3, TimeUnit.SECONDS).build());
        SessionWorker w = f.attach("app1", 1);
        f.listen("app1", 0, "tcp://0.0.0.0/80");
        f.peer.send4(0, CLIENT, 40003, SERVER, 80, 100, 0, TcpSegment.SYN);
        f.now += TimeUnit.SECONDS.toNanos(2);
        assertThat(f.tcp.poll(0)).as("not yet expired after 2 s").isZero();
        f.now += TimeUnit.SECONDS.toNanos(1);
        assertThat(f.tcp.poll(0)).as("expired after 3 s").isEqualTo(1);
        assertThat(f.layer.drops(DropReason.HANDSHAKE_TIMEOUT)).isEqualTo(1);
        assertThat(f.layer.sessions()).isEmpty();
        assertThat(f.events(w)).isEmpty();
    }

    @Test
    void theCallersLoopTimeTimesTheHandshakeAndTheClockIsNotRead() {
        TcpFixture f = new TcpFixture(SessionLayerConfig.builder().threads(1).build(),
                TcpConfig.builder().handshakeTimeout(3, TimeUnit.SECONDS).build());
        f.attach("app1", 1);
        f.listen("app1", 0, "tcp://0.0.0.0/80");
        // the clock says something else entirely: only the loop time passed in counts
        f.now = 42;
        long loop = TimeUnit.SECONDS.toNanos(100);
        java.nio.ByteBuffer syn = java.nio.ByteBuffer.allocate(SegmentWriter.IP6_LENGTH);
        syn.limit(SegmentWriter.writeIp4(syn, CLIENT, 40004, SERVER, 80, 100, 0, TcpSegment.SYN, 65535));
        assertThat(f.tcp.input(0, syn, 0, loop)).isEqualTo(TcpTransport.CREATED);
        int iss = f.tcp.issOfSession(f.tcp.result(0).session());
        assertThat(iss - (int) (loop >>> 12))
                .as("the ISN's clock part is the loop time's (RFC 6528's 4 us ticks), not the clock's")
                .isEqualTo(JHash.inetEhash(SERVER, 80, CLIENT, 40004, TcpConfig.defaults().isnSecret()));
        assertThat(f.tcp.poll(0, loop + TimeUnit.SECONDS.toNanos(3) - 1)).as("1 ns before the deadline").isZero();
        assertThat(f.tcp.poll(0, loop + TimeUnit.SECONDS.toNanos(3))).as("at loop time + 3 s").isEqualTo(1);
        assertThat(f.layer.drops(DropReason.HANDSHAKE_TIMEOUT)).isEqualTo(1);
        // the 3-argument input reads the clock again
        f.now = TimeUnit.SECONDS.toNanos(500);
        f.peer.send4(0, CLIENT, 40005, SERVER, 80, 100, 0, TcpSegment.SYN);
        assertThat(f.tcp.poll(0, TimeUnit.SECONDS.toNanos(502))).as("timed from the clock's 500 s").isZero();
        assertThat(f.tcp.poll(0)).as("the clock has not moved").isZero();
        f.now += TimeUnit.SECONDS.toNanos(3);
        assertThat(f.tcp.poll(0)).as("poll(thread) reads the clock").isEqualTo(1);
    }

    @Test
    void establishedConnectionsTellTheAppWhenThePeerClosesOrResets() {
        TcpFixture f = new TcpFixture(1);
        SessionWorker w = f.attach("app1", 1);
        f.listen("app1", 0, "tcp://10.0.0.1/80");
        long a = f.peer.connect4(0, CLIENT, 41000, SERVER, 80);
        long b = f.peer.connect4(0, CLIENT, 41001, SERVER, 80);
        assertThat(f.events(w)).hasSize(2);
        assertThat(f.peer.send4(0, CLIENT, 41000, SERVER, 80, 0, 0, TcpSegment.FIN | TcpSegment.ACK))
                .isEqualTo(TcpTransport.CLOSED);
        assertThat(f.peer.send4(0, CLIENT, 41001, SERVER, 80, 0, 0, TcpSegment.RST)).isEqualTo(TcpTransport.CLOSED);
        assertThat(f.layer.sessions()).as("kept, CLOSED, until the app hears of their end")
                .extracting(dev.hoststack.api.Session::state).containsOnly(SessionState.CLOSED);
        assertThat(f.events(w)).containsExactly(
                new TcpFixture.Event(AppEventType.DISCONNECT, a, SessionHandle.INVALID),
                new TcpFixture.Event(AppEventType.RESET, b, SessionHandle.INVALID));
        f.tcp.poll(0);
        assertThat(f.layer.sessions()).as("then freed").isEmpty();
        assertThat(f.layer.counter(SessionCounter.PEER_CLOSES)).isEqualTo(1);
        assertThat(f.layer.counter(SessionCounter.PEER_RESETS)).isEqualTo(1);
    }

    @Test
    void aFinalAckThatDoesNotAcknowledgeOurSynIsResetAndCounted() {
        TcpFixture f = new TcpFixture(1);
        SessionWorker w = f.attach("app1", 1);
        f.listen("app1", 0, "tcp://10.0.0.1/80");
        f.peer.send4(0, CLIENT, 40004, SERVER, 80, 100, 0, TcpSegment.SYN);
        int iss = f.lastSent().seq();
        assertThat(f.peer.send4(0, CLIENT, 40004, SERVER, 80, 101, iss + 2, TcpSegment.ACK)).isEqualTo(TcpTransport.CLOSED);
        assertThat(f.tcp.result(0).drop()).isEqualTo(DropReason.BAD_ACK);
        assertThat(f.lastSent().has(TcpSegment.RST)).isTrue();
        assertThat(f.events(w)).isEmpty();
        assertThat(f.layer.sessions()).isEmpty();
    }

    @Test
    void aSegmentOfAnotherThreadsConnectionIsDroppedAsVppDoes() {
        TcpFixture f = new TcpFixture(2);
        f.attach("app1", 1);
        f.listen("app1", 0, "tcp://10.0.0.1/80");
        f.peer.send4(1, CLIENT, 40005, SERVER, 80, 100, 0, TcpSegment.SYN);
        int iss = f.lastSent().seq();
        assertThat(f.peer.send4(0, CLIENT, 40005, SERVER, 80, 101, iss + 1, TcpSegment.ACK)).isEqualTo(TcpTransport.DROPPED);
        assertThat(f.tcp.result(0).drop()).isEqualTo(DropReason.WRONG_THREAD);
        assertThat(f.peer.send4(1, CLIENT, 40005, SERVER, 80, 101, iss + 1, TcpSegment.ACK))
                .as("the owning thread still completes it").isEqualTo(TcpTransport.ESTABLISHED);
    }

    @Test
    void retransmittedSynGetsTheSynAckAgain() {
        TcpFixture f = new TcpFixture(1);
        f.attach("app1", 1);
        f.listen("app1", 0, "tcp://10.0.0.1/80");
        f.peer.send4(0, CLIENT, 40006, SERVER, 80, 100, 0, TcpSegment.SYN);
        int iss = f.lastSent().seq();
        assertThat(f.peer.send4(0, CLIENT, 40006, SERVER, 80, 100, 0, TcpSegment.SYN)).isEqualTo(TcpTransport.NO_CHANGE);
        assertThat(f.lastSent().seq()).as("the same ISS").isEqualTo(iss);
        assertThat(f.tcp.counter(TcpCounter.SYN_RETRANSMITS)).isEqualTo(1);
        assertThat(f.layer.sessions()).hasSize(1);
    }

    @Test
    void eachDataThreadHasItsOwnQueueToAWorkerAndAPollTakesFromAll() {
        TcpFixture f = new TcpFixture(SessionLayerConfig.builder().threads(2).appEventQueueCapacity(2).build(),
                TcpConfig.defaults());
        SessionWorker w = f.attach("app1", 1);
        f.listen("app1", 0, "tcp://10.0.0.1/80");
        long a = f.peer.connect4(0, CLIENT, 1, SERVER, 80);
        long b = f.peer.connect4(0, CLIENT, 2, SERVER, 80);
        assertThat(f.peer.connect4(0, CLIENT, 3, SERVER, 80)).as("thread 0's queue of 2 is full").isEqualTo(SessionHandle.INVALID);
        long c = f.peer.connect4(1, CLIENT, 4, SERVER, 80);
        long d = f.peer.connect4(1, CLIENT, 5, SERVER, 80);
        assertThat(c).as("thread 1 has a queue of its own").isNotEqualTo(SessionHandle.INVALID);
        assertThat(f.peer.connect4(1, CLIENT, 6, SERVER, 80)).as("and it holds 2 as well").isEqualTo(SessionHandle.INVALID);
        assertThat(w.pendingEvents()).isEqualTo(4);
        assertThat(w.queueFull()).isEqualTo(2);
        List<TcpFixture.Event> first = new java.util.ArrayList<>();
        assertThat(w.pollEvents((type, s, l) -> first.add(new TcpFixture.Event(type, s, l)), 3)).isEqualTo(3);
        List<TcpFixture.Event> rest = f.events(w);
        List<Long> sessions = new java.util.ArrayList<>();
        first.forEach(e -> sessions.add(e.session()));
        rest.forEach(e -> sessions.add(e.session()));
        assertThat(sessions).as("every accept event once, each thread's in order")
                .containsExactlyInAnyOrder(a, b, c, d);
        assertThat(sessions.indexOf(a)).isLessThan(sessions.indexOf(b));
        assertThat(sessions.indexOf(c)).isLessThan(sessions.indexOf(d));
        assertThat(w.pendingEvents()).isZero();
    }

    @Test
    void repliesKeepThePostersOrderWhenTheDataThreadChangesOwner() throws Exception {
        TcpFixture f = new TcpFixture(2);
        f.attach("app1", 1);
        f.listen("app1", 0, "tcp://10.0.0.1/80");
        // 1: the accept reply posted while another Java thread owns data thread 1 (shared queue),
        // then the close posted by the new owner: the close must not overtake the reply
        long s1 = f.peer.connect4(1, CLIENT, 7001, SERVER, 80);
        Thread other = new Thread(() -> f.layer.claim(1), "other-owner");
        other.start();
        other.join();
        assertThat(f.layer.acceptReply(s1)).isTrue();
        f.layer.claim(1);
        assertThat(f.layer.close(s1)).isTrue();
        f.tcp.poll(1);
        assertThat(f.layer.counter(SessionCounter.ACCEPTED)).as("the reply made the session READY first").isEqualTo(1);
        assertThat(f.layer.counter(SessionCounter.APP_CLOSES)).isEqualTo(1);
        assertThat(f.layer.counter(SessionCounter.STALE_REPLIES)).as("nothing ran out of order").isZero();
        assertThat(f.lastSent().has(TcpSegment.FIN)).as("then the close sent a FIN").isTrue();
        // 2: the reply posted by the owner (its own ring), the close after it lost the thread
        // (shared queue); the owner's ring runs first
        long s2 = f.peer.connect4(1, CLIENT, 7002, SERVER, 80);
        assertThat(f.layer.acceptReply(s2)).isTrue();
        Thread third = new Thread(() -> f.layer.claim(1), "third-owner");
        third.start();
        third.join();
        assertThat(f.layer.close(s2)).isTrue();
        f.layer.claim(1);
        f.tcp.poll(1);
        assertThat(f.layer.counter(SessionCounter.ACCEPTED)).isEqualTo(2);
        assertThat(f.layer.counter(SessionCounter.APP_CLOSES)).isEqualTo(2);
        assertThat(f.layer.counter(SessionCounter.STALE_REPLIES)).as("nothing ran out of order").isZero();
        assertThat(f.layer.sessions()).isEmpty();
    }

    @Test
    void aFullEventQueueResetsTheConnectionAndCountsIt() {
        TcpFixture f = new TcpFixture(SessionLayerConfig.builder().threads(1).appEventQueueCapacity(2).build(),
                TcpConfig.defaults());
        SessionWorker w = f.attach("app1", 1);
        f.listen("app1", 0, "tcp://10.0.0.1/80");
        assertThat(f.peer.connect4(0, CLIENT, 1, SERVER, 80)).isNotEqualTo(SessionHandle.INVALID);
        assertThat(f.peer.connect4(0, CLIENT, 2, SERVER, 80)).isNotEqualTo(SessionHandle.INVALID);
        assertThat(f.peer.connect4(0, CLIENT, 3, SERVER, 80)).as("the third finds the queue full").isEqualTo(SessionHandle.INVALID);
        assertThat(f.tcp.result(0).drop()).isEqualTo(DropReason.APP_QUEUE_FULL);
        assertThat(f.layer.drops(DropReason.APP_QUEUE_FULL)).isEqualTo(1);
        assertThat(w.queueFull()).isEqualTo(1);
        assertThat(f.events(w)).hasSize(2);
        assertThat(f.layer.sessions()).hasSize(2);
    }

    @Test
    void boundsDropSynsWithACountedReason() {
        TcpFixture f = new TcpFixture(SessionLayerConfig.builder().threads(2).initialSessionsPerThread(2)
                .maxSessionsPerThread(2).build(), TcpConfig.defaults());
        f.attach("app1", 1);
        f.listen("app1", 0, "tcp://10.0.0.1/80");
        for (int port = 1; port <= 2; port++) {
            assertThat(f.peer.send4(1, CLIENT, port, SERVER, 80, 0, 0, TcpSegment.SYN)).isEqualTo(TcpTransport.CREATED);
        }
        assertThat(f.peer.send4(1, CLIENT, 3, SERVER, 80, 0, 0, TcpSegment.SYN)).isEqualTo(TcpTransport.DROPPED);
        assertThat(f.tcp.result(1).drop()).isEqualTo(DropReason.SESSION_POOL_FULL);
        assertThat(f.tcp.connections(1)).as("the connection taken for it was given back").isEqualTo(2);

        TcpFixture g = new TcpFixture(SessionLayerConfig.builder().threads(1).build(),
                TcpConfig.builder().initialConnectionsPerThread(1).maxConnectionsPerThread(1).build());
        g.attach("app1", 1);
        g.listen("app1", 0, "tcp://10.0.0.1/80");
        assertThat(g.peer.send4(0, CLIENT, 1, SERVER, 80, 0, 0, TcpSegment.SYN)).isEqualTo(TcpTransport.CREATED);
        assertThat(g.peer.send4(0, CLIENT, 2, SERVER, 80, 0, 0, TcpSegment.SYN)).isEqualTo(TcpTransport.DROPPED);
        assertThat(g.tcp.result(0).drop()).isEqualTo(DropReason.CONNECTION_POOL_FULL);

        TcpFixture h = new TcpFixture(SessionLayerConfig.builder().threads(1).initialTableEntries(2).maxTableEntries(2)
                .build(), TcpConfig.defaults());
        h.attach("app1", 1);
        h.listen("app1", 0, "tcp://10.0.0.1/80");
        assertThat(h.peer.send4(0, CLIENT, 1, SERVER, 80, 0, 0, TcpSegment.SYN)).isEqualTo(TcpTransport.CREATED);
        assertThat(h.peer.send4(0, CLIENT, 2, SERVER, 80, 0, 0, TcpSegment.SYN))
                .as("the listener and one connection fill a table of 2").isEqualTo(TcpTransport.DROPPED);
        assertThat(h.tcp.result(0).drop()).isEqualTo(DropReason.TABLE_FULL);
        assertThat(h.layer.sessions()).as("nothing leaked for the refused SYN").hasSize(1);
        assertThat(h.tcp.connections(0)).isEqualTo(1);
    }

    @Test
    void malformedBytesAreCountedDropsNeverExceptions() {
        TcpFixture f = new TcpFixture(1);
        assertThat(f.tcp.input(0, java.nio.ByteBuffer.wrap(new byte[] {0x45, 0, 0}), 0)).isEqualTo(TcpTransport.DROPPED);
        assertThat(f.tcp.result(0).drop()).isEqualTo(DropReason.TRUNCATED);
        assertThat(f.tcp.input(0, java.nio.ByteBuffer.allocate(0), 0)).isEqualTo(TcpTransport.DROPPED);
        assertThat(f.layer.drops(DropReason.TRUNCATED)).isEqualTo(2);
        assertThat(f.peer.send4(0, CLIENT, 1, SERVER, 80, 0, 0, TcpSegment.SYN)).isEqualTo(TcpTransport.DROPPED);
        assertThat(f.tcp.input(0, f.sent.get(0).duplicate(), 7)).as("an unknown FIB").isEqualTo(TcpTransport.DROPPED);
    }

    @Test
    void theAppClosingOrResettingASessionFreesItOnItsThread() {
        TcpFixture f = new TcpFixture(2);
        f.attach("app1", 1);
        f.listen("app1", 0, "tcp://10.0.0.1/80");
        long a = f.peer.connect4(1, CLIENT, 1, SERVER, 80);
        long b = f.peer.connect4(1, CLIENT, 2, SERVER, 80);
        f.layer.acceptReply(a);
        f.layer.close(a);
        f.layer.reset(b);
        assertThat(f.layer.sessions()).as("nothing happens before thread 1 runs its mailbox").hasSize(2);
        f.tcp.poll(1);
        assertThat(f.layer.sessions()).isEmpty();
        assertThat(f.tcp.counter(TcpCounter.FINS_SENT)).isEqualTo(1);
        assertThat(f.tcp.connections(1)).isZero();
        assertThat(f.peer.send4(1, CLIENT, 1, SERVER, 80, 5, 5, TcpSegment.ACK)).isEqualTo(TcpTransport.DROPPED);
        assertThat(f.tcp.result(1).drop()).as("the table entry is gone too").isEqualTo(DropReason.NO_CONNECTION);
    }
}
