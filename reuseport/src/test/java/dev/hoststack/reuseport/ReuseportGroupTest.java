package dev.hoststack.reuseport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hoststack.api.DropReason;
import dev.hoststack.api.Endpoint;
import dev.hoststack.api.Ip;
import dev.hoststack.api.Scope;
import dev.hoststack.api.SessionError;
import dev.hoststack.api.SessionException;
import dev.hoststack.api.SessionHandle;
import dev.hoststack.api.spi.ReuseportSelector;
import dev.hoststack.api.spi.ReuseportSelectorProvider;
import dev.hoststack.api.spi.SelectorContext;
import dev.hoststack.session.AttachOptions;
import dev.hoststack.session.Dispatch;
import dev.hoststack.session.ListenOptions;
import dev.hoststack.session.table.SessionKeys;
import dev.hoststack.tcp.TcpSegment;
import dev.hoststack.tcp.TcpTransport;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.Test;

/** Reuseport groups across applications, driven through real SYN and ACK segments. */
class ReuseportGroupTest {

    private static final String URI = "tcp://10.0.0.1/80";
    private static final List<String> SEED_ORDER = List.of(
            "app1-w0", "app2-w0", "app3-w0", "app1-w0", "app2-w1", "app3-w1", "app1-w0", "app2-w0", "app3-w2");
    /** How the seed's "…" goes on: each application's rotation continues (the pattern repeats every 18). */
    private static final List<String> SEED_ORDER_CONTINUED = List.of(
            "app1-w0", "app2-w1", "app3-w0", "app1-w0", "app2-w0", "app3-w1", "app1-w0", "app2-w1", "app3-w2");

    private static GroupFixture seedExample(GroupFixture f, ListenOptions options) {
        f.attach("app1", 1);
        f.attach("app2", 2);
        f.attach("app3", 3);
        for (String app : List.of("app1", "app2", "app3")) {
            f.listenAll(app, URI, options);
        }
        return f;
    }

    private static void assertRefused(ThrowingCallable call, SessionError code, String... parts) {
        assertThatThrownBy(call).isInstanceOf(SessionException.class)
                .satisfies(e -> assertThat(((SessionException) e).code()).as("error code").isEqualTo(code))
                .hasMessageContainingAll(parts);
    }

    private static Map<String, Long> count(List<String> labels, Function<String, String> key) {
        return labels.stream().collect(Collectors.groupingBy(key, TreeMap::new, Collectors.counting()));
    }

    @Test
    void theSeedsExampleGivesTheSeedsOrderThroughRealSegments() {
        GroupFixture f = seedExample(new GroupFixture(), ListenOptions.reuseport("roundrobin"));
        List<String> first = f.connect(18, "10.0.0.1", 80);
        assertThat(first.subList(0, 9)).as("the seed's app1-w1, app2-w1, app3-w1, ... with 0-based workers")
                .containsExactlyElementsOf(SEED_ORDER);
        assertThat(first.subList(9, 18)).as("and on: each app's rotation continues").containsExactlyElementsOf(SEED_ORDER_CONTINUED);
        assertThat(f.connect(18, "10.0.0.1", 80)).as("a period of 18")
                .containsExactlyElementsOf(java.util.stream.Stream.concat(SEED_ORDER.stream(), SEED_ORDER_CONTINUED.stream()).toList());
    }

    @Test
    void roundRobinGivesEachApplicationAThird() {
        GroupFixture f = seedExample(new GroupFixture(), ListenOptions.REUSEPORT);
        List<String> all = f.connect(6000, "10.0.0.1", 80);
        assertThat(count(all, l -> l.substring(0, 4))).as("2,000 per application of 6,000")
                .containsExactlyEntriesOf(new TreeMap<>(Map.of("app1", 2000L, "app2", 2000L, "app3", 2000L)));
        Map<String, Long> perWorker = count(all, l -> l);
        assertThat(perWorker).containsEntry("app1-w0", 2000L).containsEntry("app2-w0", 1000L)
                .containsEntry("app2-w1", 1000L).containsEntry("app3-w0", 667L).containsEntry("app3-w1", 667L)
                .containsEntry("app3-w2", 666L);
    }

    @Test
    void theHashSelectorGivesEachWorkerASixth() {
        GroupFixture f = seedExample(new GroupFixture(1, ReuseportConfig.defaults().withHashSecret(0x1234)),
                ListenOptions.reuseport("hash"));
        List<String> all = f.connect(60_000, "10.0.0.1", 80);
        Map<String, Long> perWorker = count(all, l -> l);
        assertThat(perWorker).hasSize(6);
        perWorker.forEach((w, n) -> assertThat(n).as("worker %s's share of 60,000 (1/6 = 10,000 ± 5%%)", w)
                .isBetween(9_500L, 10_500L));
        assertThat(count(all, l -> l.substring(0, 4)).get("app3")).as("app3 has half the sockets, so half the flows")
                .isBetween(28_500L, 31_500L);
    }

