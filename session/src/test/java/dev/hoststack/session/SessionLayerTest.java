package dev.hoststack.session;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hoststack.api.AppNamespace;
import dev.hoststack.api.Endpoint;
import dev.hoststack.api.Scope;
import dev.hoststack.api.SessionError;
import dev.hoststack.api.SessionException;
import dev.hoststack.api.SessionHandle;
import dev.hoststack.api.SessionState;
import dev.hoststack.session.internal.AppNamespaceImpl;
import dev.hoststack.session.table.SessionHashTable;
import dev.hoststack.session.table.SessionKeys;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The session layer's rules as VPP has them today, including those of VPP's own unit tests
 * (src/plugins/unittest/session_test.c: session_test_basic, session_test_namespace,
 * session_test_endpoint_cfg): listen twice, families, namespaces and secrets, scopes, exact
 * versus wildcard, unlisten removing every entry.
 */
class SessionLayerTest {

    private SessionLayer layer;
    private FakeTransport transport;

    @BeforeEach
    void setUp() {
        layer = new SessionLayer(SessionLayerConfig.builder().threads(2).maxApps(8).maxWorkersPerApp(4).build());
        transport = new FakeTransport();
        layer.registerTransport(transport);
    }

    private static Endpoint ep(String uri) {
        return Endpoint.parseUri(uri);
    }

    private static void assertRefused(ThrowingCallable call, SessionError code, String... messageParts) {
        assertThatThrownBy(call).isInstanceOf(SessionException.class)
                .satisfies(e -> assertThat(((SessionException) e).code()).as("error code").isEqualTo(code))
                .hasMessageContainingAll(messageParts);
    }

    private long lookup(String dst, int port) {
        return layer.dataPlane().lookupListener(layer.fib(0), Flow.of(dst.contains(":") ? "2001:db8::9" : "192.0.2.9", 5555, dst, port));
    }

    @Test
    void listeningTwiceWithTheSameWorkerIsAnError() {
        layer.attach(AttachOptions.of("app1"));
        layer.listen("app1", 0, ep("tcp://0.0.0.0/80"), ListenOptions.PLAIN);
        assertRefused(() -> layer.listen("app1", 0, ep("tcp://0.0.0.0/80"), ListenOptions.PLAIN),
                SessionError.ALREADY_LISTENING, "app1", "worker 0", "tcp://0.0.0.0/80");
    }

    @Test
    void aSecondWorkerOfTheSameAppSharesTheAppListener() {
        layer.attach(AttachOptions.of("app1"));
        layer.addWorker("app1");
        long h0 = layer.listen("app1", 0, ep("tcp://0.0.0.0/80"), ListenOptions.PLAIN);
        long h1 = layer.listen("app1", 1, ep("tcp://0.0.0.0/80"), ListenOptions.PLAIN);
        assertThat(h1).as("the same listen session handle").isEqualTo(h0);
        assertThat(layer.listeners()).hasSize(1);
        assertThat(layer.listeners().get(0).workers()).containsExactly(0, 1);
        assertThat(transport.listeners).as("one transport listener").hasSize(1);
        assertThat(SessionHandle.thread(h0)).as("listen sessions live on thread 0").isZero();
        assertThat(layer.thread(0).sessions().state(SessionHandle.index(h0))).isEqualTo(SessionState.LISTENING);
    }

    @Test
    void anotherAppOnTheSameEndpointWithoutReuseportIsAlreadyListening() {
        layer.attach(AttachOptions.of("app1"));
        layer.attach(AttachOptions.of("app2"));
        layer.listen("app1", 0, ep("tcp://10.0.0.1/80"), ListenOptions.PLAIN);
        assertRefused(() -> layer.listen("app2", 0, ep("tcp://10.0.0.1/80"), ListenOptions.PLAIN),
                SessionError.ALREADY_LISTENING, "app2", "tcp://10.0.0.1/80", "app 'app1'");
        assertThat(transport.listeners).as("the refused listen left nothing behind").hasSize(1);
        assertThat(layer.thread(0).sessions().liveCount()).isEqualTo(1);
    }

