package dev.hoststack.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import dev.hoststack.daemon.Daemon;
import dev.hoststack.daemon.DaemonConfig;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.epoll.EpollSocketChannel;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Reconnect with backoff: the policy's delays, an application reattaching to a restarted daemon
 * with the same workers and listens, giving up after the last attempt, and the behaviour without
 * a policy (the worker ends at once), in one JVM; then worker processes reattaching to a daemon
 * process that was killed with SIGKILL and started again.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ReconnectTest {

    @TempDir
    Path dir;

    /** The library's log, captured: every reconnect attempt must be in it. */
    private final ConcurrentLinkedQueue<String> log = new ConcurrentLinkedQueue<>();
    private final Logger julLogger = Logger.getLogger("dev.hoststack.client");
    private final Handler capture = new Handler() {
        @Override
        public void publish(LogRecord r) {
            log.add(r.getLevel() + " " + r.getMessage());
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
        }
    };
    private final List<Daemon> daemons = new ArrayList<>();

    @BeforeEach
    void captureLog() {
        julLogger.addHandler(capture);
    }

    @AfterEach
    void stop() {
        julLogger.removeHandler(capture);
        daemons.forEach(Daemon::close);
    }

    private Daemon startDaemon() throws IOException {
        Daemon d = Daemon.start(DaemonConfig.builder(dir).dispatch(DaemonConfig.Dispatch.HANDOFF).build(),
                new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
        daemons.add(d);
        return d;
    }

    @Test
    void delaysGrowExponentiallyToTheCapLessAtMostTheJitter() {
        Reconnect r = new Reconnect(10, Duration.ofMillis(100), Duration.ofMillis(1000), 2, 0.25);
        assertThat(r.delay(1, 0)).isEqualTo(Duration.ofMillis(100));
        assertThat(r.delay(2, 0)).isEqualTo(Duration.ofMillis(200));
        assertThat(r.delay(4, 0)).isEqualTo(Duration.ofMillis(800));
        assertThat(r.delay(5, 0)).as("capped at maxDelay").isEqualTo(Duration.ofMillis(1000));
        assertThat(r.delay(10, 0)).isEqualTo(Duration.ofMillis(1000));
        assertThat(r.delay(1, 0.999_999)).as("at most a quarter off").isGreaterThan(Duration.ofMillis(75));
        assertThat(r.delay(10, 0.5)).isEqualTo(Duration.ofMillis(875));
        assertThat(r.delay(1_000_000, 0.5)).as("no overflow far out").isEqualTo(Duration.ofMillis(875));

        Reconnect d = Reconnect.backoff();
        long worst = 0;
        for (int a = 1; a <= d.maxAttempts(); a++) {
            worst += d.delay(a, 0).toMillis();
        }
        assertThat(worst).as("the default's worst case, every attempt failing, in ms").isBetween(100_000L, 130_000L);
        assertThat(Reconnect.NEVER.enabled()).isFalse();
        assertThat(AttachSpec.of(dir, "x").reconnect()).isEqualTo(Reconnect.NEVER);
    }

    @Test
    void invalidPoliciesAreRefusedSayingWhy() {
        assertThatThrownBy(() -> new Reconnect(-1, Duration.ZERO, Duration.ZERO, 1, 0)).hasMessageContaining("negative");
        assertThatThrownBy(() -> Reconnect.backoff().withDelays(Duration.ofSeconds(2), Duration.ofSeconds(1)))
                .hasMessageContaining("initialDelay");
        assertThatThrownBy(() -> Reconnect.backoff().withJitter(1.5)).hasMessageContaining("jitter 1.5");
        assertThatThrownBy(() -> new Reconnect(1, Duration.ZERO, Duration.ZERO, 0.5, 0)).hasMessageContaining("multiplier");
        assertThatThrownBy(() -> Reconnect.backoff().delay(0, 0)).hasMessageContaining("from 1");
    }

    @Test
    void anApplicationReattachesToARestartedDaemonWithTheSameWorkersAndListens() throws Exception {
        Daemon first = startDaemon();
        Reconnect quick = Reconnect.backoff().withDelays(Duration.ofMillis(50), Duration.ofMillis(400));
        try (HoststackApp app = HoststackApp.attach(AttachSpec.of(dir, "web").withReconnect(quick), says("w0"))) {
            AppWorker w0 = app.worker(0);
            AppWorker w1 = app.addWorker(says("w1"));
            String uri = w0.listen("tcp://127.0.0.1/0", true, "roundrobin");
            w1.listen(uri, true, "roundrobin");
            int port = Http.port(uri);
            assertThat(List.of(fetch(port), fetch(port))).containsExactlyInAnyOrder("w0", "w1");

            first.close();
            assertThatThrownBy(() -> fetch(port)).as("no daemon, no listening socket: refused")
                    .isInstanceOf(ConnectException.class);
            await(() -> log.stream().anyMatch(l -> l.contains("reconnect attempt 2 of 30")), "a second attempt");
            assertThat(app.reconnecting()).isTrue();

            Daemon second = startDaemon();
            await(() -> app.reattachments() == 1, "the application reattached");

            assertThat(app.worker(0)).as("the same worker objects").isSameAs(w0);
            assertThat(app.worker(1)).isSameAs(w1);
            assertThat(w0.listens()).containsExactly(uri);
            assertThat(w1.listens()).containsExactly(uri);
            assertThat(w0.closeFuture()).isNotDone();
            assertThat(app.reconnecting()).isFalse();
            List<String> after = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                after.add(fetch(port));
            }
            assertThat(after).as("served again on the same port, by both workers in turn")
                    .containsExactlyInAnyOrder("w0", "w1", "w0", "w1");

            JsonObject show = second.show();
            JsonObject web = show.getAsJsonArray("apps").get(0).getAsJsonObject();
            assertThat(web.get("name").getAsString()).isEqualTo("web");
            assertThat(web.getAsJsonArray("workers")).hasSize(2);
            for (JsonElement w : web.getAsJsonArray("workers")) {
                assertThat(w.getAsJsonObject().getAsJsonArray("listens").get(0).getAsString()).isEqualTo(uri);
            }
            assertThat(log).as("each attempt is logged, and the outcome")
                    .anyMatch(l -> l.startsWith("WARNING app 'web' lost the daemon"))
                    .anyMatch(l -> l.startsWith("INFO app 'web': reconnect attempt 1 of 30 in "))
                    .anyMatch(l -> l.startsWith("WARNING app 'web': reconnect attempt 1 of 30 failed: UNREACHABLE"))
                    .anyMatch(l -> l.startsWith("INFO app 'web' reattached on attempt "));
        }
    }

    @Test
    void afterTheLastAttemptTheApplicationGivesUpAndItsWorkersEnd() throws Exception {
        Daemon only = startDaemon();
        Reconnect three = new Reconnect(3, Duration.ofMillis(20), Duration.ofMillis(40), 2, 0.5);
        try (HoststackApp app = HoststackApp.attach(AttachSpec.of(dir, "web").withReconnect(three), says("w0"))) {
            app.worker(0).listen("tcp://127.0.0.1/0", true, null);
            only.close();
            String why = app.worker(0).closeFuture().get(10, TimeUnit.SECONDS);
            assertThat(why).contains("the daemon did not come back: 3 reconnect attempts failed");
            assertThat(log.stream().filter(l -> l.contains(": reconnect attempt") && l.contains("failed"))).hasSize(3);
            assertThat(log).anyMatch(l -> l.startsWith("SEVERE app 'web': the daemon did not come back"));
            assertThat(app.reattachments()).isZero();
        }
    }

    @Test
    void withoutAPolicyALostDaemonEndsTheWorkersAtOnce() throws Exception {
        Daemon only = startDaemon();
        try (HoststackApp app = HoststackApp.attach(AttachSpec.of(dir, "web"), says("w0"))) {
            only.close();
            assertThat(app.worker(0).closeFuture().get(10, TimeUnit.SECONDS)).contains("connection closed");
            assertThat(log).as("no reconnect without a policy").noneMatch(l -> l.contains("reconnect"));
        }
    }

    @Test
    void closingTheApplicationStopsItsReconnect() throws Exception {
        Daemon first = startDaemon();
        HoststackApp app = HoststackApp.attach(AttachSpec.of(dir, "web")
                .withReconnect(Reconnect.backoff().withDelays(Duration.ofMillis(50), Duration.ofMillis(100))), says("w0"));
        app.worker(0).listen("tcp://127.0.0.1/0", true, null);
        first.close();
        await(app::reconnecting, "reconnecting");
        app.close();
        Daemon second = startDaemon();
        Thread.sleep(400); // four delays: an attempt that was not stopped would have attached by now
        assertThat(second.show().getAsJsonArray("apps")).as("a closed application does not come back").isEmpty();
        assertThat(app.reattachments()).isZero();
    }

    /**
     * Two worker processes with {@code --reconnect} and a daemon process killed with SIGKILL (its
     * socket file left behind), then started again on the same directory: both reattach, print
     * their {@code reattached} line, and serve the same port again.
     */
    @Test
    void workerProcessesReattachToADaemonProcessStartedAgainAfterSigkill() throws Exception {
        try (Proc daemon = Proc.daemon(dir);
             Proc app1 = Proc.worker(dir, "app1", 1, "tcp://127.0.0.1/0", "--selector", "roundrobin", "--reconnect",
                     "--reconnect-max-delay", "300");
             Proc app2 = Proc.worker(dir, "app2", 2, app1.readyUri(), "--selector", "roundrobin", "--reconnect",
                     "--reconnect-max-delay", "300")) {
            int port = Http.port(app1.readyUri());
            assertThat(Http.get(port, 10_000)).isNotNull();
            daemon.kill9();
            assertThat(Http.get(port, 2_000)).as("nothing listens while the daemon is down").isNull();
            try (Proc again = Proc.daemon(dir)) {
                app1.await(l -> l.startsWith("reattached app=app1"), Duration.ofSeconds(30));
                app2.await(l -> l.startsWith("reattached app=app2"), Duration.ofSeconds(30));
                List<String> labels = new ArrayList<>();
                for (int i = 0; i < 6; i++) {
                    labels.add(Http.label(Http.get(port, 10_000)));
                }
                List<String> apps = labels.stream().map(l -> l.substring(0, l.indexOf('-'))).toList();
                assertThat(apps).as("round robin over both applications again: " + labels)
                        .isIn(List.of("app1", "app2", "app1", "app2", "app1", "app2"),
                                List.of("app2", "app1", "app2", "app1", "app2", "app1"));
                assertThat(labels).as("and app2's two workers in turn").contains("app2-w0", "app2-w1");
                assertThat(app1.output()).contains("reconnect attempt 1 of 30");
                assertThat(app1.process().isAlive() && app2.process().isAlive() && again.process().isAlive()).isTrue();
            }
        }
    }

    private static void await(BooleanSupplier condition, String what) throws InterruptedException {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > end) {
                throw new AssertionError("not within 30 s: " + what);
            }
            Thread.sleep(10);
        }
    }

    /** Answers "NAME\n" and shuts its output (also used by {@link WeightTest}). */
    static ConnectionHandler says(String name) {
        return ConnectionHandler.channels(new ChannelInitializer<Channel>() {
            @Override
            protected void initChannel(Channel ch) {
                ch.pipeline().addLast(new ChannelInboundHandlerAdapter() {
                    @Override
                    public void channelActive(ChannelHandlerContext ctx) {
                        ctx.writeAndFlush(Unpooled.copiedBuffer(name + "\n", StandardCharsets.US_ASCII))
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

    private static String fetch(int port) throws IOException {
        try (Socket s = new Socket()) {
            s.setSoTimeout(10_000);
            s.connect(new InetSocketAddress("127.0.0.1", port), 10_000);
            s.shutdownOutput();
            String text = new String(s.getInputStream().readAllBytes(), StandardCharsets.US_ASCII).trim();
            s.setSoLinger(true, 0);
            return text;
        }
    }
}
