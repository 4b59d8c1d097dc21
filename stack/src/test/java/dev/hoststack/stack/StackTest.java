package dev.hoststack.stack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.inject.AbstractModule;
import com.google.inject.CreationException;
import com.google.inject.multibindings.MapBinder;
import dev.hoststack.api.Ip;
import dev.hoststack.api.SessionHandle;
import dev.hoststack.api.spi.ReuseportSelectorProvider;
import dev.hoststack.session.AttachOptions;
import dev.hoststack.session.ListenOptions;
import dev.hoststack.tcp.TcpPeer;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Composition with Guice and ServiceLoader. */
class StackTest {

    private static List<String> dispatch(Stack stack, int n) {
        TcpPeer peer = new TcpPeer(stack.tcp());
        List<String> out = new ArrayList<>();
        int server = Ip.ip4(Ip.parseAddress("10.0.0.1", ""));
        for (int i = 0; i < n; i++) {
            long s = peer.connect4(0, 0xC6120000 + i, 20000 + i, server, 80);
            assertThat(s).as("handshake %s completes", i).isNotEqualTo(SessionHandle.INVALID);
            out.add(stack.session().worker(stack.session().session(s).appWorkerIndex()).label());
        }
        return out;
    }

    private static void threeApps(Stack stack, ListenOptions options) {
        for (int a = 1; a <= 3; a++) {
            stack.attach(AttachOptions.of("app" + a));
            for (int w = 1; w < a; w++) {
                stack.session().addWorker("app" + a);
            }
            for (int w = 0; w < a; w++) {
                stack.listen("app" + a, w, "tcp://10.0.0.1/80", options);
            }
        }
    }

    @Test
    void theShippedSelectorsAndTheTestOneAreFoundByServiceLoader() {
        Stack stack = Stack.create();
        assertThat(stack.selectors().providers()).containsKeys("roundrobin", "hash", "p2c", "least", "weighted", "maglev", "incoming", "last-member");
        assertThat(stack.selectors().defaultName()).isEqualTo("roundrobin");
    }

    @Test
    void aThirdPartySelectorOnTheClassPathIsUsedByNameWithNoOtherChange() {
        Stack stack = Stack.create();
        threeApps(stack, ListenOptions.reuseport("last-member"));
        assertThat(dispatch(stack, 4)).containsOnly("app3-w0");
        assertThat(stack.reuseport().groups().get(0).selectorName()).isEqualTo("last-member");
    }

    @Test
    void theDefaultPolicyComesFromTheConfigurationOrIsRoundRobin() {
        Stack rr = Stack.create();
        threeApps(rr, ListenOptions.REUSEPORT);
        assertThat(dispatch(rr, 3)).containsExactly("app1-w0", "app2-w0", "app3-w0");

        Stack hash = Stack.create(StackConfig.builder().defaultSelector("hash").hashSecret(7).build());
        threeApps(hash, ListenOptions.REUSEPORT);
        assertThat(hash.reuseport().groups().get(0).selectorName()).isEqualTo("hash");
    }

    @Test
    void anUnknownDefaultFailsListingTheKnownNames() {
        assertThatThrownBy(() -> Stack.create(StackConfig.builder().defaultSelector("fastest").build()))
                .isInstanceOf(CreationException.class)
                .hasMessageContaining("fastest")
                .hasMessageContaining("hash, incoming, last-member, least, maglev, p2c, roundrobin, weighted");
    }

    @Test
    void aModuleOfTheUsersOwnCanBindMoreSelectors() {
        ReuseportSelectorProvider second = new ReuseportSelectorProvider() {
            @Override
            public String name() {
                return "second-member";
            }

            @Override
            public dev.hoststack.api.spi.ReuseportSelector create(dev.hoststack.api.spi.SelectorContext context) {
                return (group, flow, thread) -> group.memberFirstSlot(1);
            }
        };
        Stack stack = Stack.create(StackConfig.defaults(), new AbstractModule() {
            @Override
            protected void configure() {
                MapBinder.newMapBinder(binder(), String.class, ReuseportSelectorProvider.class)
                        .addBinding("second-member").toInstance(second);
            }
        });
        threeApps(stack, ListenOptions.reuseport("second-member"));
        assertThat(dispatch(stack, 3)).containsOnly("app2-w0");
    }

    @Test
    void namespacesFromTheConfigurationExist() {
        Stack stack = Stack.create(StackConfig.builder().namespace("blue", 42, 3).threads(4).build());
        assertThat(stack.session().namespace("blue").fibIndex()).isEqualTo(3);
        assertThat(stack.session().threadCount()).isEqualTo(4);
        assertThat(stack.attach(AttachOptions.of("x").inNamespace("blue", 42)).namespace().name()).isEqualTo("blue");
    }
}