    @Test
    void ipv4AndIpv6ListenersAreIndependent() {
        layer.attach(AttachOptions.of("app1"));
        layer.attach(AttachOptions.of("app2"));
        long v4 = layer.listen("app1", 0, ep("tcp://0.0.0.0/80"), ListenOptions.PLAIN);
        long v6 = layer.listen("app2", 0, ep("tcp://::/80"), ListenOptions.PLAIN);
        assertThat(lookup("10.1.1.1", 80)).isEqualTo(v4);
        assertThat(lookup("2001:db8::1", 80)).isEqualTo(v6);
        layer.unlisten("app1", 0, ep("tcp://0.0.0.0/80"));
        assertThat(lookup("10.1.1.1", 80)).isEqualTo(SessionHandle.INVALID);
        assertThat(lookup("2001:db8::1", 80)).as("the IPv6 listener is untouched").isEqualTo(v6);
    }

    @Test
    void namespacesCheckTheirSecret() {
        layer.addNamespace("blue", 0xB1EL, 1);
        assertRefused(() -> layer.attach(AttachOptions.of("app1").inNamespace("blue", 0xBADL)),
                SessionError.WRONG_NAMESPACE_SECRET, "app1", "blue");
        assertRefused(() -> layer.attach(AttachOptions.of("app1").inNamespace("green", 1)),
                SessionError.INVALID_NAMESPACE, "green", "known: [default, blue]");
        assertThat(layer.attach(AttachOptions.of("app1").inNamespace("blue", 0xB1EL)).namespace().name()).isEqualTo("blue");
        assertRefused(() -> layer.addNamespace("blue", 1, 2), SessionError.NAMESPACE_EXISTS, "blue");
    }

    @Test
    void globalScopeListenersAreInTheFibTableAndLocalScopeOnlyInTheNamespacesLocalTable() {
        AppNamespace blue = layer.addNamespace("blue", 7, 0);
        layer.attach(AttachOptions.of("local").inNamespace("blue", 7).withScope(Scope.LOCAL));
        layer.attach(AttachOptions.of("global").inNamespace("blue", 7).withScope(Scope.GLOBAL));
        layer.attach(AttachOptions.of("both").inNamespace("blue", 7).withScope(Scope.BOTH));
        long local = layer.listen("local", 0, ep("tcp://0.0.0.0/1111"), ListenOptions.PLAIN);
        long global = layer.listen("global", 0, ep("tcp://0.0.0.0/2222"), ListenOptions.PLAIN);
        long both = layer.listen("both", 0, ep("tcp://0.0.0.0/3333"), ListenOptions.PLAIN);

        assertThat(lookup("10.0.0.1", 1111)).as("a local-scope listener is not reachable from the FIB").isEqualTo(SessionHandle.INVALID);
        assertThat(layer.lookupLocalListener(blue, ep("tcp://10.0.0.1/1111"))).isEqualTo(local);
        assertThat(layer.lookupLocalListener(layer.namespace("default"), ep("tcp://10.0.0.1/1111")))
                .as("nor from another namespace").isEqualTo(SessionHandle.INVALID);

        assertThat(lookup("10.0.0.1", 2222)).isEqualTo(global);
        assertThat(layer.lookupLocalListener(blue, ep("tcp://10.0.0.1/2222"))).isEqualTo(SessionHandle.INVALID);

        assertThat(lookup("10.0.0.1", 3333)).isEqualTo(both);
        assertThat(layer.lookupLocalListener(blue, ep("tcp://10.0.0.1/3333"))).isEqualTo(both);
    }

    @Test
    void unlistenRemovesTheEntryFromEveryTable() {
        AppNamespace blue = layer.addNamespace("blue", 7, 0);
        layer.attach(AttachOptions.of("both").inNamespace("blue", 7).withScope(Scope.BOTH));
        layer.listen("both", 0, ep("tcp://10.0.0.1/80"), ListenOptions.PLAIN);
        layer.unlisten("both", 0, ep("tcp://10.0.0.1/80"));
        assertThat(lookup("10.0.0.1", 80)).isEqualTo(SessionHandle.INVALID);
        assertThat(layer.lookupLocalListener(blue, ep("tcp://10.0.0.1/80"))).isEqualTo(SessionHandle.INVALID);
        assertThat(layer.fib(0).table(true).size()).isZero();
        assertThat(((AppNamespaceImpl) blue).localTables().table(true).size()).isZero();
        assertThat(transport.listeners).isEmpty();
        assertThat(layer.listeners()).isEmpty();
        assertThat(layer.thread(0).sessions().liveCount())
                .as("the listen session's index is kept until every data thread has run its sweep").isEqualTo(1);
        layer.runPending(layer.thread(1));
        layer.runPending(layer.thread(0));
        assertThat(layer.thread(0).sessions().liveCount()).as("then it is freed").isZero();
    }