    @Test
    void theTableHoldsTheGroupValueAndStillTellsItFromAThread1SessionHandle() {
        GroupFixture f = new GroupFixture(2, ReuseportConfig.defaults());
        f.attach("app1", 1);
        f.listenAll("app1", URI, ListenOptions.REUSEPORT);
        long[] key = SessionKeys.listener(Endpoint.parseUri(URI));
        long value = f.layer.fib(0).table(true).get(key);
        assertThat(SessionHandle.isGroupValue(value)).as("1L << 32 | group: %s", SessionHandle.format(value)).isTrue();
        assertThat(SessionHandle.groupIndex(value)).isZero();
        // a connection on thread 1 whose session has index 0 has the very same bits under its 5-tuple
        int client = Ip.ip4(Ip.parseAddress("198.18.0.1", ""));
        long s = f.peer.connect4(1, client, 5000, Ip.ip4(Ip.parseAddress("10.0.0.1", "")), 80);
        assertThat(s).as("same bits, different meaning").isEqualTo(value);
        assertThat(f.layer.app("app1").worker(0).pollEvents((t, x, l) -> { }, 10)).isEqualTo(1);
        long[] conn = new long[2];
        SessionKeys.ip4(conn, 6, Ip.ip4(Ip.parseAddress("10.0.0.1", "")), 80, client, 5000);
        assertThat(f.layer.fib(0).table(true).get(conn)).isEqualTo(s);
        assertThat(f.layer.fib(0).table(true).get(key)).as("found under the listener key it is the group").isEqualTo(value);
        assertThat(f.connectOn(1, "10.0.0.1", 80)).as("and the group still dispatches").isEqualTo("app1-w0");
    }

    @Test
    void eachDataThreadFollowsTheSeedsOrderAndEverySelectionIsCounted() {
        GroupFixture f = seedExample(new GroupFixture(3, ReuseportConfig.defaults()), ListenOptions.reuseport("roundrobin"));
        int[] made = {7, 5, 9};
        for (int round = 0; round < 9; round++) {
            for (int t = 0; t < 3; t++) {
                if (round < made[t]) {
                    assertThat(f.connectOn(t, "10.0.0.1", 80)).as("thread %d's choice %d: each thread on its own follows "
                            + "the seed's order", t, round).isEqualTo(SEED_ORDER.get(round));
                }
            }
        }
        assertThat(f.groups.groups().get(0).selections()).as("selections over threads 0, 1, 2 (%s)",
                java.util.Arrays.toString(made)).isEqualTo(7 + 5 + 9);
    }

    @Test
    void mixingReuseportAndPlainListenersIsAlreadyListening() {
        GroupFixture f = new GroupFixture();
        f.attach("app1", 1);
        f.attach("app2", 1);
        f.listenAll("app1", URI, ListenOptions.REUSEPORT);
        assertRefused(() -> f.listenAll("app2", URI, ListenOptions.PLAIN), SessionError.ALREADY_LISTENING,
                "app2", "without reuseport");
        f.listenAll("app1", "tcp://10.0.0.1/81", ListenOptions.PLAIN);
        assertRefused(() -> f.listenAll("app2", "tcp://10.0.0.1/81", ListenOptions.REUSEPORT),
                SessionError.ALREADY_LISTENING, "app 'app1'");
    }

    @Test
    void anotherOwnerMayNotJoinAndTheGroupDispatchesAsBefore() {
        GroupFixture f = seedExample(new GroupFixture(), ListenOptions.REUSEPORT);
        assertThat(f.connect(9, "10.0.0.1", 80)).containsExactlyElementsOf(SEED_ORDER);
        f.attach(AttachOptions.of("hijacker").withOwner(1000), 1);
        assertRefused(() -> f.listenAll("hijacker", URI, ListenOptions.REUSEPORT), SessionError.REUSEPORT_OWNER_MISMATCH,
                "hijacker", "owner 1000", "owner is 0");
        assertThat(f.groups.refusals(SessionError.REUSEPORT_OWNER_MISMATCH)).isEqualTo(1);
        assertThat(f.groups.groups().get(0).members()).hasSize(3);
        assertThat(f.connect(9, "10.0.0.1", 80)).as("dispatch goes on as if nothing had happened")
                .containsExactlyElementsOf(SEED_ORDER_CONTINUED);
    }

