package dev.hoststack.reuseport;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hoststack.api.AppEventType;
import dev.hoststack.api.Endpoint;
import dev.hoststack.api.Ip;
import dev.hoststack.api.Session;
import dev.hoststack.api.SessionHandle;
import dev.hoststack.api.SessionState;
import dev.hoststack.session.ListenOptions;
import dev.hoststack.session.SessionCounter;
import dev.hoststack.session.SessionWorker;
import dev.hoststack.tcp.TcpSegment;
import dev.hoststack.tcp.TcpTransport;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A member that leaves with connections pending: the kernel's {@code tcp_migrate_req} behaviour
 * (tools/testing/selftests/net/migrate_reuseport.c) as a per-group option, on by default.
 */
class MigrationTest {

    private static final String URI = "tcp://10.0.0.1/80";
    private static final int SERVER = Ip.ip4(Ip.parseAddress("10.0.0.1", ""));
    private static final int CLIENT = Ip.ip4(Ip.parseAddress("198.18.0.0", ""));

    private static long syn(GroupFixture f, int client) {
        assertThat(f.peer.send4(0, CLIENT + client, 30000 + client, SERVER, 80, client * 1000, 0, TcpSegment.SYN))
                .as("SYN %s creates a connection", client).isEqualTo(TcpTransport.CREATED);
        return f.tcp.result(0).session();
    }

    private static int finalAck(GroupFixture f, int client, long session) {
        return f.peer.send4(0, CLIENT + client, 30000 + client, SERVER, 80, client * 1000 + 1,
                f.tcp.issOfSession(session) + 1, TcpSegment.ACK);
    }

    private static List<Long> accepts(SessionWorker w) {
        List<Long> out = new ArrayList<>();
        w.pollEvents((type, s, l) -> {
            if (type == AppEventType.ACCEPT) {
                out.add(s);
            }
        }, Integer.MAX_VALUE);
        return out;
    }

    @Test
    void theKernelsMigrateReuseportCaseFiveListenersTwentyFiveHandshakesFourLeave() {
        GroupFixture f = new GroupFixture();
        for (int i = 0; i < 5; i++) {
            f.attach("listener" + i, 1);
            f.listenAll("listener" + i, URI, ListenOptions.REUSEPORT);
        }
        long[] sessions = new long[25];
        for (int c = 0; c < 25; c++) {
            sessions[c] = syn(f, c);
        }
        for (int i = 0; i < 4; i++) {
            f.layer.unlisten("listener" + i, 0, Endpoint.parseUri(URI));
        }
        f.tcp.poll(0);
        SessionWorker last = f.layer.app("listener4").worker(0);
        for (long s : sessions) {
            Session session = f.layer.session(s);
            assertThat(session).as("no handshake was lost").isNotNull();
            assertThat(session.state()).isEqualTo(SessionState.CREATED);
            assertThat(session.appWorkerIndex()).as("every one now belongs to listener 4").isEqualTo(last.globalIndex());
        }
        for (int c = 0; c < 25; c++) {
            assertThat(finalAck(f, c, sessions[c])).as("handshake %s completes", c).isEqualTo(TcpTransport.ESTABLISHED);
        }
        assertThat(accepts(last)).as("all 25 accepted by listener 4").hasSize(25);
        assertThat(f.groups.groups().get(0).migrations()).isEqualTo(20);
        assertThat(f.layer.counter(SessionCounter.MIGRATED)).isEqualTo(20);
        assertThat(last.migratedIn()).isEqualTo(20);
        for (int i = 0; i < 4; i++) {
            assertThat(accepts(f.layer.app("listener" + i).worker(0))).as("listener %s got nothing", i).isEmpty();
        }
    }

