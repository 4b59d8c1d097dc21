package dev.hoststack.it;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.command.CreateContainerCmd;
import com.github.dockerjava.api.exception.DockerClientException;
import com.github.dockerjava.api.model.AccessMode;
import com.github.dockerjava.api.model.Bind;
import com.github.dockerjava.api.model.Container;
import com.github.dockerjava.api.model.HostConfig;
import com.github.dockerjava.api.model.Volume;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.output.OutputFrame;
import org.testcontainers.containers.startupcheck.StartupCheckStrategy;
import org.testcontainers.containers.wait.strategy.AbstractWaitStrategy;
import org.testcontainers.utility.DockerImageName;

/**
 * The container-test harness, a JUnit 5 extension: containers of the runtime image with the
 * project's jar mounted, a shared socket directory per test, and cleanup.
 *
 * <pre>{@code
 * @RegisterExtension
 * static final HoststackContainers containers = new HoststackContainers();
 *
 * @Test
 * void demo() {
 *     Exited demo = containers.run(containers.hoststack("demo", RuntimeImage.APP, "demo", "--no-kernel"),
 *             Duration.ofSeconds(60));
 * }
 * }</pre>
 *
 * <p><b>Before the class</b>: {@link DockerCheck#requireReady} (environment, jar, Docker, image),
 * failing every test of the class in well under a second when something is missing. Never skips.
 *
 * <p><b>Per test</b>: a fresh host directory of uid 1000 (the daemon's user), mode 0755 (the daemon
 * refuses a control directory of another user or that others may write; any uid can reach a socket in it),
 * mounted read-write at {@link RuntimeImage#SHARED_DIR} in every container of that test (a
 * directory, not a socket file: a restarted server makes a new inode that a file mount would not
 * see). Every container created during the test is stopped and removed when it ends, and the
 * directory deleted.
 *
 * <p><b>Containers</b> never pull ({@code withImagePullPolicy(name -> false)}), run with
 * {@code --network none} unless the caller changes the network mode, as the given uid (and the
 * same gid), named {@code hs-it-RUN-N-NAME} (for {@code docker kill} and {@code docker ps}), and
 * labelled {@value #LABEL}{@code =true} and {@value #RUN_LABEL}{@code =RUN}. Their output goes to
 * this JVM's standard output and error, each line prefixed with the container's short name. A
 * container is "started" as soon as Docker started it: readiness is the test's business (wait for
 * a socket to appear in {@link #sharedDir()}, say).
 *
 * <p><b>On exit</b>: Testcontainers (Ryuk disabled) removes this JVM's containers in a shutdown
 * hook; a killed JVM's are removed by {@code docker/ensure-docker.sh} (and so {@code .ci/run}),
 * which removes every container labelled both {@code org.testcontainers=true} and
 * {@value #LABEL}{@code =true} unless the process named by its {@value #PID_LABEL} label still
 * runs (the containers of a test run in another checkout at the same time).
 *
 * <p><b>Threading</b>: one test at a time (JUnit's default). Create containers on the test's
 * thread, inside a test; containers shared by several tests are not supported.
 */
