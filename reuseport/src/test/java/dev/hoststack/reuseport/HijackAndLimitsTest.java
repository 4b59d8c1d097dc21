package dev.hoststack.reuseport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hoststack.api.Endpoint;
import dev.hoststack.api.SessionError;
import dev.hoststack.api.SessionException;
import dev.hoststack.session.AttachOptions;
import dev.hoststack.session.ListenOptions;
import dev.hoststack.session.SessionLayer;
import dev.hoststack.session.SessionLayerConfig;
import dev.hoststack.tcp.TcpConfig;
import dev.hoststack.tcp.TcpTransport;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Port hijacking refused and counted with the group's dispatch unchanged; every bound a clear error. */
class HijackAndLimitsTest {

    private static final String URI = "tcp://10.0.0.1/80";

    private static void refused(Runnable call, SessionError code) {
        assertThatThrownBy(call::run).isInstanceOf(SessionException.class)
                .satisfies(e -> assertThat(((SessionException) e).code()).isEqualTo(code));
    }

    @Test
    void hijackersOfEveryKindAreRefusedCountedAndChangeNothing() {
        GroupFixture f = new GroupFixture();
        f.layer.addNamespace("other", 77, 0);
        f.attach("app1", 1);
        f.attach("app2", 2);
        f.listenAll("app1", URI, ListenOptions.REUSEPORT);
        f.listenAll("app2", URI, ListenOptions.REUSEPORT);
        GroupFixture twin = new GroupFixture();
        twin.attach("app1", 1);
        twin.attach("app2", 2);
        twin.listenAll("app1", URI, ListenOptions.REUSEPORT);
        twin.listenAll("app2", URI, ListenOptions.REUSEPORT);
        List<String> before = f.connect(8, "10.0.0.1", 80);
        assertThat(before).containsExactlyElementsOf(twin.connect(8, "10.0.0.1", 80));

        f.attach(AttachOptions.of("uid1000").withOwner(1000), 1);
        refused(() -> f.listenAll("uid1000", URI, ListenOptions.REUSEPORT), SessionError.REUSEPORT_OWNER_MISMATCH);
        f.attach(AttachOptions.of("ns-other").inNamespace("other", 77), 1);
        refused(() -> f.listenAll("ns-other", URI, ListenOptions.REUSEPORT), SessionError.REUSEPORT_NAMESPACE_MISMATCH);
        refused(() -> f.layer.attach(AttachOptions.of("liar").inNamespace("other", 78)), SessionError.WRONG_NAMESPACE_SECRET);
        f.attach("plain", 1);
        refused(() -> f.listenAll("plain", URI, ListenOptions.PLAIN), SessionError.ALREADY_LISTENING);

        assertThat(f.groups.refusals(SessionError.REUSEPORT_OWNER_MISMATCH)).isEqualTo(1);
        assertThat(f.groups.refusals(SessionError.REUSEPORT_NAMESPACE_MISMATCH)).isEqualTo(1);
        assertThat(f.layer.refusals(SessionError.WRONG_NAMESPACE_SECRET)).isEqualTo(1);
        assertThat(f.layer.refusals(SessionError.ALREADY_LISTENING)).isEqualTo(1);
        assertThat(f.groups.groups().get(0).members()).hasSize(2);
        assertThat(f.tcp.listenerCount()).as("no transport listener was left behind").isEqualTo(2);
        assertThat(f.connect(8, "10.0.0.1", 80)).as("dispatch goes on exactly as in a stack that saw no hijacker")
                .containsExactlyElementsOf(twin.connect(8, "10.0.0.1", 80));
    }

    @Test
    void controlCallsPastTheBoundsFailWithLimit() {
        SessionLayer layer = new SessionLayer(SessionLayerConfig.builder().threads(1).initialSessionsPerThread(2)
                .maxSessionsPerThread(2).initialTableEntries(8).maxTableEntries(8).build());
        new TcpTransport(layer, TcpConfig.defaults(), System::nanoTime);
        new ReuseportGroupTable(layer, new SelectorRegistry(Map.of("roundrobin",
                new dev.hoststack.selector.roundrobin.RoundRobinSelectorProvider()), "roundrobin"),
                new ReuseportConfig(4, 1, 0, true));
        layer.attach(AttachOptions.of("a"));
        layer.listen("a", 0, Endpoint.parseUri("tcp://10.0.0.1/1"), ListenOptions.REUSEPORT);
        assertThatThrownBy(() -> layer.listen("a", 0, Endpoint.parseUri("tcp://10.0.0.1/2"), ListenOptions.REUSEPORT))
                .isInstanceOf(SessionException.class).hasMessageContaining("LIMIT").hasMessageContaining("reuseport groups");
        layer.listen("a", 0, Endpoint.parseUri("tcp://10.0.0.1/3"), ListenOptions.PLAIN);
        assertThatThrownBy(() -> layer.listen("a", 0, Endpoint.parseUri("tcp://10.0.0.1/4"), ListenOptions.PLAIN))
                .isInstanceOf(SessionException.class).hasMessageContaining("LIMIT")
                .hasMessageContaining("thread 0's session pool is full");
    }

    @Test
    void aFullTableRefusesAListen() {
        SessionLayer layer = new SessionLayer(SessionLayerConfig.builder().threads(1).initialTableEntries(1)
                .maxTableEntries(1).build());
        new TcpTransport(layer, TcpConfig.defaults(), System::nanoTime);
        layer.attach(AttachOptions.of("a"));
        layer.listen("a", 0, Endpoint.parseUri("tcp://10.0.0.1/1"), ListenOptions.PLAIN);
        assertThatThrownBy(() -> layer.listen("a", 0, Endpoint.parseUri("tcp://10.0.0.1/2"), ListenOptions.PLAIN))
                .isInstanceOf(SessionException.class).hasMessageContaining("LIMIT").hasMessageContaining("is full");
        assertThat(layer.listeners()).hasSize(1);
    }
}
