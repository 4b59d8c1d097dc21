package dev.hoststack.session;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hoststack.api.Endpoint;
import dev.hoststack.api.Ip;
import dev.hoststack.api.spi.FlowView;
import java.util.HashMap;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** {@link ListenerIndex}: exact address before the wildcard, ports apart, removal, families, against a map model. */
class ListenerIndexTest {

    /** A target that only names itself. */
    private static final class Named extends ListenTarget {
        private final String name;

        Named(String name) {
            this.name = name;
        }

        @Override
        public long dispatch(FlowView flow, int thread) {
            return 0;
        }

        @Override
        public long redispatch(FlowView flow, int thread, long rejected, int attempt) {
            return 0;
        }

        @Override
        public String toString() {
            return name;
        }
    }

    private static Endpoint ep(String uri) {
        return Endpoint.parseUri(uri);
    }

    private static int ip4(String a) {
        return Ip.ip4(Ip.parseAddress(a, "test"));
    }

    @Test
    void theExactAddressWinsOverTheWildcardWhateverTheOrderAdded() {
        for (boolean wildcardFirst : new boolean[] {true, false}) {
            ListenerIndex ix = new ListenerIndex(true);
            Named exact = new Named("exact");
            Named wild = new Named("wild");
            if (wildcardFirst) {
                ix.put(ep("tcp://0.0.0.0/80"), wild);
                ix.put(ep("tcp://10.0.0.1/80"), exact);
            } else {
                ix.put(ep("tcp://10.0.0.1/80"), exact);
                ix.put(ep("tcp://0.0.0.0/80"), wild);
            }
            assertThat(ix.find4(ip4("10.0.0.1"), 80)).as("10.0.0.1:80 (wildcard added first: %s)", wildcardFirst).isSameAs(exact);
            assertThat(ix.find4(ip4("10.0.0.2"), 80)).as("10.0.0.2:80 falls to the wildcard").isSameAs(wild);
            assertThat(ix.find4(ip4("10.0.0.1"), 81)).as("another port").isNull();
            assertThat(ix.size()).isEqualTo(2);
        }
    }

    @Test
    void removingTheExactListenerUncoversTheWildcardAndTheLastRemovalEmptiesThePort() {
        ListenerIndex ix = new ListenerIndex(true);
        Named a = new Named("a");
        Named b = new Named("b");
        Named w = new Named("w");
        ix.put(ep("tcp://10.0.0.1/443"), a);
        ix.put(ep("tcp://10.0.0.2/443"), b);
        ix.put(ep("tcp://0.0.0.0/443"), w);
        assertThat(ix.remove(ep("tcp://10.0.0.1/443"), b)).as("removing with the wrong target changes nothing").isFalse();
        assertThat(ix.remove(ep("tcp://10.0.0.1/443"), a)).isTrue();
        assertThat(ix.find4(ip4("10.0.0.1"), 443)).as("10.0.0.1 after its exact listener left").isSameAs(w);
        assertThat(ix.find4(ip4("10.0.0.2"), 443)).as("10.0.0.2 keeps its own").isSameAs(b);
        assertThat(ix.remove(ep("tcp://0.0.0.0/443"), w)).isTrue();
        assertThat(ix.find4(ip4("10.0.0.1"), 443)).as("nothing on 10.0.0.1 once the wildcard left").isNull();
        assertThat(ix.remove(ep("tcp://10.0.0.2/443"), b)).isTrue();
        assertThat(ix.find4(ip4("10.0.0.2"), 443)).isNull();
        assertThat(ix.size()).isZero();
        assertThat(ix.remove(ep("tcp://10.0.0.2/443"), b)).as("removing twice").isFalse();
    }