    @Test
    void detachMigratesHandshakesAndUntakenConnectionsAndResetsTakenOnes() {
        GroupFixture f = new GroupFixture();
        f.attach("dying", 1);
        f.attach("survivor", 2);
        f.listenAll("dying", URI, ListenOptions.REUSEPORT);
        f.listenAll("survivor", URI, ListenOptions.REUSEPORT);
        SessionWorker dying = f.layer.app("dying").worker(0);
        // round robin: even clients go to "dying", odd ones to "survivor"
        long created = syn(f, 0);
        syn(f, 1);
        long accepting = syn(f, 2);
        syn(f, 3);
        long ready = syn(f, 4);
        syn(f, 5);
        assertThat(finalAck(f, 2, accepting)).isEqualTo(TcpTransport.ESTABLISHED);
        assertThat(finalAck(f, 4, ready)).isEqualTo(TcpTransport.ESTABLISHED);
        assertThat(accepts(dying)).as("both queued for the dying app").containsExactly(accepting, ready);
        f.layer.acceptReply(ready);
        f.tcp.poll(0);
        assertThat(f.layer.session(ready).state()).isEqualTo(SessionState.READY);
        assertThat(f.layer.session(accepting).state()).isEqualTo(SessionState.ACCEPTING);

        f.layer.detach("dying");
        f.tcp.poll(0);

        assertThat(f.layer.session(ready)).as("the dead app's READY session is reset").isNull();
        Session movedAccepting = f.layer.session(accepting);
        Session movedCreated = f.layer.session(created);
        SessionWorker s0 = f.layer.app("survivor").worker(0);
        SessionWorker s1 = f.layer.app("survivor").worker(1);
        assertThat(movedAccepting.state()).isEqualTo(SessionState.ACCEPTING);
        assertThat(movedCreated.state()).isEqualTo(SessionState.CREATED);
        assertThat(List.of(movedAccepting.appWorkerIndex(), movedCreated.appWorkerIndex()))
                .allMatch(g -> g == s0.globalIndex() || g == s1.globalIndex(), "owned by a survivor's worker");
        List<Long> got = new ArrayList<>(accepts(s0));
        got.addAll(accepts(s1));
        assertThat(got).as("the new owner got the accept event of the untaken connection").containsExactly(accepting);
        assertThat(finalAck(f, 0, created)).isEqualTo(TcpTransport.ESTABLISHED);
        got.clear();
        got.addAll(accepts(s0));
        got.addAll(accepts(s1));
        assertThat(got).as("and, on its final ACK, of the handshake").containsExactly(created);
        assertThat(f.groups.groups().get(0).migrations()).isEqualTo(2);
        assertThat(f.layer.counter(SessionCounter.CONTROL_CLOSES)).as("the READY one").isEqualTo(1);
    }

    @Test
    void withMigrationOffADepartingMembersPendingConnectionsAreReset() {
        GroupFixture f = new GroupFixture();
        f.attach("a", 1);
        f.attach("b", 1);
        f.listenAll("a", URI, ListenOptions.REUSEPORT);
        f.listenAll("b", URI, ListenOptions.REUSEPORT);
        f.groups.groups().get(0).migrate(false);
        long toA = syn(f, 0);
        long toB = syn(f, 1);
        long toA2 = syn(f, 2);
        assertThat(finalAck(f, 2, toA2)).isEqualTo(TcpTransport.ESTABLISHED);
        f.layer.detach("a");
        f.tcp.poll(0);
        assertThat(f.layer.session(toA)).isNull();
        assertThat(f.layer.session(toA2)).isNull();
        assertThat(f.layer.session(toB)).as("b's own connection is untouched").isNotNull();
        assertThat(f.groups.groups().get(0).migrations()).isZero();
        assertThat(f.layer.counter(SessionCounter.CONTROL_CLOSES)).isEqualTo(2);
    }

    @Test
    void theLastMemberLeavingResetsItsHandshakes() {
        GroupFixture f = new GroupFixture();
        f.attach("only", 1);
        f.listenAll("only", URI, ListenOptions.REUSEPORT);
        long s = syn(f, 0);
        f.layer.unlisten("only", 0, Endpoint.parseUri(URI));
        f.tcp.poll(0);
        assertThat(f.layer.session(s)).as("nowhere to go: reset").isNull();
        assertThat(f.layer.counter(SessionCounter.EMBRYONIC_FREED) + f.layer.counter(SessionCounter.CONTROL_CLOSES))
                .isEqualTo(1);
    }

    @Test
    void aRemovedWorkersConnectionsMayMoveToItsOwnAppsOtherWorker() {
        GroupFixture f = new GroupFixture();
        f.attach("app", 2);
        f.listenAll("app", URI, ListenOptions.REUSEPORT);
        long first = syn(f, 0);
        SessionWorker w0 = f.layer.app("app").worker(0);
        assertThat(f.layer.session(first).appWorkerIndex()).isEqualTo(w0.globalIndex());
        f.layer.removeWorker("app", 0);
        f.tcp.poll(0);
        assertThat(f.layer.session(first).appWorkerIndex()).isEqualTo(f.layer.app("app").worker(1).globalIndex());
        assertThat(finalAck(f, 0, first)).isEqualTo(TcpTransport.ESTABLISHED);
        assertThat(accepts(f.layer.app("app").worker(1))).containsExactly(first);
        assertThat(SessionHandle.thread(first)).isZero();
    }
}
