package dev.hoststack.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;
import static org.junit.platform.testkit.engine.EventConditions.event;
import static org.junit.platform.testkit.engine.EventConditions.finishedWithFailure;
import static org.junit.platform.testkit.engine.EventConditions.container;
import static org.junit.platform.testkit.engine.TestExecutionResultConditions.instanceOf;
import static org.junit.platform.testkit.engine.TestExecutionResultConditions.message;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.platform.testkit.engine.EngineTestKit;
import org.junit.platform.testkit.engine.EngineExecutionResults;

/**
 * What is missing fails fast, saying what to do, and a container test is never skipped.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class DockerCheckIT {

    private static final String MISSING = "hoststack/runtime:no-such-tag";

    @Test
    void aMissingImageFailsWithinASecondSayingHowToBuildIt() {
        long start = System.nanoTime();

        assertThatThrownBy(() -> DockerCheck.requireReady(MISSING))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining(MISSING + " is missing")
                .hasMessageContaining("docker/build-image.sh");

        assertThat(Millis.since(start)).isLessThan(1_000);
    }

    @Test
    void aTestClassWithoutItsImageFailsAndIsNotSkipped() {
        long start = System.nanoTime();

        EngineExecutionResults results = EngineTestKit.engine("junit-jupiter")
                .selectors(selectClass(NeedsMissingImage.class))
                .execute();

        // The class fails before its first test (an error in failsafe's report), and nothing is skipped or aborted.
        results.containerEvents().assertThatEvents().haveExactly(1, event(container(NeedsMissingImage.class),
                finishedWithFailure(instanceOf(IllegalStateException.class),
                        message(m -> m.contains("docker/build-image.sh")))));
        results.allEvents().assertStatistics(stats -> stats.skipped(0).aborted(0).failed(1));
        assertThat(Millis.since(start)).isLessThan(1_000);
    }

    @Test
    void aDockerSocketWithNoListenerFailsAtOnce(@TempDir Path dir) {
        Path socket = dir.resolve("docker.sock");
        long start = System.nanoTime();

        assertThatThrownBy(() -> DockerCheck.httpStatus(socket, "/_ping")).isInstanceOf(IOException.class);

        // at once: well before the answer timeout it would otherwise wait for (100 ms was too tight for a loaded machine)
        assertThat(Millis.since(start)).as("ms to fail with no listener, against the %s ms answer timeout",
                DockerCheck.TIMEOUT_MILLIS).isLessThan(DockerCheck.TIMEOUT_MILLIS / 2);
    }

    @Test
    void aDockerSocketThatNeverAnswersFailsWithinTheBound(@TempDir Path dir) throws IOException {
        Path socket = dir.resolve("docker.sock");
        try (ServerSocketChannel silent = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            silent.bind(UnixDomainSocketAddress.of(socket)); // accepts into the backlog, never answers
            long start = System.nanoTime();

            assertThatThrownBy(() -> DockerCheck.httpStatus(socket, "/_ping"))
                    .isInstanceOf(IOException.class)
                    .hasMessageContaining("no answer within");

            assertThat(Millis.since(start)).isBetween(DockerCheck.TIMEOUT_MILLIS, 1_000L);
        }
        assertThat(Files.exists(socket)).isTrue();
    }

    /** Run only through the engine test kit above (failsafe skips nested classes). */
    static class NeedsMissingImage {

        @RegisterExtension
        static final HoststackContainers containers = new HoststackContainers(MISSING);

        @Test
        void needsTheImage() {
            containers.container("never", RuntimeImage.APP, "true").start();
        }
    }

    /** Milliseconds since a {@link System#nanoTime()} reading. */
    private static final class Millis {
        static long since(long startNanos) {
            return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNanos);
        }
    }
}
