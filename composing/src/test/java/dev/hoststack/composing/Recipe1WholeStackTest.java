package dev.hoststack.composing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hoststack.api.AppWorker;
import dev.hoststack.api.Application;
import dev.hoststack.api.Ip;
import dev.hoststack.api.SessionError;
import dev.hoststack.api.SessionException;
import dev.hoststack.api.SessionHandle;
import dev.hoststack.session.AttachOptions;
import dev.hoststack.session.ListenOptions;
import dev.hoststack.session.SessionLayerConfig;
import dev.hoststack.stack.Stack;
import dev.hoststack.stack.StackConfig;
import dev.hoststack.tcp.TcpConfig;
import dev.hoststack.tcp.TcpPeer;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** docs/composing.md, recipe 1: the whole stack from {@code Stack.create(StackConfig)}. */
class Recipe1WholeStackTest {

    @Test
    void theWholeStackWithYourOwnLimitsThreadsAndDefaultSelector() {
        // tag::whole-stack[]
        Stack stack = Stack.create(StackConfig.builder()
                .threads(2)                          // data threads 0 (the control thread's) and 1
                .defaultSelector("hash")             // for groups whose listen names no selector
                .hashSecret(0x5eed)                  // the kernel's per-boot secret, fixed here
                .session(SessionLayerConfig.builder()
                        .maxApps(4)
                        .maxSessionsPerThread(100_000)
                        .build())
                .tcp(TcpConfig.builder()
                        .maxConnectionsPerThread(100_000)
                        .handshakeTimeout(5, TimeUnit.SECONDS)
                        .build())
                .namespace("blue", 42L, 1)           // name, secret, FIB
                .build());

        // control plane: the thread that created the stack
        Application web = stack.attach(AttachOptions.of("web"));
        stack.session().addWorker("web");            // worker 1 (attach made worker 0)
        stack.listen("web", 0, "tcp://0.0.0.0/80", ListenOptions.REUSEPORT);
        stack.listen("web", 1, "tcp://0.0.0.0/80", ListenOptions.REUSEPORT);
        stack.attach(AttachOptions.of("api"));
        stack.listen("api", 0, "tcp://0.0.0.0/80", ListenOptions.REUSEPORT);
        // end::whole-stack[]

        assertThat(stack.session().threadCount()).as("data threads").isEqualTo(2);
        assertThat(web.workers()).as("web's workers").hasSize(2);
        assertThat(stack.reuseport().groups()).as("one group on port 80").hasSize(1);
        assertThat(stack.reuseport().groups().get(0).selectorName())
                .as("the configured default selector").isEqualTo("hash");
        assertThat(stack.reuseport().hashSecret()).as("the configured secret").isEqualTo(0x5eed);
        assertThat(stack.session().namespace("blue").fibIndex()).as("blue's FIB").isEqualTo(1);

        // the limit is the configured one: two more apps fit, the fifth is refused with LIMIT
        stack.attach(AttachOptions.of("third"));
        stack.attach(AttachOptions.of("fourth"));
        assertThatThrownBy(() -> stack.attach(AttachOptions.of("fifth")))
                .isInstanceOf(SessionException.class)
                .satisfies(e -> assertThat(((SessionException) e).code()).isEqualTo(SessionError.LIMIT));

        // and it dispatches: 300 handshakes on data thread 0 reach all three workers
        TcpPeer peer = new TcpPeer(stack.tcp());
        int server = Ip.ip4(Ip.parseAddress("10.1.2.3", "server"));
        Map<String, Integer> perWorker = new TreeMap<>();
        for (int i = 0; i < 300; i++) {
            long s = peer.connect4(0, 0xC633_6400 + i, 10_000 + i, server, 80);
            assertThat(s).as("handshake %s completes", i).isNotEqualTo(SessionHandle.INVALID);
            AppWorker w = stack.session().worker(stack.session().session(s).appWorkerIndex());
            perWorker.merge(w.application().name() + "-w" + w.workerIndex(), 1, Integer::sum);
        }
        assertThat(perWorker).as("connections per worker under the hash").containsOnlyKeys("web-w0", "web-w1", "api-w0");
        assertThat(perWorker.values().stream().mapToInt(Integer::intValue).sum()).isEqualTo(300);
    }
}
