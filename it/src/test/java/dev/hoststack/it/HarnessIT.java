package dev.hoststack.it;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import dev.hoststack.it.probe.EpollProbe;
import dev.hoststack.it.probe.UdsClient;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.unix.FileDescriptor;
import io.netty.resolver.AddressResolver;
import io.netty.util.internal.PlatformDependent;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.net.JarURLConnection;
import java.net.StandardProtocolFamily;
import java.net.URISyntaxException;
import java.net.URL;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.testcontainers.containers.GenericContainer;

/**
 * The harness end to end, without the daemon: the hoststack command in a container, a Unix domain
 * socket between a container and this JVM through the shared directory, Netty's epoll transport in
 * the image, and cleanup. Every container runs with {@code --network none} and a non-root uid.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class HarnessIT {

    @RegisterExtension
    static final HoststackContainers containers = new HoststackContainers();

    private static final Duration LIMIT = Duration.ofSeconds(60);

    @Test
    void theDemoRunsInAContainerAsANonRootUserWithoutNetwork() {
        Exited demo = containers.run(
                containers.hoststack("demo", RuntimeImage.APP, "demo", "--connections", "60", "--no-kernel"), LIMIT);

        assertThat(demo.exitCode()).as(demo.output()).isZero();
        assertThat(demo.stdout()).as(demo.output())
                .contains("the design note's sequence:")
                .contains("(same)")
                .contains("accepted by the apps: 60 of 60");
    }

    @Test
    void containersHaveOnlyLoopbackAndTheGivenUid() {
        Exited shell = containers.run(containers.container("whoami", RuntimeImage.NOBODY,
                "sh", "-c", "ls /sys/class/net; id; ls -ld " + RuntimeImage.SHARED_DIR + " " + RuntimeImage.JAR), LIMIT);

        assertThat(shell.exitCode()).as(shell.output()).isZero();
        List<String> lines = shell.stdout().lines().toList();
        assertThat(lines.get(0)).as("network interfaces: --network none leaves loopback only").isEqualTo("lo");
        assertThat(lines.get(1)).startsWith("uid=65534(nobody) gid=65534(nogroup)");
        assertThat(shell.stdout()).contains("drwxr-xr-x").contains(RuntimeImage.JAR);
    }

    @Test
    void aContainerTalksToThisJvmOverAUnixSocketInTheSharedDirectory() throws Exception {
        Path socket = containers.sharedDir().resolve("echo.sock");
        try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            server.bind(UnixDomainSocketAddress.of(socket));
            // connecting needs write permission on the socket file: the client runs as another uid
            Files.setPosixFilePermissions(socket, PosixFilePermissions.fromString("rw-rw-rw-"));
            CompletableFuture<String> received = CompletableFuture.supplyAsync(() -> echoOnce(server));

            Exited client = containers.run(containers.probe("uds-client", RuntimeImage.NOBODY, UdsClient.class,
                    List.of(), RuntimeImage.SHARED_DIR + "/echo.sock"), LIMIT);

            assertThat(client.exitCode()).as(client.output()).isZero();
            assertThat(received.get(10, TimeUnit.SECONDS)).isEqualTo("hello from uid 65534");
            assertThat(client.stdout()).as(client.output()).contains("reply: ack hello from uid 65534");
        }
    }

    @Test
    void nettysEpollTransportLoadsInTheImage() throws Exception {
        List<Path> jars = new ArrayList<>();
        for (Class<?> type : List.of(PlatformDependent.class, ByteBuf.class, Channel.class, AddressResolver.class,
                FileDescriptor.class, Epoll.class)) {
            jars.add(HoststackContainers.codeSourceOf(type));
        }
        jars.add(jarHolding("META-INF/native/libnetty_transport_native_epoll_x86_64.so"));

        Exited probe = containers.run(
                containers.probe("epoll", RuntimeImage.APP, EpollProbe.class, jars), LIMIT);

        assertThat(probe.exitCode()).as(probe.output()).isZero();
        assertThat(probe.stdout()).as(probe.output()).contains("epoll: available").contains("unsafe: true");
    }

    @Test
    void removeAllLeavesNoContainerOfThisRun() {
        GenericContainer<?> sleeper = containers.container("sleeper", RuntimeImage.NOBODY, "sleep", "600");
        sleeper.start();
        assertThat(HoststackContainers.remaining()).extracting(c -> c.getId()).contains(sleeper.getContainerId());

        containers.removeAll();

        assertThat(HoststackContainers.remaining()).isEmpty();
    }

    /** Accepts one connection, reads a line, answers {@code ack LINE}, returns the line. */
    private static String echoOnce(ServerSocketChannel server) {
        try (SocketChannel peer = server.accept()) {
            BufferedReader in = new BufferedReader(new InputStreamReader(Channels.newInputStream(peer), UTF_8));
            String line = in.readLine();
            Writer out = Channels.newWriter(peer, UTF_8);
            out.write("ack " + line + "\n");
            out.flush();
            return line;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Path jarHolding(String resource) throws IOException, URISyntaxException {
        URL url = HarnessIT.class.getClassLoader().getResource(resource);
        assertThat(url).as(resource + " on the test class path").isNotNull();
        return Path.of(((JarURLConnection) url.openConnection()).getJarFileURL().toURI());
    }
}