    @Test
    void anotherNamespaceMayNotJoinEvenOnTheSameFib() {
        GroupFixture f = new GroupFixture();
        f.layer.addNamespace("blue", 5, 0);
        f.attach("app1", 1);
        f.listenAll("app1", URI, ListenOptions.REUSEPORT);
        f.attach(AttachOptions.of("bluey").inNamespace("blue", 5), 1);
        assertRefused(() -> f.listenAll("bluey", URI, ListenOptions.REUSEPORT), SessionError.REUSEPORT_NAMESPACE_MISMATCH,
                "bluey", "blue", "default");
        assertThat(f.connect(3, "10.0.0.1", 80)).containsOnly("app1-w0");
    }

    @Test
    void aGroupRefusesMembersPastItsCapacity() {
        GroupFixture f = new GroupFixture(1, ReuseportConfig.defaults().withGroupCapacity(2));
        for (String app : List.of("a", "b", "c")) {
            f.attach(app, 1);
        }
        f.listenAll("a", URI, ListenOptions.REUSEPORT);
        f.listenAll("b", URI, ListenOptions.REUSEPORT);
        assertRefused(() -> f.listenAll("c", URI, ListenOptions.REUSEPORT), SessionError.REUSEPORT_GROUP_FULL, "2 members");
        assertThat(f.tcp.listenerCount()).as("the refused listen left no transport listener").isEqualTo(2);
    }

    @Test
    void selectorNamesAreCheckedAgainstTheGroupAndTheKnownOnes() {
        GroupFixture f = new GroupFixture();
        f.attach("a", 1);
        f.attach("b", 1);
        assertRefused(() -> f.listenAll("a", URI, ListenOptions.reuseport("fastest")), SessionError.UNKNOWN_SELECTOR,
                "fastest", "known: hash, roundrobin");
        f.listenAll("a", URI, ListenOptions.reuseport("hash"));
        assertRefused(() -> f.listenAll("b", URI, ListenOptions.reuseport("roundrobin")), SessionError.SELECTOR_MISMATCH,
                "'roundrobin'", "uses 'hash'");
        f.listenAll("b", URI, ListenOptions.REUSEPORT);
        assertThat(f.groups.groups().get(0).selectorName()).isEqualTo("hash");
    }

    @Test
    void membersLeaveAndTheLastOneRemovesTheGroupAndItsEntry() {
        GroupFixture f = seedExample(new GroupFixture(), ListenOptions.REUSEPORT);
        Endpoint ep = Endpoint.parseUri(URI);
        f.layer.detach("app2");
        assertThat(f.connect(6, "10.0.0.1", 80)).as("app1 and app3 in join order")
                .containsExactly("app1-w0", "app3-w0", "app1-w0", "app3-w1", "app1-w0", "app3-w2");
        for (int w = 0; w < 3; w++) {
            f.layer.unlisten("app3", w, ep);
        }
        assertThat(f.connect(2, "10.0.0.1", 80)).as("a group of one keeps working").containsOnly("app1-w0");
        f.layer.unlisten("app1", 0, ep);
        assertThat(f.groups.groups()).isEmpty();
        assertThat(f.layer.fib(0).table(true).get(SessionKeys.listener(ep))).isEqualTo(SessionHandle.INVALID);
        assertThat(f.connectOn(0, "10.0.0.1", 80)).isEqualTo("dropped:NO_LISTENER");
    }

    @Test
    void aWorkerJoiningAMemberLaterGetsItsTurn() {
        GroupFixture f = new GroupFixture();
        f.attach("a", 1);
        f.attach("b", 1);
        f.listenAll("a", URI, ListenOptions.REUSEPORT);
        f.listenAll("b", URI, ListenOptions.REUSEPORT);
        assertThat(f.connect(2, "10.0.0.1", 80)).containsExactly("a-w0", "b-w0");
        f.layer.addWorker("b");
        f.layer.listen("b", 1, Endpoint.parseUri(URI), ListenOptions.REUSEPORT);
        assertThat(f.connect(4, "10.0.0.1", 80)).as("b's rotation continues where it was (wrapped to its first worker)")
                .containsExactly("a-w0", "b-w0", "a-w0", "b-w1");
    }

    /** A selector that answers whatever the test says. */
    private static final class Scripted implements ReuseportSelectorProvider {
        private final String name;
        private final int answer;

        Scripted(String name, int answer) {
            this.name = name;
            this.answer = answer;
        }

        @Override
        public String name() {
            return name;
        }

        @Override
        public ReuseportSelector create(SelectorContext context) {
            return (group, flow, thread) -> answer;
        }
    }

