package dev.hoststack.composing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.inject.AbstractModule;
import com.google.inject.CreationException;
import com.google.inject.Key;
import com.google.inject.multibindings.MapBinder;
import com.google.inject.multibindings.OptionalBinder;
import dev.hoststack.api.AppWorker;
import dev.hoststack.api.Ip;
import dev.hoststack.api.SessionHandle;
import dev.hoststack.api.spi.FlowView;
import dev.hoststack.api.spi.ReuseportGroupView;
import dev.hoststack.api.spi.ReuseportSelector;
import dev.hoststack.api.spi.ReuseportSelectorProvider;
import dev.hoststack.api.spi.SelectorContext;
import dev.hoststack.session.AttachOptions;
import dev.hoststack.session.ListenOptions;
import dev.hoststack.session.SessionLayer;
import dev.hoststack.session.SessionLayerConfig;
import dev.hoststack.stack.DefaultSelector;
import dev.hoststack.stack.Stack;
import dev.hoststack.stack.StackClock;
import dev.hoststack.stack.StackConfig;
import dev.hoststack.tcp.SegmentWriter;
import dev.hoststack.tcp.TcpCounter;
import dev.hoststack.tcp.TcpPeer;
import dev.hoststack.tcp.TcpSegment;
import dev.hoststack.tcp.TcpTransport;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import org.junit.jupiter.api.Test;

/** docs/composing.md, recipe 2: Guice's binding points. */
class Recipe2GuiceTest {

    // tag::guice-selector[]
    /** {@code newest}: every new connection to the member that joined last (a blue/green switch). */
    static final class NewestMemberProvider implements ReuseportSelectorProvider {
        @Override
        public String name() {
            return "newest";
        }

        @Override
        public ReuseportSelector create(SelectorContext context) {
            return new ReuseportSelector() {
                @Override
                public int select(ReuseportGroupView group, FlowView flow, int thread) {
                    return group.memberFirstSlot(group.memberCount() - 1);
                }
            };
        }
    }
    // end::guice-selector[]

    // tag::guice-module[]
    /** Binds a selector without ServiceLoader, makes it the default, and drives the clock. */
    static final class MyStackModule extends AbstractModule {
        private final LongSupplier clock;

        MyStackModule(LongSupplier clock) {
            this.clock = clock;
        }

        @Override
        protected void configure() {
            // a selector: one MapBinder entry, beside those ServiceLoader finds
            MapBinder.newMapBinder(binder(), String.class, ReuseportSelectorProvider.class)
                    .addBinding("newest").toInstance(new NewestMemberProvider());
            // the default policy (wins over StackConfig's)
            OptionalBinder.newOptionalBinder(binder(), Key.get(String.class, DefaultSelector.class))
                    .setBinding().toInstance("newest");
            // the nanosecond clock the handshake timeouts read (wins over StackConfig's)
            OptionalBinder.newOptionalBinder(binder(), Key.get(LongSupplier.class, StackClock.class))
                    .setBinding().toInstance(clock);
        }
    }
    // end::guice-module[]

    private static final int SERVER = Ip.ip4(Ip.parseAddress("10.0.0.1", "server"));

    @Test
    void aSelectorTheDefaultAndTheClockThroughTheBindingPoints() {
        // tag::guice-create[]
        AtomicLong nanos = new AtomicLong();
        Stack stack = Stack.create(StackConfig.defaults(), new MyStackModule(nanos::get));
        // end::guice-create[]

        assertThat(stack.selectors().providers()).as("the shipped selectors and the bound one")
                .containsKeys("roundrobin", "hash", "newest");
        assertThat(stack.selectors().defaultName()).as("the bound default").isEqualTo("newest");

        stack.attach(AttachOptions.of("blue"));
        stack.listen("blue", 0, "tcp://10.0.0.1/80", ListenOptions.REUSEPORT);
        stack.attach(AttachOptions.of("green"));
        stack.listen("green", 0, "tcp://10.0.0.1/80", ListenOptions.REUSEPORT);
        assertThat(stack.reuseport().groups().get(0).selectorName()).isEqualTo("newest");

        TcpPeer peer = new TcpPeer(stack.tcp());
        for (int i = 0; i < 20; i++) {
            long s = peer.connect4(0, 0xC000_0200 + i, 30_000 + i, SERVER, 80);
            assertThat(s).as("handshake %s", i).isNotEqualTo(SessionHandle.INVALID);
            AppWorker w = stack.session().worker(stack.session().session(s).appWorkerIndex());
            assertThat(w.application().name()).as("connection %s goes to the newest member", i).isEqualTo("green");
        }

        // the bound clock drives the handshake timeout (75 s by default): a SYN left unanswered
        long before = stack.tcp().counter(TcpCounter.HANDSHAKE_TIMEOUTS);
        assertThat(stack.input(0, SegmentWriter.ip4(0xC000_0299, 41_000, SERVER, 80, 7, 0, TcpSegment.SYN)))
                .isEqualTo(TcpTransport.CREATED);
        stack.pollAll();
        assertThat(stack.tcp().counter(TcpCounter.HANDSHAKE_TIMEOUTS)).as("no timeout at t = 0").isEqualTo(before);
        nanos.addAndGet(TimeUnit.SECONDS.toNanos(76));
        stack.pollAll();
        assertThat(stack.tcp().counter(TcpCounter.HANDSHAKE_TIMEOUTS))
                .as("the handshake timed out when the bound clock passed 75 s").isEqualTo(before + 1);
    }

    @Test
    void theConfigurationsDefaultAppliesWhenNoModuleBindsOne() {
        Stack stack = Stack.create(StackConfig.builder().defaultSelector("hash").build());
        assertThat(stack.selectors().defaultName()).isEqualTo("hash");
    }

    @Test
    void theWiredPartsCannotBeBoundAgain() {
        // tag::guice-not-this[]
        AbstractModule mine = new AbstractModule() {
            @Override
            protected void configure() {
                // refused: the stack binds SessionLayer (and TcpTransport, ReuseportGroupTable,
                // SelectorRegistry, StackConfig, Stack) itself; change them through StackConfig
                bind(SessionLayer.class).toInstance(new SessionLayer(SessionLayerConfig.defaults()));
            }
        };
        // end::guice-not-this[]
        assertThatThrownBy(() -> Stack.create(StackConfig.defaults(), mine))
                .isInstanceOf(CreationException.class)
                .hasMessageContaining("SessionLayer")
                .hasMessageContaining("bound multiple times");
    }
}
