package dev.hoststack.reuseport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hoststack.api.Endpoint;
import dev.hoststack.api.SessionError;
import dev.hoststack.api.SessionException;
import dev.hoststack.api.spi.FlowView;
import dev.hoststack.api.spi.ReuseportGroupView;
import dev.hoststack.api.spi.ReuseportSelector;
import dev.hoststack.api.spi.ReuseportSelectorProvider;
import dev.hoststack.api.spi.SelectorContext;
import dev.hoststack.session.ListenOptions;
import dev.hoststack.session.SessionWorker;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * What the view tells a selector beyond membership: each member's weight (set on the control
 * thread, a new view per change) and each slot's live load (pending, established, congested) as
 * the session layer counts it through real handshakes, accepts and closes; and what happens when a
 * selector throws.
 */
class WeightAndLoadTest {

    private static final String URI = "tcp://10.0.0.1/80";

    private static GroupFixture seed(GroupFixture f, String selector) {
        f.attach("app1", 1);
        f.attach("app2", 2);
        f.attach("app3", 3);
        for (String app : List.of("app1", "app2", "app3")) {
            f.listenAll(app, URI, ListenOptions.reuseport(selector));
        }
        return f;
    }

    private static int group(GroupFixture f) {
        return f.groups.groups().get(0).index();
    }

    @Test
    void weightsArePerMemberAndPublishANewView() {
        GroupFixture f = seed(new GroupFixture(), "roundrobin");
        int g = group(f);
        ReuseportGroupView v1 = f.groups.view(g);
        assertThat(new int[] {v1.memberWeight(0), v1.memberWeight(1), v1.memberWeight(2)}).as("default weights")
                .containsExactly(1, 1, 1);
        f.groups.weight(g, "app1", 3);
        ReuseportGroupView v2 = f.groups.view(g);
        assertThat(v2.epoch()).as("a weight change publishes a new view").isEqualTo(v1.epoch() + 1);
        assertThat(new int[] {v2.memberWeight(0), v2.memberWeight(1), v2.memberWeight(2)}).containsExactly(3, 1, 1);
        assertThat(v2.member(0).weight()).as("member view of app1").isEqualTo(3);
        assertThat(v1.memberWeight(0)).as("the old view keeps its weights").isEqualTo(1);
        f.groups.weight(g, "app1", 3);
        assertThat(f.groups.view(g).epoch()).as("the same weight again changes nothing").isEqualTo(v2.epoch());
        f.groups.weight(g, "app3", ReuseportGroupView.MAX_WEIGHT);
        assertThat(f.groups.groups().get(0).weights()).containsExactly(3, 1, 256);
    }

    @Test
    void aMemberThatLeavesAndJoinsAgainStartsAtWeightOne() {
        GroupFixture f = seed(new GroupFixture(), "roundrobin");
        int g = group(f);
        f.groups.weight(g, "app2", 5);
        for (SessionWorker w : f.layer.app("app2").workers()) {
            f.layer.unlisten("app2", w.workerIndex(), Endpoint.parseUri(URI));
        }
        f.listenAll("app2", URI, ListenOptions.REUSEPORT);
        assertThat(f.groups.groups().get(0).weights()).as("app1, app3, app2 (rejoined)").containsExactly(1, 1, 1);
    }

    @Test
    void badWeightsAreRefusedByName() {
        GroupFixture f = seed(new GroupFixture(), "roundrobin");
        f.attach("other", 1);
        int g = group(f);
        long epoch = f.groups.view(g).epoch();
        assertRefused(() -> f.groups.weight(g, "app1", 0), SessionError.INVALID_WEIGHT, "weight 0", "app1", "1..256");
        assertRefused(() -> f.groups.weight(g, "app1", 257), SessionError.INVALID_WEIGHT, "weight 257");
        assertRefused(() -> f.groups.weight(g, "nobody", 2), SessionError.NO_SUCH_APP, "'nobody'", "app1, app2, app3");
        assertRefused(() -> f.groups.weight(g, "other", 2), SessionError.NOT_LISTENING, "'other' is not a member",
                "app1, app2, app3");
        assertThat(f.groups.view(g).epoch()).as("refusals publish nothing").isEqualTo(epoch);
    }

