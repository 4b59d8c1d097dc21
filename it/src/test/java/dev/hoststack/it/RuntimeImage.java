package dev.hoststack.it;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * The local runtime image that {@code docker/build-image.sh} builds, and the layout inside it.
 *
 * <p>The image holds a jlink JDK 17 at {@code /opt/java} (on the {@code PATH}), a static busybox,
 * users root (0), app (1000) and nobody (65534), and a 1777 {@code /tmp}; not the project's jar,
 * which the harness mounts read-only at {@link #JAR}. Its tag is the first 12 hex digits of the
 * build script's SHA-256, computed here the same way, so a changed recipe means a new image and a
 * test run against a stale one is impossible.
 *
 * <p>The project directory comes from the system property {@code hoststack.it.projectDir} (failsafe
 * sets it), else the nearest ancestor of the working directory that holds the build script.
 */
public final class RuntimeImage {

    /** The image's repository name; the tag is the recipe's hash. */
    public static final String REPOSITORY = "hoststack/runtime";
    /** The build script, relative to the project directory. */
    public static final String BUILD_SCRIPT = "docker/build-image.sh";
    /** The java launcher inside the image. */
    public static final String JAVA = "/opt/java/bin/java";
    /** Where the project's shaded jar ({@code cli/target/hoststack.jar}) is mounted, read-only. */
    public static final String JAR = "/app/hoststack.jar";
    /** Where each test's shared directory (for Unix domain sockets) is mounted, read-write. */
    public static final String SHARED_DIR = "/run/hoststack";
    /** Where the probe classes (this module's test classes) are mounted, read-only. */
    public static final String PROBE_CLASSES = "/probe/classes";
    /** Where extra jars for probes are mounted, read-only, one file each. */
    public static final String PROBE_LIB = "/probe/lib";

    /** uid of root in the image. */
    public static final int ROOT = 0;
    /** uid of the image's non-root user {@code app}. */
    public static final int APP = 1000;
    /** uid of {@code nobody} in the image (also Debian's). */
    public static final int NOBODY = 65534;

    private RuntimeImage() {}

    /** The project's root directory (the one holding {@code pom.xml} and {@code docker/}). */
    public static Path projectDir() {
        String property = System.getProperty("hoststack.it.projectDir");
        if (property != null && !property.isBlank()) {
            return Path.of(property).toAbsolutePath().normalize();
        }
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            if (Files.isRegularFile(dir.resolve(BUILD_SCRIPT))) {
                return dir;
            }
        }
        throw new IllegalStateException("cannot find the project directory: set -Dhoststack.it.projectDir "
                + "or run from inside the project (failsafe sets it in it/pom.xml)");
    }

    /** The shaded jar the tests mount: {@code cli/target/hoststack.jar}. */
    public static Path hostJar() {
        return projectDir().resolve("cli/target/hoststack.jar");
    }

    /** The image name the build script builds for its current content, e.g. {@code hoststack/runtime:3169d8fd51b1}. */
    public static String name() {
        Path script = projectDir().resolve(BUILD_SCRIPT);
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(script));
            return REPOSITORY + ":" + HexFormat.of().formatHex(digest).substring(0, 12);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + script, e);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
