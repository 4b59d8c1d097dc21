package dev.hoststack.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.testcontainers.containers.GenericContainer;

/**
 * Issue 15: the daemon's container with {@code --dispatch kernel} but without what the kernel
 * needs for it (docs/deployment.md, "Kernel dispatch in containers"). Each daemon refuses to start
 * (exit status 1) and its one line says what to change: the capabilities for a root container
 * without them; running as root for a container of another user, which Docker's {@code --cap-add}
 * does not reach. The working arrangement (root with the capabilities) is the kernel run of
 * {@link SeedOrderContainersIT} and {@link KillMidStreamIT}.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class KernelDispatchPrivilegeIT {

    @RegisterExtension
    static final HoststackContainers containers = new HoststackContainers();

    /** uid 1000 with {@code --cap-add SYS_ADMIN --cap-add NET_ADMIN}: the capabilities never reach its process. */
    @Test
    void aDaemonContainerOfAnotherUserGetsNoCapabilitiesAndIsToldToRunAsRoot() {
        GenericContainer<?> c = containers.hoststack("daemon", RuntimeImage.APP, "daemon", "--control", Deployment.CONTROL,
                "--dispatch", "kernel").withNetworkMode("host");
        Exited e = containers.run(Deployment.withKernelCapabilities(c), Duration.ofSeconds(60));
        System.out.println("uid 1000 with the capabilities: " + e.output().strip());
        assertThat(e.exitCode()).as(e.output()).isEqualTo(1);
        assertThat(e.output()).contains("--dispatch kernel: the kernel cannot run reuseport programs for this daemon"
                        + " (NOT_PERMITTED)")
                .contains("effective uid 1000 (CAP_BPF no, CAP_NET_ADMIN no, CAP_SYS_ADMIN no)")
                .contains("they are in its bounding set")
                .contains("run the daemon's container as root (-u 0)")
                .doesNotContain("ready ");
    }

    /** root without added capabilities: told which two to add. */
    @Test
    void aRootDaemonContainerWithoutTheCapabilitiesIsToldWhichToAdd() {
        containers.ownSharedDir(RuntimeImage.ROOT);
        GenericContainer<?> c = containers.hoststack("daemon", RuntimeImage.ROOT, "daemon", "--control", Deployment.CONTROL,
                "--dispatch", "kernel").withNetworkMode("host");
        Exited e = containers.run(c, Duration.ofSeconds(60));
        System.out.println("root without capabilities: " + e.output().strip());
        assertThat(e.exitCode()).as(e.output()).isEqualTo(1);
        assertThat(e.output()).contains("(NOT_PERMITTED)").contains("effective uid 0 ")
                .contains("This process is root but lacks those capabilities")
                .contains("--cap-add SYS_ADMIN --cap-add NET_ADMIN")
                .doesNotContain("ready ");
    }
}