public final class HoststackContainers implements BeforeAllCallback, BeforeEachCallback, AfterEachCallback,
        AfterAllCallback {

    /** Label on every container of the harness; {@code docker/ensure-docker.sh} removes leftovers by it. */
    public static final String LABEL = "dev.hoststack.it";
    /** Label naming the JVM run that created the container. */
    public static final String RUN_LABEL = "dev.hoststack.it.run";
    /**
     * Label holding the host pid of the JVM that created the container: {@code docker/ensure-docker.sh}
     * leaves a container alone while that process lives (another build's tests running at the same time).
     */
    public static final String PID_LABEL = "dev.hoststack.it.pid";

    private static final String RUN = UUID.randomUUID().toString().substring(0, 8);
    private static final AtomicInteger SEQUENCE = new AtomicInteger();

    private final String image;
    private final List<GenericContainer<?>> created = new ArrayList<>();
    private Path sharedDir;

    /** The harness for the current recipe's image ({@link RuntimeImage#name()}). */
    public HoststackContainers() {
        this(RuntimeImage.name());
    }

    /** The harness for another image; for the harness's own tests. */
    HoststackContainers(String image) {
        this.image = image;
    }

    /** The image every container of this harness runs. */
    public String image() {
        return image;
    }

    /** This JVM's run id, the value of {@value #RUN_LABEL} on its containers. */
    public static String run() {
        return RUN;
    }

    /** The current test's shared directory on the host (mounted at {@link RuntimeImage#SHARED_DIR}). */
    public Path sharedDir() {
        if (sharedDir == null) {
            throw new IllegalStateException("no test is running: the shared directory exists only during a test");
        }
        return sharedDir;
    }

    /**
     * Gives the current test's shared directory to {@code uid} (mode 0755 still): for a daemon
     * that runs as another user than 1000, which refuses a control directory it does not own.
     */
    public void ownSharedDir(int uid) {
        Path dir = sharedDir();
        try {
            Files.setAttribute(dir, "unix:gid", uid);
            Files.setAttribute(dir, "unix:uid", uid);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException("cannot give " + dir + " to uid " + uid + " (this JVM runs as root in CI)", e);
        }
    }

    /**
     * A container running {@code command} as {@code uid}, with the jar and the shared directory
     * mounted and no network; not started. Start it with {@link GenericContainer#start()} or
     * {@link #run}.
     */
    public GenericContainer<?> container(String name, int uid, String... command) {
        return container(name, uid, Map.of(), command);
    }

    /**
     * A container running the hoststack command, {@code java -jar /app/hoststack.jar args...}, as
     * {@code uid}; not started.
     */
    public GenericContainer<?> hoststack(String name, int uid, String... args) {
        return container(name, uid, Map.of(), concat(List.of(RuntimeImage.JAVA, "-jar", RuntimeImage.JAR), args));
    }

    /**
     * A container running a probe: {@code main}'s class from this module's test classes, with the
     * given host jars on its class path as well; not started.
     */
    public GenericContainer<?> probe(String name, int uid, Class<?> main, List<Path> jars, String... args) {
        Map<Path, String> mounts = new LinkedHashMap<>();
        mounts.put(codeSourceOf(main), RuntimeImage.PROBE_CLASSES);
        List<String> classPath = new ArrayList<>(List.of(RuntimeImage.PROBE_CLASSES));
        for (Path jar : jars) {
            String inside = RuntimeImage.PROBE_LIB + "/" + jar.getFileName();
            mounts.put(jar, inside);
            classPath.add(inside);
        }
        List<String> command = List.of(RuntimeImage.JAVA, "-cp", String.join(":", classPath), main.getName());
        return container(name, uid, mounts, concat(command, args));
    }

    private GenericContainer<?> container(String name, int uid, Map<Path, String> readOnlyMounts, String... command) {
        Path shared = sharedDir();
        String dockerName = "hs-it-" + RUN + "-" + SEQUENCE.incrementAndGet() + "-" + name;
        List<Bind> binds = new ArrayList<>();
        binds.add(new Bind(RuntimeImage.hostJar().toString(), new Volume(RuntimeImage.JAR), AccessMode.ro));
        binds.add(new Bind(shared.toString(), new Volume(RuntimeImage.SHARED_DIR), AccessMode.rw));
        readOnlyMounts.forEach((host, inside) -> binds.add(new Bind(host.toString(), new Volume(inside), AccessMode.ro)));
        GenericContainer<?> container = new GenericContainer<>(DockerImageName.parse(image))
                .withImagePullPolicy(imageName -> false)
                .withNetworkMode("none")
                .withLabel(LABEL, "true")
                .withLabel(RUN_LABEL, RUN)
                .withLabel(PID_LABEL, Long.toString(ProcessHandle.current().pid()))
                .withCommand(command)
                .withStartupCheckStrategy(new StartedByDocker())
                .waitingFor(new NoWait())
                .withLogConsumer(frame -> echo(name, frame))
                .withCreateContainerCmdModifier(cmd -> configure(cmd, dockerName, uid, binds));
        created.add(container);
        return container;
    }

    private static void configure(CreateContainerCmd cmd, String dockerName, int uid, List<Bind> binds) {
        cmd.withName(dockerName);
        cmd.withUser(uid + ":" + uid);
        HostConfig hostConfig = cmd.getHostConfig();
        if (hostConfig == null) {
            hostConfig = HostConfig.newHostConfig();
            cmd.withHostConfig(hostConfig);
        }
        List<Bind> all = new ArrayList<>();
        if (hostConfig.getBinds() != null) {
            all.addAll(Arrays.asList(hostConfig.getBinds()));
        }
        all.addAll(binds);
        hostConfig.withBinds(all);
    }

    /**
     * Starts the container and waits for it to exit, at most {@code timeout}.
     *
     * @return its exit code and output
     * @throws AssertionError when it is still running after {@code timeout} (with its output so far)
     */
    public Exited run(GenericContainer<?> container, Duration timeout) {
        container.start();
        Integer code;
        try {
            code = container.getDockerClient()
                    .waitContainerCmd(container.getContainerId())
                    .start()
                    .awaitStatusCode(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (DockerClientException e) {
            throw new AssertionError("container " + container.getContainerName() + " still ran after " + timeout
                    + "; its output so far:\n" + container.getLogs(), e);
        }
        return new Exited(code,
                container.getLogs(OutputFrame.OutputType.STDOUT),
                container.getLogs(OutputFrame.OutputType.STDERR));
    }

    /** Stops and removes every container created during the current test. */
    public void removeAll() {
        RuntimeException failure = null;
        for (GenericContainer<?> container : created) {
            try {
                container.stop();
            } catch (RuntimeException e) {
                if (failure == null) {
                    failure = e;
                } else {
                    failure.addSuppressed(e);
                }
            }
        }
        created.clear();
        if (failure != null) {
            throw failure;
        }
    }

    /** The containers of this JVM's run that Docker still has, running or not. */
    public static List<Container> remaining() {
        return DockerClientFactory.instance().client().listContainersCmd()
                .withShowAll(true)
                .withLabelFilter(Map.of(LABEL, "true", RUN_LABEL, RUN))
                .exec();
    }

    @Override
    public void beforeAll(ExtensionContext context) {
        DockerCheck.requireReady(image);
    }

    @Override
    public void beforeEach(ExtensionContext context) throws IOException {
        DockerCheck.requireReady(image);
        sharedDir = Files.createTempDirectory("hoststack-it-");
        // the daemon's (uid 1000's) own directory, which no one else may write: the daemon refuses any other as its
        // control directory; other uids reach its socket through the search bit
        Files.setAttribute(sharedDir, "unix:gid", RuntimeImage.APP);
        Files.setAttribute(sharedDir, "unix:uid", RuntimeImage.APP);
        Files.setPosixFilePermissions(sharedDir, PosixFilePermissions.fromString("rwxr-xr-x"));
    }

    @Override
    public void afterEach(ExtensionContext context) {
        try {
            removeAll();
        } finally {
            deleteShared();
        }
    }

    @Override
    public void afterAll(ExtensionContext context) {
        // Nothing should be left; if a stop failed, remove what remains now rather than at JVM exit.
        if (!DockerCheck.isReadyCached(image)) {
            return;
        }
        for (Container left : remaining()) {
            DockerClientFactory.instance().client().removeContainerCmd(left.getId()).withForce(true).exec();
        }
    }

    private void deleteShared() {
        Path dir = sharedDir;
        sharedDir = null;
        if (dir == null) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path path : paths.sorted(Comparator.reverseOrder()).collect(Collectors.toList())) {
                Files.deleteIfExists(path);
            }
        } catch (IOException e) {
            System.err.println("hoststack-it: could not delete " + dir + ": " + e);
        }
    }

    private static void echo(String name, OutputFrame frame) {
        String text = frame.getUtf8StringWithoutLineEnding();
        if (frame.getType() == OutputFrame.OutputType.END || text.isEmpty()) {
            return;
        }
        PrintStream out = frame.getType() == OutputFrame.OutputType.STDERR ? System.err : System.out;
        out.println("[" + name + "] " + text);
    }

    /** Where a class was loaded from, a jar or a classes directory: for {@link #probe}'s jars. */
    public static Path codeSourceOf(Class<?> type) {
        try {
            return Path.of(type.getProtectionDomain().getCodeSource().getLocation().toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String[] concat(List<String> head, String... tail) {
        List<String> all = new ArrayList<>(head);
        all.addAll(Arrays.asList(tail));
        return all.toArray(String[]::new);
    }

    /** Started is enough: whether a process is ready, or exited as it should, is for the test to check. */
    private static final class StartedByDocker extends StartupCheckStrategy {
        @Override
        public StartupStatus checkStartupState(DockerClient dockerClient, String containerId) {
            return StartupStatus.SUCCESSFUL;
        }
    }

    /** No waiting: there are no ports to probe with {@code --network none}. */
    private static final class NoWait extends AbstractWaitStrategy {
        @Override
        protected void waitUntilReady() {
            // readiness is the test's business
        }
    }
}