    private static void assertRefused(org.assertj.core.api.ThrowableAssert.ThrowingCallable call, SessionError code,
                                      String... parts) {
        assertThatThrownBy(call).isInstanceOf(SessionException.class)
                .satisfies(e -> assertThat(((SessionException) e).code()).as("error code").isEqualTo(code))
                .hasMessageContainingAll(parts);
    }

    @Test
    void loadFollowsTheSessionsThroughHandshakeAcceptAndClose() {
        GroupFixture f = seed(new GroupFixture(), "roundrobin");
        int g = group(f);
        // 12 connections in the seed's order: app1-w0 gets 4, app2's workers 2 each, app3's 4/3 ... as rotation gives
        List<Long> sessions = new ArrayList<>();
        List<String> got = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            long[] s = new long[1];
            got.add(f.connectKeeping(0, "10.0.0.1", 80, s));
            sessions.add(s[0]);
        }
        ReuseportGroupView v = f.groups.view(g);
        int[] pending = new int[v.workerCount()];
        for (String label : got) {
            pending[slotOf(v, label)]++;
        }
        for (int s = 0; s < v.workerCount(); s++) {
            assertThat(v.slotPending(s)).as("pending of slot %d (%s): accept events not yet answered", s, label(v, s))
                    .isEqualTo(pending[s]);
            assertThat(v.slotEstablished(s)).as("established of slot %d", s).isZero();
            assertThat(v.slotCongested(s)).as("congested of slot %d", s).isFalse();
        }
        // app1 accepts its sessions: they become READY when thread 0 runs its mailbox
        int app1 = slotOf(v, "app1-w0");
        for (int i = 0; i < got.size(); i++) {
            if (got.get(i).equals("app1-w0")) {
                assertThat(f.layer.acceptReply(sessions.get(i))).isTrue();
            }
        }
        f.tcp.poll(0);
        assertThat(v.slotPending(app1)).as("app1-w0 pending after accepting all").isZero();
        assertThat(v.slotEstablished(app1)).as("app1-w0 established after accepting all").isEqualTo(pending[app1]);
        // it closes one: established - 1
        for (int i = 0; i < got.size(); i++) {
            if (got.get(i).equals("app1-w0")) {
                f.layer.reset(sessions.get(i));
                break;
            }
        }
        f.tcp.poll(0);
        assertThat(v.slotEstablished(app1)).as("app1-w0 established after resetting one").isEqualTo(pending[app1] - 1);
        // a RST from the client on a session still in the handshake (CREATED) takes it off pending
        int app2 = slotOf(v, "app2-w0");
        int before = v.slotPending(app2);
        long half = f.synOnly(0, "10.0.0.1", 80);
        ReuseportGroupView now = f.groups.view(g);
        int chosen = slotOf(now, f.layer.worker(f.layer.session(half).appWorkerIndex()).label());
        int pendingChosen = now.slotPending(chosen);
        f.rstLast(0, "10.0.0.1", 80);
        assertThat(now.slotPending(chosen)).as("pending of %s after the client's RST in the handshake", label(now, chosen))
                .isEqualTo(pendingChosen - 1);
        if (chosen != app2) {
            assertThat(v.slotPending(app2)).as("app2-w0, not chosen, untouched").isEqualTo(before);
        }
    }

    @Test
    void aFullEventQueueMakesTheWorkerCongestedUntilItPolls() {
        GroupFixture f = new GroupFixture(1, ReuseportConfig.defaults(), 4);
        f.attach("app1", 1);
        f.listenAll("app1", URI, ListenOptions.REUSEPORT);
        ReuseportGroupView v = f.groups.view(group(f));
        for (int i = 0; i < 4; i++) {
            f.connectLeaving(0, "10.0.0.1", 80);
        }
        assertThat(v.slotCongested(0)).as("4 accept events in a queue of 4: not congested yet").isFalse();
        f.connectLeaving(0, "10.0.0.1", 80);
        assertThat(v.slotCongested(0)).as("the fifth found the queue full").isTrue();
        f.layer.app("app1").worker(0).pollEvents((t, s, l) -> { }, 1);
        assertThat(v.slotCongested(0)).as("after the application polled").isFalse();
    }

    @Test
    void aSelectorThatThrowsIsCountedAndTheKernelHashChooses() {
        ReuseportSelectorProvider throwing = provider("throwing", ctx -> new ReuseportSelector() {
            int calls;

            @Override
            public int select(ReuseportGroupView group, FlowView flow, int thread) {
                if (++calls % 2 == 0) {
                    throw new IllegalStateException("selector bug #" + calls);
                }
                return 0;
            }
        });
        GroupFixture f = seed(new GroupFixture(1, ReuseportConfig.defaults(), throwing), "throwing");
        List<String> got = f.connect(100, "10.0.0.1", 80);
        ReuseportGroup g = f.groups.groups().get(0);
        assertThat(got).as("every SYN dispatched, none dropped").allMatch(l -> l.startsWith("app"));
        assertThat(g.selectorErrors()).as("exceptions from select").isEqualTo(50);
        assertThat(g.fallbacks()).as("each counted as a fallback to the kernel's hash").isEqualTo(50);
        assertThat(g.lastSelectorError()).isInstanceOf(IllegalStateException.class).hasMessageStartingWith("selector bug #");
        assertThat(got.stream().filter(l -> !l.equals("app1-w0")).count())
                .as("the hash's answers spread over the other workers too").isPositive();
    }

    @Test
    void aProviderThatThrowsOrMakesNothingFailsTheListenWithItsName() {
        GroupFixture f = new GroupFixture(1, ReuseportConfig.defaults(),
                provider("broken", ctx -> {
                    throw new UnsupportedOperationException("no groups on Tuesdays");
                }),
                provider("empty", ctx -> null));
        f.attach("app1", 1);
        assertRefused(() -> f.listenAll("app1", URI, ListenOptions.reuseport("broken")), SessionError.SELECTOR_FAILED,
                "selector 'broken'", "failed to create a selector", "no groups on Tuesdays");
        assertRefused(() -> f.listenAll("app1", URI, ListenOptions.reuseport("empty")), SessionError.SELECTOR_FAILED,
                "selector 'empty'", "created no selector");
        assertThat(f.groups.groups()).as("no group left behind").isEmpty();
        assertThat(f.layer.fib(0).table(true).size()).as("no listener entry left behind").isZero();
        f.listenAll("app1", URI, ListenOptions.reuseport("roundrobin"));
        assertThat(f.connect(1, "10.0.0.1", 80)).containsExactly("app1-w0");
    }

    @Test
    void aSelectorThatThrowsOnAChangeIsCountedAndTheChangeStands() {
        ReuseportSelectorProvider p = provider("changeless", ctx -> new ReuseportSelector() {
            @Override
            public int select(ReuseportGroupView group, FlowView flow, int thread) {
                return group.workerCount() - 1;
            }

            @Override
            public void membershipChanged(ReuseportGroupView group) {
                if (group.memberCount() > 1) {
                    throw new IllegalArgumentException("only one member, please");
                }
            }
        });
        GroupFixture f = seed(new GroupFixture(1, ReuseportConfig.defaults(), p), "changeless");
        ReuseportGroup g = f.groups.groups().get(0);
        assertThat(g.members()).as("all three joined").hasSize(3);
        assertThat(g.selectorErrors()).as("membershipChanged threw for the 2nd, 3rd, 4th, 5th and 6th listen").isEqualTo(5);
        assertThat(f.connect(1, "10.0.0.1", 80)).as("its answers still count").containsExactly("app3-w2");
    }

    private static ReuseportSelectorProvider provider(String name, java.util.function.Function<SelectorContext, ReuseportSelector> make) {
        return new ReuseportSelectorProvider() {
            @Override
            public String name() {
                return name;
            }

            @Override
            public ReuseportSelector create(SelectorContext context) {
                return make.apply(context);
            }
        };
    }

    private static int slotOf(ReuseportGroupView v, String label) {
        for (int s = 0; s < v.workerCount(); s++) {
            if (label(v, s).equals(label)) {
                return s;
            }
        }
        throw new AssertionError("no slot " + label);
    }

    private static String label(ReuseportGroupView v, int s) {
        return v.member(v.slotMember(s)).appName() + "-w" + v.slotWorker(s);
    }
}
