package dev.hoststack.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import java.util.Arrays;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.spi.ToolProvider;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The runtime image is what docker/build-image.sh says it is, and enough for the current jar. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class RuntimeImageIT {

    @RegisterExtension
    static final HoststackContainers containers = new HoststackContainers();

    private static final Duration LIMIT = Duration.ofSeconds(60);

    /** Modules the jar needs only for {@code hoststack compare}, which the image is not for. */
    private static final Set<String> ONLY_FOR_COMPARE = Set.of("java.desktop");

    @Test
    void theImageHasEveryModuleTheJarNeeds() {
        ToolProvider jdeps = ToolProvider.findFirst("jdeps")
                .orElseThrow(() -> new IllegalStateException("no jdeps in the test JVM: run the tests on a JDK"));
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int status = jdeps.run(new PrintWriter(out), new PrintWriter(err), "--ignore-missing-deps",
                "--multi-release", "17", "--print-module-deps", RuntimeImage.hostJar().toString());
        assertThat(status).as("jdeps: " + err).isZero();
        Set<String> needed = Arrays.stream(out.toString().trim().split(",")).map(String::trim).collect(Collectors.toSet());
        // java.desktop is for `hoststack compare`'s PNG charts alone (JFreeChart draws with AWT), a command the
        // containers never run; with it the image would also need fonts and fontconfig to draw anything. That the
        // jar's other commands start without it is checked below (commandsStartWithoutJavaDesktop).
        needed.removeAll(ONLY_FOR_COMPARE);

        Exited listed = containers.run(containers.container("modules", RuntimeImage.APP, RuntimeImage.JAVA,
                "--list-modules"), LIMIT);
        assertThat(listed.exitCode()).as(listed.output()).isZero();
        Set<String> present = listed.stdout().lines().map(line -> line.split("@")[0]).collect(Collectors.toSet());

        assertThat(present)
                .as("modules of %s against jdeps of %s; add missing ones to the module list in %s",
                        containers.image(), RuntimeImage.hostJar(), RuntimeImage.BUILD_SCRIPT)
                .containsAll(needed);
    }

    /**
     * Without java.desktop the launcher still starts and every subcommand is set up (picocli loads each
     * command's class, compare's included), and the selectors the containers use are all there.
     */
    @Test
    void commandsStartWithoutJavaDesktop() {
        Exited listed = containers.run(containers.hoststack("selectors", RuntimeImage.APP, "selectors"), LIMIT);

        assertThat(listed.exitCode()).as(listed.output()).isZero();
        assertThat(listed.stdout()).as(listed.output())
                .contains("roundrobin", "hash", "p2c", "least", "weighted", "maglev", "incoming");
    }

    @Test
    void usersShellAndTmpAreThere() {
        Exited shell = containers.run(containers.container("users", RuntimeImage.APP, "sh", "-c",
                "id; stat -c '%a' /tmp; touch /tmp/x && echo tmp-writable; java -version 2>&1 | head -n 1"), LIMIT);

        assertThat(shell.exitCode()).as(shell.output()).isZero();
        assertThat(shell.stdout().lines().toList()).as(shell.output())
                .startsWith("uid=1000(app) gid=1000(app) groups=1000(app)", "1777", "tmp-writable")
                .anyMatch(line -> line.contains("version \"17"));
    }
}