    @Test
    void aSpecificAddressAndTheWildcardBothListenAndTheSpecificOneWins() {
        layer.attach(AttachOptions.of("wild"));
        layer.attach(AttachOptions.of("exact"));
        long wild = layer.listen("wild", 0, ep("tcp://0.0.0.0/80"), ListenOptions.PLAIN);
        long exact = layer.listen("exact", 0, ep("tcp://10.0.0.1/80"), ListenOptions.PLAIN);
        assertThat(lookup("10.0.0.1", 80)).isEqualTo(exact);
        assertThat(lookup("10.0.0.2", 80)).isEqualTo(wild);
        long wild6 = layer.listen("wild", 0, ep("tcp://::/80"), ListenOptions.PLAIN);
        long exact6 = layer.listen("exact", 0, ep("tcp://2001:db8::1/80"), ListenOptions.PLAIN);
        assertThat(lookup("2001:db8::1", 80)).isEqualTo(exact6);
        assertThat(lookup("2001:db8::2", 80)).isEqualTo(wild6);
    }

    @Test
    void unlistenClearsTheWorkersBitAndTheLastOneDestroysTheListener() {
        layer.attach(AttachOptions.of("app1"));
        layer.addWorker("app1");
        long h = layer.listen("app1", 0, ep("tcp://0.0.0.0/80"), ListenOptions.PLAIN);
        layer.listen("app1", 1, ep("tcp://0.0.0.0/80"), ListenOptions.PLAIN);
        layer.unlisten("app1", 0, ep("tcp://0.0.0.0/80"));
        assertThat(lookup("10.0.0.1", 80)).as("worker 1 still listens").isEqualTo(h);
        assertThat(layer.listeners().get(0).workers()).containsExactly(1);
        assertRefused(() -> layer.unlisten("app1", 0, ep("tcp://0.0.0.0/80")), SessionError.NOT_LISTENING, "worker 0");
        layer.unlisten("app1", 1, ep("tcp://0.0.0.0/80"));
        assertThat(lookup("10.0.0.1", 80)).isEqualTo(SessionHandle.INVALID);
        assertRefused(() -> layer.unlisten("app1", 1, ep("tcp://0.0.0.0/80")), SessionError.NOT_LISTENING, "app1");
    }

    @Test
    void workerChoiceInsideAnAppIsVppsRoundRobinOverTheBitmap() {
        layer.attach(AttachOptions.of("app1"));
        layer.addWorker("app1");
        layer.addWorker("app1");
        for (int w = 0; w < 3; w++) {
            layer.listen("app1", w, ep("tcp://0.0.0.0/80"), ListenOptions.PLAIN);
        }
        Flow f = Flow.of("192.0.2.1", 1000, "10.0.0.1", 80);
        long value = lookup("10.0.0.1", 80);
        List<Integer> order = new ArrayList<>();
        for (int i = 0; i < 7; i++) {
            long d = layer.dataPlane().dispatch(value, f, 0);
            order.add(layer.worker(Dispatch.worker(d)).workerIndex());
        }
        assertThat(order).as("VPP: next set bit after rotor 0, wrapping").containsExactly(1, 2, 0, 1, 2, 0, 1);
        layer.unlisten("app1", 2, ep("tcp://0.0.0.0/80"));
        order.clear();
        for (int i = 0; i < 4; i++) {
            order.add(layer.worker((int) layer.dataPlane().dispatch(value, f, 0)).workerIndex());
        }
        assertThat(order).as("after worker 2 leaves, rotor at 1").containsExactly(0, 1, 0, 1);
    }