    @Test
    void outOfRangeAnswersFallBackToTheKernelHashAndDropAnswersDrop() {
        GroupFixture f = new GroupFixture(1, ReuseportConfig.defaults(),
                new Scripted("broken", 7), new Scripted("dropper", ReuseportSelector.DROP));
        f.attach("a", 2);
        f.listenAll("a", URI, ListenOptions.reuseport("broken"));
        f.listenAll("a", "tcp://10.0.0.1/81", ListenOptions.reuseport("dropper"));
        List<String> got = f.connect(20, "10.0.0.1", 80);
        assertThat(got).allMatch(l -> l.startsWith("a-w"), "every connection reaches a worker of a");
        assertThat(f.groups.groups().get(0).fallbacks()).isEqualTo(20);
        assertThat(f.connectOn(0, "10.0.0.1", 81)).isEqualTo("dropped:SELECTOR_DROP");
        assertThat(f.layer.drops(DropReason.SELECTOR_DROP)).isEqualTo(1);
        assertThat(f.groups.groups().get(1).selectorDrops()).isEqualTo(1);
    }

    @Test
    void localAndGlobalScopeGroupsAreSeparate() {
        GroupFixture f = new GroupFixture();
        f.attach(AttachOptions.of("both").withScope(Scope.BOTH), 1);
        f.attach(AttachOptions.of("global"), 1);
        f.listenAll("both", URI, ListenOptions.REUSEPORT);
        f.listenAll("global", URI, ListenOptions.REUSEPORT);
        assertThat(f.groups.groups()).hasSize(2);
        assertThat(f.groups.groups().get(0).members()).as("the FIB's group").hasSize(2);
        assertThat(f.groups.groups().get(1).members()).as("the local table's group").hasSize(1);
        assertThat(f.groups.groups().get(1).tables().local()).isTrue();
        assertThat(SessionHandle.isGroupValue(
                f.layer.lookupLocalListener(f.layer.namespace("default"), Endpoint.parseUri(URI)))).isTrue();
        f.layer.detach("both");
        assertThat(f.groups.groups()).hasSize(1);
        assertThat(f.layer.lookupLocalListener(f.layer.namespace("default"), Endpoint.parseUri(URI)))
                .isEqualTo(SessionHandle.INVALID);
    }

    @Test
    void aSynToAGroupWhoseOnlyMemberJustLeftFindsNoListener() {
        GroupFixture f = new GroupFixture();
        f.attach("a", 1);
        f.listenAll("a", URI, ListenOptions.REUSEPORT);
        f.layer.unlisten("a", 0, Endpoint.parseUri(URI));
        assertThat(f.peer.send4(0, 0x0A0A0A0A, 999, 0x0A000001, 80, 1, 0, TcpSegment.SYN)).isEqualTo(TcpTransport.DROPPED);
        assertThat(f.tcp.result(0).drop()).isEqualTo(DropReason.NO_LISTENER);
    }

    @Test
    void aRejectedChoiceGoesToTheSelectorsNextChoice() {
        GroupFixture f = seedExample(new GroupFixture(1, ReuseportConfig.defaults().withHashSecret(9)),
                ListenOptions.reuseport("hash"));
        dev.hoststack.session.SessionLayer layer = f.layer;
        long value = layer.fib(0).table(true).get(SessionKeys.listener(Endpoint.parseUri(URI)));
        dev.hoststack.tcp.TcpSegment flow = new dev.hoststack.tcp.TcpSegment();
        dev.hoststack.tcp.SegmentParser.parse(dev.hoststack.tcp.SegmentWriter.ip4(0x0A0A0A0A, 5555,
                Ip.ip4(Ip.parseAddress("10.0.0.1", "")), 80, 1, 0, TcpSegment.SYN), flow);
        List<String> order = new java.util.ArrayList<>();
        long d = layer.dataPlane().dispatch(value, flow, 0);
        order.add(layer.worker(Dispatch.worker(d)).label());
        for (int attempt = 1; attempt < 6; attempt++) {
            d = layer.dataPlane().redispatch(value, flow, 0, d, attempt);
            order.add(layer.worker(Dispatch.worker(d)).label());
        }
        assertThat(order).as("hash: the next worker slots, wrapping, each worker once").doesNotHaveDuplicates().hasSize(6);
        List<String> slots = List.of("app1-w0", "app2-w0", "app2-w1", "app3-w0", "app3-w1", "app3-w2");
        int start = slots.indexOf(order.get(0));
        for (int i = 0; i < 6; i++) {
            assertThat(order.get(i)).as("attempt %s follows slot order", i).isEqualTo(slots.get((start + i) % 6));
        }

        GroupFixture rr = seedExample(new GroupFixture(), ListenOptions.REUSEPORT);
        long rv = rr.layer.fib(0).table(true).get(SessionKeys.listener(Endpoint.parseUri(URI)));
        long first = rr.layer.dataPlane().dispatch(rv, flow, 0);
        long next = rr.layer.dataPlane().redispatch(rv, flow, 0, first, 1);
        assertThat(rr.layer.worker(Dispatch.worker(first)).label()).isEqualTo("app1-w0");
        assertThat(rr.layer.worker(Dispatch.worker(next)).label()).as("round robin: simply the next in the rotation").isEqualTo("app2-w0");
    }
}
