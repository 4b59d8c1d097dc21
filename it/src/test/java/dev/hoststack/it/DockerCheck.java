package dev.hoststack.it;

import static java.nio.charset.StandardCharsets.US_ASCII;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * What a container test needs before it starts, checked in well under a second, each failure
 * saying what to do: the three Testcontainers environment variables, the project's jar, a Docker
 * engine on a local Unix socket, and the runtime image. Container tests never skip: a missing piece
 * is an error.
 *
 * <p>Docker is asked directly ({@code GET /_ping}, {@code GET /images/NAME/json} over its socket,
 * each bounded by {@link #TIMEOUT_MILLIS}) rather than through Testcontainers, whose first contact
 * probes several strategies and, with an image missing, could try to pull it.
 *
 * <p>Thread-safe. A successful check is remembered per image for the life of the JVM.
 */
public final class DockerCheck {

    /** The bound on each question to Docker, connect to answer. */
    static final long TIMEOUT_MILLIS = 800;

    /**
     * Testcontainers reads these from the environment only; without them it pulls (ryuk, alpine)
     * and, with no registry reachable, each pull hangs for minutes.
     */
    static final Map<String, String> REQUIRED_ENVIRONMENT = Map.of(
            "TESTCONTAINERS_RYUK_DISABLED", "true",
            "TESTCONTAINERS_HOST_OVERRIDE", "localhost",
            "TESTCONTAINERS_CHECKS_DISABLE", "true");

    private static final Set<String> READY = ConcurrentHashMap.newKeySet();

    private DockerCheck() {}

    /**
     * Returns when everything a container test needs is there, else throws
     * {@link IllegalStateException} with what to do.
     *
     * @param image the image the test will run, e.g. {@link RuntimeImage#name()}
     */
    public static void requireReady(String image) {
        if (READY.contains(image)) {
            return;
        }
        requireEnvironment();
        requireJar();
        Path socket = dockerSocket();
        int ping;
        try {
            ping = httpStatus(socket, "/_ping");
        } catch (IOException e) {
            throw notReady("Docker does not answer on " + socket + " (" + e.getMessage() + ").\n"
                    + "Start it with docker/ensure-docker.sh (as root it installs docker.io and starts dockerd), "
                    + "or run .ci/run, which does that and builds the image.");
        }
        if (ping != 200) {
            throw notReady("Docker on " + socket + " answered /_ping with HTTP " + ping + ".");
        }
        int inspect;
        try {
            inspect = httpStatus(socket, "/images/" + image + "/json");
        } catch (IOException e) {
            throw notReady("Docker on " + socket + " did not say whether image " + image + " exists ("
                    + e.getMessage() + ").");
        }
        if (inspect == 404) {
            throw notReady("the runtime image " + image + " is missing (tests never pull).\n"
                    + "Build it with docker/build-image.sh (about 10 s; it builds only what is missing), "
                    + "or run .ci/run.");
        }
        if (inspect != 200) {
            throw notReady("Docker answered HTTP " + inspect + " when asked for image " + image + ".");
        }
        READY.add(image);
    }

    /** Whether {@link #requireReady} already succeeded for {@code image} in this JVM. */
    static boolean isReadyCached(String image) {
        return READY.contains(image);
    }

    static void requireEnvironment() {
        StringBuilder missing = new StringBuilder();
        REQUIRED_ENVIRONMENT.forEach((name, value) -> {
            if (!value.equals(System.getenv(name))) {
                missing.append(' ').append(name).append('=').append(value);
            }
        });
        if (missing.length() > 0) {
            throw notReady("the test JVM's environment lacks" + missing + ".\n"
                    + "Without them Testcontainers pulls images and, with no registry reachable, hangs for minutes. "
                    + "failsafe sets them (it/pom.xml): run ./mvnw verify, or ./mvnw -pl it -am verify; "
                    + "from an IDE, set them in the run configuration.");
        }
    }

    static void requireJar() {
        Path jar = RuntimeImage.hostJar();
        if (!Files.isRegularFile(jar)) {
            throw notReady(jar + " is missing: the tests mount it into the containers. "
                    + "Build it with ./mvnw -pl cli -am package -DskipTests (./mvnw verify builds it before module it).");
        }
    }

    /** The local socket Docker listens on: DOCKER_HOST's when it is {@code unix://}, else the default. */
    static Path dockerSocket() {
        String host = System.getenv("DOCKER_HOST");
        if (host == null || host.isBlank()) {
            return Path.of("/var/run/docker.sock");
        }
        if (host.startsWith("unix://")) {
            return Path.of(host.substring("unix://".length()));
        }
        throw notReady("DOCKER_HOST=" + host + " is not a local Unix socket. These tests bind-mount host "
                + "directories holding Unix domain sockets into containers, so the engine must run on this machine: "
                + "unset DOCKER_HOST (docker/ensure-docker.sh starts a local one).");
    }

    /** The HTTP status of {@code GET path} on the Docker socket, within {@link #TIMEOUT_MILLIS}. */
    static int httpStatus(Path socket, String path) throws IOException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(TIMEOUT_MILLIS);
        try (SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX);
                Selector selector = Selector.open()) {
            channel.connect(UnixDomainSocketAddress.of(socket));
            ByteBuffer request = ByteBuffer.wrap(("GET " + path + " HTTP/1.0\r\nHost: docker\r\n\r\n").getBytes(US_ASCII));
            while (request.hasRemaining()) {
                channel.write(request);
            }
            channel.configureBlocking(false);
            channel.register(selector, SelectionKey.OP_READ);
            ByteBuffer response = ByteBuffer.allocate(512);
            while (indexOfLineEnd(response) < 0 && response.hasRemaining()) {
                long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
                if (left <= 0) {
                    throw new IOException("no answer within " + TIMEOUT_MILLIS + " ms");
                }
                selector.select(left);
                selector.selectedKeys().clear();
                if (channel.read(response) < 0) {
                    break;
                }
            }
            int end = indexOfLineEnd(response);
            String statusLine = new String(response.array(), 0, end < 0 ? response.position() : end, US_ASCII);
            String[] parts = statusLine.split(" ", 3);
            if (parts.length < 2 || !parts[0].startsWith("HTTP/")) {
                throw new IOException("not an HTTP answer: '" + statusLine + "'");
            }
            try {
                return Integer.parseInt(parts[1]);
            } catch (NumberFormatException e) {
                throw new IOException("not an HTTP status line: '" + statusLine + "'", e);
            }
        }
    }

    private static int indexOfLineEnd(ByteBuffer buffer) {
        for (int i = 0; i < buffer.position(); i++) {
            if (buffer.get(i) == '\r' || buffer.get(i) == '\n') {
                return i;
            }
        }
        return -1;
    }

    private static IllegalStateException notReady(String what) {
        return new IllegalStateException("Container tests cannot run: " + what);
    }
}