    @Test
    void aSecondListenerOnTheSameAddressAndPortIsRefused() {
        ListenerIndex ix = new ListenerIndex(true);
        ix.put(ep("tcp://10.0.0.1/80"), new Named("a"));
        ix.put(ep("tcp://0.0.0.0/80"), new Named("w"));
        assertThatThrownBy(() -> ix.put(ep("tcp://10.0.0.1/80"), new Named("b"))).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("port 80");
        assertThatThrownBy(() -> ix.put(ep("tcp://0.0.0.0/80"), new Named("v"))).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("wildcard");
        assertThatThrownBy(() -> ix.put(ep("tcp://[2001:db8::1]/80"), new Named("v6"))).as("an IPv6 endpoint in an IPv4 index")
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("family");
    }

    @Test
    void ipv6ExactThenWildcard() {
        ListenerIndex ix = new ListenerIndex(false);
        Named exact = new Named("exact6");
        Named wild = new Named("wild6");
        ix.put(ep("tcp://::/8080"), wild);
        ix.put(ep("tcp://[2001:db8::1]/8080"), exact);
        assertThat(ix.find6(0x2001_0db8_0000_0000L, 1, 8080)).isSameAs(exact);
        assertThat(ix.find6(0x2001_0db8_0000_0000L, 2, 8080)).isSameAs(wild);
        assertThat(ix.find6(0x2001_0db8_0000_0001L, 1, 8080)).as("same low word, other high word").isSameAs(wild);
        assertThat(ix.find6(0x2001_0db8_0000_0000L, 1, 8081)).isNull();
        assertThat(ix.get(ep("tcp://[2001:db8::1]/8080"))).isSameAs(exact);
    }

    @Test
    void portsAtTheEdgesOfBlocks() {
        ListenerIndex ix = new ListenerIndex(true);
        int[] ports = {1, 255, 256, 257, 65279, 65280, 65535};
        for (int p : ports) {
            ix.put(ep("tcp://0.0.0.0/" + p), new Named("p" + p));
        }
        java.util.Set<Integer> listening = new java.util.HashSet<>();
        for (int p : ports) {
            listening.add(p);
        }
        for (int p = 0; p <= 0xFFFF; p++) {
            ListenTarget t = ix.find4(ip4("192.0.2.1"), p);
            if (listening.contains(p)) {
                assertThat(t).as("port %d", p).hasToString("p" + p);
            } else {
                assertThat(t).as("port %d has no listener", p).isNull();
            }
        }
    }

    @Test
    void agreesWithAMapModelOverRandomChanges() {
        long seed = Long.getLong("hoststack.test.seed", System.nanoTime());
        String replay = "seed " + seed + " (replay with -Dhoststack.test.seed=" + seed + ")";
        Random rnd = new Random(seed);
        ListenerIndex ix = new ListenerIndex(true);
        Map<String, Named> model = new HashMap<>();
        String[] addrs = {"0.0.0.0", "10.0.0.1", "10.0.0.2", "192.0.2.7"};
        for (int step = 0; step < 20_000; step++) {
            String a = addrs[rnd.nextInt(addrs.length)];
            int port = 1 + rnd.nextInt(600);
            String key = a + ":" + port;
            Endpoint e = ep("tcp://" + a + "/" + port);
            if (model.containsKey(key) && rnd.nextBoolean()) {
                assertThat(ix.remove(e, model.remove(key))).as("remove %s; %s", key, replay).isTrue();
            } else if (!model.containsKey(key)) {
                Named t = new Named(key);
                ix.put(e, t);
                model.put(key, t);
            }
            String qa = addrs[1 + rnd.nextInt(addrs.length - 1)];
            int qp = 1 + rnd.nextInt(600);
            Named expected = model.get(qa + ":" + qp);
            if (expected == null) {
                expected = model.get("0.0.0.0:" + qp);
            }
            assertThat(ix.find4(ip4(qa), qp)).as("lookup of %s:%d after step %d; %s", qa, qp, step, replay)
                    .isSameAs(expected);
        }
        assertThat(ix.size()).isEqualTo(model.size());
    }
}
