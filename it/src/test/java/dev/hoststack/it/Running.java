package dev.hoststack.it;

import com.github.dockerjava.api.DockerClient;
import java.time.Duration;
import java.util.function.Predicate;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.containers.GenericContainer;

/**
 * A started hoststack process in its container: its output, the line it announced itself with, and
 * {@code docker kill}. The harness removes the container when the test ends.
 */
final class Running {

    private final String name;
    private final GenericContainer<?> container;
    private final Output output;
    private String announced;

    Running(String name, GenericContainer<?> container, Output output) {
        this.name = name;
        this.container = container;
        this.output = output;
    }

    /** Its short name in the test. */
    String name() {
        return name;
    }

    /** The container. */
    GenericContainer<?> container() {
        return container;
    }

    /** Its output so far. */
    Output output() {
        return output;
    }

    /** Waits for a line from the start of its output on, at most {@code timeout}; fails at once if it ended. */
    String await(Predicate<String> p, Duration timeout) throws InterruptedException {
        return await(0, p, timeout);
    }

    /** Waits for a line from line {@code from} ({@link Output#mark()}) on. */
    String await(int from, Predicate<String> p, Duration timeout) throws InterruptedException {
        return output.await(from, p, timeout, this::running);
    }

    void announced(String line) {
        this.announced = line;
    }

    /** The {@code ready ...} (or {@code error ...}) line it printed when it started. */
    String announced() {
        return announced;
    }

    /** The {@code uri=} of its ready line. */
    String uri() {
        if (announced == null || !announced.startsWith("ready ")) {
            throw new AssertionError(name + " is not ready: " + announced + "\n" + output.text());
        }
        return field(announced, "uri");
    }

    /** The port of its ready line's URI. */
    int port() {
        String uri = uri();
        return Integer.parseInt(uri.substring(uri.lastIndexOf('/') + 1));
    }

    /** Whether Docker says it is running. */
    boolean running() {
        return Boolean.TRUE.equals(docker().inspectContainerCmd(container.getContainerId()).exec().getState().getRunning());
    }

    /** {@code docker kill} (SIGKILL to its process, pid 1 in the container), returning once Docker says it stopped. */
    void kill() throws InterruptedException {
        docker().killContainerCmd(container.getContainerId()).exec();
        long end = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (running()) {
            if (System.nanoTime() > end) {
                throw new AssertionError(name + " still runs 10 s after docker kill");
            }
            Thread.sleep(20);
        }
    }

    /**
     * {@code docker pause}: freezes every process of the container (the cgroup freezer); it reads and
     * writes nothing until {@link #unpause}, while its sockets stay open and the kernel keeps
     * queueing onto them. Returns once Docker says it is frozen.
     */
    void pause() {
        docker().pauseContainerCmd(container.getContainerId()).exec();
    }

    /** {@code docker unpause}: its processes go on where they were frozen. */
    void unpause() {
        docker().unpauseContainerCmd(container.getContainerId()).exec();
    }

    /** {@code docker stop}: SIGTERM, then SIGKILL after {@code seconds}; returns once it stopped. */
    void stop(int seconds) {
        docker().stopContainerCmd(container.getContainerId()).withTimeout(seconds).exec();
    }

    /** Its exit code, once it stopped. */
    long exitCode() {
        Long code = docker().inspectContainerCmd(container.getContainerId()).exec().getState().getExitCodeLong();
        return code == null ? -1 : code;
    }

    /** The value of {@code key=} in a line of words. */
    static String field(String line, String key) {
        for (String part : line.split(" ")) {
            if (part.startsWith(key + "=")) {
                return part.substring(key.length() + 1);
            }
        }
        throw new AssertionError("no " + key + "= in: " + line);
    }

    private static DockerClient docker() {
        return DockerClientFactory.instance().client();
    }

    @Override
    public String toString() {
        return name;
    }
}
