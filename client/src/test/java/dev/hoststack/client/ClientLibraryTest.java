package dev.hoststack.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.hoststack.daemon.Daemon;
import dev.hoststack.daemon.DaemonConfig;
import com.google.gson.JsonObject;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.epoll.EpollSocketChannel;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.net.ConnectException;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The client library against a daemon in the same JVM (both over Netty's epoll transport): listen
 * on port 0, channels with the real addresses, the session layer's refusals by name, the real
 * socket's lifecycle, IPv6, and flow control when every worker is congested.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ClientLibraryTest {

    @TempDir
    Path dir;

    Daemon daemon;
    final ConcurrentLinkedQueue<InetSocketAddress> remotes = new ConcurrentLinkedQueue<>();

    @BeforeEach
    void start() throws IOException {
        daemon = Daemon.start(DaemonConfig.builder(dir).namespace(DaemonConfig.Namespace.parse("blue:42:1"))
                .dispatch(DaemonConfig.Dispatch.HANDOFF).build(),
                new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
    }

    @AfterEach
    void stop() {
        daemon.close();
    }

    /** Answers "NAME\n" and closes; records the channel's remote address. */
    ConnectionHandler says(String name) {
        return saysRaw(name + "\n");
    }

    /** Answers text and closes; records the channel's remote address. */
    ConnectionHandler saysRaw(String text) {
        return ConnectionHandler.channels(new ChannelInitializer<Channel>() {
            @Override
            protected void initChannel(Channel ch) {
                ch.pipeline().addLast(new ChannelInboundHandlerAdapter() {
                    @Override
                    public void channelActive(ChannelHandlerContext ctx) {
                        remotes.add((InetSocketAddress) ctx.channel().remoteAddress());
                        ctx.writeAndFlush(Unpooled.copiedBuffer(text, StandardCharsets.US_ASCII))
                                .addListener(f -> ((EpollSocketChannel) ctx.channel()).shutdownOutput());
                    }

                    @Override
                    public void channelRead(ChannelHandlerContext ctx, Object msg) {
                        ((ByteBuf) msg).release();
                    }
                });
            }
        });
    }

    static String fetch(InetAddress address, int port) throws IOException {
        try (Socket s = new Socket()) {
            s.setSoTimeout(10_000);
            s.connect(new InetSocketAddress(address, port), 10_000);
            s.shutdownOutput();
            InputStream in = s.getInputStream();
            String text = new String(in.readAllBytes(), StandardCharsets.US_ASCII).trim();
            s.setSoLinger(true, 0);
            return text;
        }
    }

    static String fetch(int port) throws IOException {
        return fetch(InetAddress.getByName("127.0.0.1"), port);
    }

    @Test
    void socketFileHasTheDefaultMode() throws IOException {
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("hoststack.sock"))))
                .isEqualTo("rw-rw----");
    }

    @Test
    void listenOnPortZeroAnswersTheBoundPortAndConnectionsArriveAsChannels() throws Exception {
        try (HoststackApp app = HoststackApp.attach(AttachSpec.of(dir, "web"), says("w0"))) {
            AppWorker w0 = app.worker(0);
            String uri = w0.listen("tcp://127.0.0.1/0", true, null);
            int port = Http.port(uri);
            assertThat(port).isPositive();
            assertThat(w0.listens()).containsExactly(uri);
            assertThat(app.owner()).isEqualTo((int) new com.sun.security.auth.module.UnixSystem().getUid());
            try (Socket s = new Socket("127.0.0.1", port)) {
                s.setSoTimeout(10_000);
                assertThat(new String(s.getInputStream().readAllBytes(), StandardCharsets.US_ASCII)).isEqualTo("w0\n");
                // the worker's channel sees the real peer
                InetSocketAddress remote = remotes.poll();
                assertThat(remote.getPort()).isEqualTo(s.getLocalPort());
                s.setSoLinger(true, 0);
            }
            app.addWorker(says("w1")).listen(uri, true, null);
            assertThat(List.of(fetch(port), fetch(port), fetch(port))).containsExactly("w0", "w1", "w0");
            assertThat(w0.received()).isEqualTo(3);
        }
    }

    @Test
    void refusalsCarryTheSessionLayersCodes() throws Exception {
        try (HoststackApp a = HoststackApp.attach(AttachSpec.of(dir, "a"), says("a"));
             HoststackApp b = HoststackApp.attach(AttachSpec.of(dir, "b"), says("b"))) {
            String plain = a.worker(0).listen("tcp://127.0.0.1/0", false, null);
            assertThatThrownBy(() -> b.worker(0).listen(plain, true, null))
                    .isInstanceOfSatisfying(HoststackException.class, e -> assertThat(e.code()).isEqualTo("ALREADY_LISTENING"));
            assertThatThrownBy(() -> a.worker(0).listen(plain, false, null))
                    .isInstanceOfSatisfying(HoststackException.class, e -> assertThat(e.code()).isEqualTo("ALREADY_LISTENING"));
            String group = a.worker(0).listen("tcp://127.0.0.1/0", true, "roundrobin");
            assertThatThrownBy(() -> b.worker(0).listen(group, true, "hash"))
                    .isInstanceOfSatisfying(HoststackException.class, e -> assertThat(e.code()).isEqualTo("SELECTOR_MISMATCH"));
            assertThatThrownBy(() -> b.worker(0).listen("tcp://127.0.0.1/0", true, "nosuch"))
                    .isInstanceOfSatisfying(HoststackException.class, e -> assertThat(e.code()).isEqualTo("UNKNOWN_SELECTOR"));
            assertThatThrownBy(() -> b.worker(0).unlisten(group))
                    .isInstanceOfSatisfying(HoststackException.class, e -> assertThat(e.code()).isEqualTo("NOT_LISTENING"));
            assertThatThrownBy(() -> b.worker(0).listen("udp://127.0.0.1/0", false, null))
                    .isInstanceOfSatisfying(HoststackException.class, e -> assertThat(e.code()).isEqualTo("INVALID_ENDPOINT"));
            assertThatThrownBy(() -> HoststackApp.attach(AttachSpec.of(dir, "a"), says("x")))
                    .isInstanceOfSatisfying(HoststackException.class, e -> assertThat(e.code()).isEqualTo("APP_EXISTS"));
            assertThatThrownBy(() -> HoststackApp.attach(AttachSpec.of(dir, "c").inNamespace("blue", 41), says("x")))
                    .isInstanceOfSatisfying(HoststackException.class, e -> assertThat(e.code()).isEqualTo("WRONG_NAMESPACE_SECRET"));
            assertThatThrownBy(() -> HoststackApp.attach(AttachSpec.of(dir, "c").inNamespace("green", 0), says("x")))
                    .isInstanceOfSatisfying(HoststackException.class, e -> assertThat(e.code()).isEqualTo("INVALID_NAMESPACE"));
            // b joins the group with the group's selector, or with none
            b.worker(0).listen(group, true, null);
            assertThat(List.of(fetch(Http.port(group)), fetch(Http.port(group)))).containsExactly("a", "b");
        }
    }

    @Test
    void anotherNamespaceOnTheSameEndpointIsRefused() throws Exception {
        try (HoststackApp a = HoststackApp.attach(AttachSpec.of(dir, "a"), says("a"));
             HoststackApp blue = HoststackApp.attach(AttachSpec.of(dir, "blue-app").inNamespace("blue", 42), says("b"))) {
            String uri = a.worker(0).listen("tcp://127.0.0.1/0", true, null);
            assertThatThrownBy(() -> blue.worker(0).listen(uri, true, null))
                    .isInstanceOfSatisfying(HoststackException.class, e -> assertThat(e.code()).isEqualTo("ALREADY_LISTENING"));
            String own = blue.worker(0).listen("tcp://127.0.0.1/0", true, null);
            assertThat(fetch(Http.port(own))).isEqualTo("b");
        }
    }

    @Test
    void firstListenOpensTheRealSocketLastUnlistenClosesIt() throws Exception {
        try (HoststackApp a = HoststackApp.attach(AttachSpec.of(dir, "a"), says("a"));
             HoststackApp b = HoststackApp.attach(AttachSpec.of(dir, "b"), says("b"))) {
            String uri = a.worker(0).listen("tcp://127.0.0.1/0", true, null);
            b.worker(0).listen(uri, true, null);
            int port = Http.port(uri);
            a.worker(0).unlisten(uri);
            assertThat(fetch(port)).isEqualTo("b");
            assertThat(Daemons.show(dir).getAsJsonArray("listeners")).hasSize(1);
            b.worker(0).unlisten(uri);
            assertThat(Daemons.show(dir).getAsJsonArray("listeners")).isEmpty();
            assertThatThrownBy(() -> fetch(port)).isInstanceOf(ConnectException.class);
            // and a worker that goes away releases its listens too
            String again = b.worker(0).listen(uri, true, null);
            assertThat(fetch(Http.port(again))).isEqualTo("b");
        }
        assertThat(Daemons.show(dir).getAsJsonArray("listeners")).isEmpty();
        assertThat(Daemons.show(dir).getAsJsonArray("apps")).isEmpty();
    }

    @Test
    void ipv6ListenersServeIpv6() throws Exception {
        InetAddress v6;
        try {
            v6 = InetAddress.getByName("::1");
            try (java.net.ServerSocket probe = new java.net.ServerSocket(0, 1, v6)) {
                assumeTrue(probe.getInetAddress() instanceof Inet6Address);
            }
        } catch (IOException e) {
            assumeTrue(false, "no IPv6 loopback here");
            return;
        }
        try (HoststackApp a = HoststackApp.attach(AttachSpec.of(dir, "six"), says("six"))) {
            String uri = a.worker(0).listen("tcp://[::1]/0", true, null);
            assertThat(uri).startsWith("tcp://::1/");
            assertThat(fetch(v6, Http.port(uri))).isEqualTo("six");
            assertThat(remotes.poll().getAddress()).isInstanceOf(Inet6Address.class);
        }
    }

    /**
     * Every worker congested (their event loops stopped, windows full): the daemon stops
     * accepting, the kernel's backlog holds the connections, and when the workers take again every
     * connection is served; nothing is dropped.
     */
    @Test
    void allCongestedStopsAcceptingAndTheBacklogHoldsTheConnections() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        ConnectionHandler answer = saysRaw("HTTP/1.0 200 OK\r\n\r\napp=slow worker=0\n");
        ConnectionHandler blocking = (w, fd) -> {
            release.await();
            answer.accepted(w, fd);
        };
        try (HoststackApp app = HoststackApp.attach(AttachSpec.of(dir, "slow").withWindow(2), blocking)) {
            String uri = app.worker(0).listen("tcp://127.0.0.1/0", true, null);
            app.addWorker(blocking).listen(uri, true, null);
            try (Load load = new Load(20)) {
                load.start(Http.port(uri), 20, 30_000);
                var show = Daemons.show(dir);
                for (int i = 0; i < 200 && Daemons.total(show, "pauses") == 0; i++) {
                    Thread.sleep(20);
                    show = Daemons.show(dir);
                }
                assertThat(Daemons.total(show, "pauses")).isPositive();
                assertThat(Daemons.total(show, "congestion_skips")).isPositive();
                assertThat(show.getAsJsonArray("listeners").get(0).getAsJsonObject().get("paused").getAsBoolean()).isTrue();
                // each worker holds one in its stopped loop and two more in flight, no more
                assertThat(Daemons.total(show, "in_flight")).isLessThanOrEqualTo(4);
                assertThat(Daemons.total(show, "handed")).isLessThanOrEqualTo(6);
                release.countDown();
                load.await();
                assertThat(load.failed.get()).isZero();
                assertThat(load.answered.get()).isEqualTo(20);
            }
            var show = Daemons.show(dir);
            assertThat(Daemons.total(show, "dropped")).isZero();
            assertThat(Daemons.total(show, "taken")).isEqualTo(20);
            assertThat(show.getAsJsonArray("listeners").get(0).getAsJsonObject().get("paused").getAsBoolean()).isFalse();
        } finally {
            release.countDown();
        }
    }

    /**
     * An application closed while the daemon has descriptors in flight to it: the ones it had not
     * taken are served by the other member; none is lost.
     */
    @Test
    void closingAnApplicationHandsItsUntakenConnectionsToAnotherMember() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        ConnectionHandler answerSlow = saysRaw("HTTP/1.0 200 OK\r\n\r\napp=slow worker=0\n");
        ConnectionHandler blocking = (w, fd) -> {
            release.await();
            answerSlow.accepted(w, fd);
        };
        try (HoststackApp ok = HoststackApp.attach(AttachSpec.of(dir, "ok"), saysRaw("HTTP/1.0 200 OK\r\n\r\napp=ok worker=0\n"))) {
            HoststackApp slow = HoststackApp.attach(AttachSpec.of(dir, "slow").withWindow(4), blocking);
            String uri = slow.worker(0).listen("tcp://127.0.0.1/0", true, null);
            ok.worker(0).listen(uri, true, null);
            try (Load load = new Load(24)) {
                load.start(Http.port(uri), 24, 30_000);
                var show = Daemons.show(dir);
                for (int i = 0; i < 500 && Daemons.worker(show, "slow", 0).get("in_flight").getAsInt() < 4; i++) {
                    Thread.sleep(10);
                    show = Daemons.show(dir);
                }
                assertThat(Daemons.worker(show, "slow", 0).get("in_flight").getAsInt()).isEqualTo(4);
                slow.close();          // its loop is stopped: the close runs when the handler returns
                release.countDown();
                load.await();
                assertThat(load.failed.get()).isZero();
                assertThat(load.answered.get()).isEqualTo(24);
            }
            var show = Daemons.show(dir);
            JsonObject gone = Daemons.worker(show, "slow", 0);
            assertThat(gone.get("requeued_away").getAsLong()).isEqualTo(4);
            assertThat(gone.getAsJsonArray("listens")).hasSize(1);
            assertThat(Daemons.total(show, "dropped")).isZero();
            assertThat(Daemons.total(show, "in_flight")).isZero();
        } finally {
            release.countDown();
        }
    }
}
