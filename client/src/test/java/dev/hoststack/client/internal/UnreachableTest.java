package dev.hoststack.client.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hoststack.client.HoststackException;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.EpollIoHandler;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Why a daemon cannot be reached is told apart: no socket file, a stale socket nothing listens
 * on, a socket this user may not connect to (EACCES: "no daemon answers" would send a user
 * looking for a daemon that runs).
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class UnreachableTest {

    @TempDir
    Path dir;

    @Test
    void aMissingSocketAStaleOneAndAForbiddenOneAreToldApart() throws IOException {
        EventLoopGroup g = new MultiThreadIoEventLoopGroup(1, EpollIoHandler.newFactory());
        try {
            Path missing = dir.resolve("none").resolve("hoststack.sock");
            assertThatThrownBy(() -> LineConnection.connect(missing, g.next(), Duration.ofSeconds(5)))
                    .isInstanceOfSatisfying(HoststackException.class, e -> {
                        assertThat(e.code()).isEqualTo(HoststackException.UNREACHABLE);
                        assertThat(e.getMessage()).contains("does not exist").contains("hoststack daemon --control");
                    });
            Path stale = dir.resolve("hoststack.sock");
            try (ServerSocketChannel s = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
                s.bind(UnixDomainSocketAddress.of(stale));
            }
            assertThat(stale).exists();
            assertThatThrownBy(() -> LineConnection.connect(stale, g.next(), Duration.ofSeconds(5)))
                    .isInstanceOfSatisfying(HoststackException.class, e -> {
                        assertThat(e.code()).isEqualTo(HoststackException.UNREACHABLE);
                        assertThat(e.getMessage()).contains("nothing listens");
                    });
        } finally {
            g.shutdownGracefully(0, 1, TimeUnit.SECONDS);
        }
        // EACCES cannot be provoked as root (root passes every mode check): the kernel's error text, as Netty reports it
        Path forbidden = Files.createFile(dir.resolve("forbidden.sock"));
        Files.setPosixFilePermissions(forbidden, PosixFilePermissions.fromString("rw-------"));
        HoststackException e = LineConnection.unreachable(forbidden,
                new IOException("connect(..) failed: Permission denied"));
        assertThat(e.code()).isEqualTo(HoststackException.ACCESS_DENIED);
        assertThat(e.getMessage()).contains("permission denied connecting to " + forbidden).contains("mode rw-------")
                .contains("--socket-mode 0666").doesNotContain("no daemon answers");
    }
}
