package dev.hoststack.composing;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hoststack.api.AppEventType;
import dev.hoststack.api.AppWorker;
import dev.hoststack.api.Ip;
import dev.hoststack.api.SessionHandle;
import dev.hoststack.api.SessionState;
import dev.hoststack.session.AttachOptions;
import dev.hoststack.session.ListenOptions;
import dev.hoststack.stack.Stack;
import dev.hoststack.stack.StackConfig;
import dev.hoststack.tcp.SegmentParser;
import dev.hoststack.tcp.SegmentWriter;
import dev.hoststack.tcp.TcpSegment;
import dev.hoststack.tcp.TcpTransport;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * docs/composing.md, recipe 3: your own packets on your own data thread, the full cycle of one
 * connection (SYN, SYN-ACK, ACK, accept event, accept reply, FIN, disconnect event).
 */
class Recipe3OwnPacketsTest {

    private final ExecutorService rx1 = Executors.newSingleThreadExecutor(r -> new Thread(r, "rx-1"));

    @AfterEach
    void stop() throws InterruptedException {
        rx1.shutdownNow();
        assertThat(rx1.awaitTermination(10, TimeUnit.SECONDS)).as("rx-1 stops").isTrue();
    }

    /** A copy of a packet the stack sent: the buffer it lends is valid only during the call. */
    private static ByteBuffer copy(ByteBuffer packet) {
        ByteBuffer c = ByteBuffer.allocate(packet.remaining());
        c.put(packet.duplicate()).flip();
        return c;
    }

    @Test
    void oneConnectionFromBytesToTheApplicationAndBack() throws Exception {
        int client = Ip.ip4(Ip.parseAddress("192.0.2.7", "client"));
        int server = Ip.ip4(Ip.parseAddress("10.0.0.1", "server"));
        List<AppEventType> events = new ArrayList<>();

        // tag::own-packets[]
        // the control thread (this one) builds the stack and listens; it also owns data thread 0
        Stack stack = Stack.create(StackConfig.builder().threads(2).build());
        stack.attach(AttachOptions.of("app"));
        stack.listen("app", 0, "tcp://10.0.0.1/80", ListenOptions.PLAIN);
        AppWorker worker = stack.session().app("app").worker(0);

        // what the stack sends (SYN-ACK, FIN, RST) comes out here, on the data thread that sends
        BlockingQueue<ByteBuffer> wire = new LinkedBlockingQueue<>();
        stack.tcp().output((thread, packet) -> wire.add(copy(packet)));

        // your I/O thread for data thread 1: it claims it, and only it feeds and polls it from now on
        rx1.submit(() -> stack.session().claim(1)).get();

        // the peer's SYN arrives on your I/O: the owning thread feeds it, as bytes of an IP packet
        ByteBuffer syn = SegmentWriter.ip4(client, 40_000, server, 80, 1000, 0, TcpSegment.SYN);
        assertThat(rx1.submit(() -> stack.tcp().input(1, syn, 0)).get()).isEqualTo(TcpTransport.CREATED);

        // the SYN-ACK went out; the peer acknowledges it
        TcpSegment synAck = new TcpSegment();
        assertThat(SegmentParser.parse(wire.take(), synAck)).isNull();   // null: parsed, no drop reason
        ByteBuffer ack = SegmentWriter.ip4(client, 40_000, server, 80, 1001, synAck.seq() + 1, TcpSegment.ACK);
        assertThat(rx1.submit(() -> stack.tcp().input(1, ack, 0)).get()).isEqualTo(TcpTransport.ESTABLISHED);

        // the application (any thread, one at a time per worker) takes the ACCEPT event and answers
        long[] session = {SessionHandle.INVALID};
        worker.pollEvents((type, handle, listener) -> {
            events.add(type);
            if (type == AppEventType.ACCEPT && stack.session().acceptReply(handle)) {
                session[0] = handle;
            }
        }, 16);
        // the reply is applied by the session's data thread when it next polls (or takes a packet)
        rx1.submit(() -> stack.tcp().poll(1)).get();
        assertThat(stack.session().session(session[0]).state()).isEqualTo(SessionState.READY);

        // the peer closes: its FIN on data thread 1, then a DISCONNECT event for the application
        ByteBuffer fin = SegmentWriter.ip4(client, 40_000, server, 80, 1001, synAck.seq() + 1,
                TcpSegment.FIN | TcpSegment.ACK);
        assertThat(rx1.submit(() -> stack.tcp().input(1, fin, 0)).get()).isEqualTo(TcpTransport.CLOSED);
        worker.pollEvents((type, handle, listener) -> events.add(type), 16);
        // end::own-packets[]

        assertThat(SessionHandle.thread(session[0])).as("the session lives on the receiving data thread").isEqualTo(1);
        assertThat(synAck.has(TcpSegment.SYN) && synAck.has(TcpSegment.ACK)).as("a SYN-ACK: " + synAck).isTrue();
        assertThat(synAck.ack()).as("the SYN-ACK acknowledges the SYN").isEqualTo(1001);
        assertThat(events).as("the application's events, in order")
                .containsExactly(AppEventType.ACCEPT, AppEventType.DISCONNECT);
        rx1.submit(() -> stack.tcp().poll(1)).get();
        assertThat(stack.session().session(session[0])).as("taking DISCONNECT released the session").isNull();
        assertThat(wire).as("nothing else was sent: the peer closed, we only counted").isEmpty();
    }
}