    @Test
    void controlPlaneCallsFromAnotherThreadAreRefused() throws Exception {
        AtomicReference<Throwable> thrown = new AtomicReference<>();
        Thread t = new Thread(() -> {
            try {
                layer.attach(AttachOptions.of("intruder"));
            } catch (Throwable e) {
                thrown.set(e);
            }
        }, "not-main");
        t.start();
        t.join(10_000);
        assertThat(thrown.get()).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("control-plane call").hasMessageContaining("not-main");
        assertThat(layer.app("intruder")).isNull();

        Thread t2 = new Thread(() -> {
            layer.claimControl();
            layer.attach(AttachOptions.of("moved"));
        }, "new-main");
        t2.start();
        t2.join(10_000);
        assertThat(layer.app("moved")).as("after claimControl the new thread may").isNotNull();
    }

    @Test
    void reuseportNeedsTheReuseportModule() {
        layer.attach(AttachOptions.of("app1"));
        assertRefused(() -> layer.listen("app1", 0, ep("tcp://0.0.0.0/80"), ListenOptions.REUSEPORT),
                SessionError.REUSEPORT_UNAVAILABLE, "app1");
    }

    @Test
    void applicationsAndWorkersAreBoundedAndNamed() {
        layer.attach(AttachOptions.of("app1"));
        assertRefused(() -> layer.attach(AttachOptions.of("app1")), SessionError.APP_EXISTS, "app1");
        for (int i = 0; i < 3; i++) {
            layer.addWorker("app1");
        }
        assertRefused(() -> layer.addWorker("app1"), SessionError.LIMIT, "4 workers");
        for (int i = 2; i <= 8; i++) {
            layer.attach(AttachOptions.of("app" + i));
        }
        assertRefused(() -> layer.attach(AttachOptions.of("app9")), SessionError.LIMIT, "8 applications");
        assertRefused(() -> layer.listen("nope", 0, ep("tcp://0.0.0.0/80"), ListenOptions.PLAIN), SessionError.NO_SUCH_APP, "nope");
        assertRefused(() -> layer.listen("app1", 9, ep("tcp://0.0.0.0/80"), ListenOptions.PLAIN), SessionError.NO_SUCH_WORKER, "9");
        assertRefused(() -> layer.listen("app1", 0, ep("tcp://0.0.0.0/0"), ListenOptions.PLAIN), SessionError.INVALID_ENDPOINT, "port 0");
    }

    @Test
    void detachRemovesListenersAndFreesTheName() {
        layer.attach(AttachOptions.of("app1"));
        layer.addWorker("app1");
        layer.listen("app1", 0, ep("tcp://0.0.0.0/80"), ListenOptions.PLAIN);
        layer.listen("app1", 1, ep("tcp://0.0.0.0/80"), ListenOptions.PLAIN);
        layer.listen("app1", 1, ep("tcp://::/80"), ListenOptions.PLAIN);
        SessionWorker w0 = layer.app("app1").worker(0);
        layer.detach("app1");
        assertThat(w0.alive()).isFalse();
        assertThat(lookup("10.0.0.1", 80)).isEqualTo(SessionHandle.INVALID);
        assertThat(lookup("2001:db8::1", 80)).isEqualTo(SessionHandle.INVALID);
        assertThat(transport.listeners).isEmpty();
        assertThat(layer.app("app1")).isNull();
        assertThat(layer.attach(AttachOptions.of("app1")).index()).as("the index is reused").isZero();
    }

    @Test
    void aListenerKeyHoldsOnlyThread0HandlesOrGroupValues() {
        SessionHashTable table = new SessionHashTable(SessionKeys.IP4_WORDS, 4, 4);
        long[] listenerKey = SessionKeys.listener(ep("tcp://0.0.0.0/80"));
        assertThatThrownBy(() -> SessionLayer.putListener(table, listenerKey, SessionHandle.make(1, 5), false))
                .as("a thread-1 session handle would read as group 5").isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("thread-0");
        assertThatThrownBy(() -> SessionLayer.putListener(table, listenerKey, SessionHandle.make(0, 5), true))
                .isInstanceOf(IllegalStateException.class);
        long[] connectionKey = new long[2];
        SessionKeys.ip4(connectionKey, 6, 0x0A000001, 80, 0xC0000209, 5555);
        assertThatThrownBy(() -> SessionLayer.putListener(table, connectionKey, SessionHandle.make(0, 5), false))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("not a listener key");
        assertThat(SessionLayer.putListener(table, listenerKey, SessionHandle.groupValue(5), true))
                .isEqualTo(SessionHashTable.INSERTED);
        assertThat(table.size()).isEqualTo(1);
    }
}
