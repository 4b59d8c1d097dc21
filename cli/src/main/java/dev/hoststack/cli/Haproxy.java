package dev.hoststack.cli;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * HAProxy as {@code bench --real}'s userspace-proxy path: the binary found on this machine, the
 * configuration the bench writes ({@code mode tcp}, {@code balance roundrobin} over each worker's
 * port of its own), and the process started from it. Not thread-safe; one bench run uses it from
 * one thread.
 */
final class Haproxy {

    /** Environment variable naming the haproxy binary to use instead of the one on the PATH. */
    static final String ENV = "HOSTSTACK_HAPROXY";

    /** Where Debian puts it (root's PATH has it; another user's may not). */
    private static final List<String> SYSTEM_DIRS = List.of("/usr/sbin", "/usr/local/sbin", "/usr/bin", "/usr/local/bin");

    /** The binary to run, or why there is none. */
    record Found(Path binary, String whyNot) {
        boolean available() {
            return binary != null;
        }
    }

    private Haproxy() {
    }

    /**
     * Looks for haproxy: {@value #ENV} when set (it must be an executable file), else the
     * {@code PATH}, then Debian's {@code /usr/sbin}.
     */
    static Found find(Map<String, String> env) {
        String override = env.get(ENV);
        if (override != null && !override.isBlank()) {
            Path p = Path.of(override);
            return Files.isRegularFile(p) && Files.isExecutable(p) ? new Found(p, null)
                    : new Found(null, ENV + "=" + override + " is not an executable file");
        }
        List<String> dirs = new ArrayList<>();
        String path = env.getOrDefault("PATH", "");
        for (String d : path.split(":")) {
            if (!d.isEmpty()) {
                dirs.add(d);
            }
        }
        dirs.addAll(SYSTEM_DIRS);
        for (String d : dirs) {
            Path p = Path.of(d, "haproxy");
            if (Files.isRegularFile(p) && Files.isExecutable(p)) {
                return new Found(p, null);
            }
        }
        return new Found(null, "no haproxy on the PATH nor in /usr/sbin");
    }

    /** The first line of {@code haproxy -v} (as "HAProxy 2.6.12-1+deb12u4"), or "HAProxy" if it says nothing. */
    static String version(Path binary) {
        try {
            Process p = new ProcessBuilder(binary.toString(), "-v").redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
            p.waitFor(10, java.util.concurrent.TimeUnit.SECONDS);
            String first = out.lines().findFirst().orElse("").trim();
            String[] words = first.split(" ");
            first = words.length >= 3 ? words[0] + " " + words[2] : first; // "HAProxy 2.6.12-1+deb12u4", no date or URL
            return first.isEmpty() ? "HAProxy" : first;
        } catch (IOException e) {
            return "HAProxy";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "HAProxy";
        }
    }

    /** The one line the bench prints when the HAProxy path cannot run. */
    static String skipLine(String whyNot) {
        return "HAProxy path skipped: " + whyNot + " (Debian: apt-get install haproxy, as .ci/run does; or set " + ENV
                + " to a haproxy binary)";
    }

    /**
     * The configuration: one TCP frontend on {@code front}, round robin over {@code servers}
     * ({@code tcp://HOST/PORT} URIs, one per worker), no health checks (the servers are up
     * before HAProxy starts, and a check would add connections of its own to the workers), at most
     * {@code maxconn} connections at once (HAProxy needs about two descriptors for each, and
     * refuses to start when the process's limit is lower).
     */
    static String config(InetSocketAddress front, List<String> servers, int maxconn) {
        if (servers.isEmpty()) {
            throw new IllegalArgumentException("HAProxy needs at least one server");
        }
        StringBuilder b = new StringBuilder();
        b.append("# written by hoststack bench --real: HAProxy in front of the bench's worker processes\n");
        b.append("global\n");
        b.append("    maxconn ").append(maxconn).append('\n');
        b.append("defaults\n");
        b.append("    mode tcp\n");
        b.append("    timeout connect 10s\n");
        b.append("    timeout client 30s\n");
        b.append("    timeout server 30s\n");
        b.append("frontend bench\n");
        b.append("    bind ").append(hostPort(front.getAddress().getHostAddress(), front.getPort())).append('\n');
        b.append("    default_backend workers\n");
        b.append("backend workers\n");
        b.append("    balance roundrobin\n");
        int i = 0;
        for (String uri : servers) {
            String rest = uri.substring(uri.indexOf("://") + 3);
            int slash = rest.lastIndexOf('/');
            String host = rest.substring(0, slash).replace("[", "").replace("]", "");
            b.append("    server w").append(i++).append(' ').append(hostPort(host, Integer.parseInt(rest.substring(slash + 1))))
                    .append('\n');
        }
        return b.toString();
    }

    /** HAProxy's address syntax: {@code 127.0.0.1:80}, {@code ipv6@::1:80} (a bare IPv6 address would be ambiguous). */
    private static String hostPort(String host, int port) {
        return (host.contains(":") ? "ipv6@" + host : host) + ":" + port;
    }

    /** A free loopback port (the kernel's choice for port 0, released at once for HAProxy to bind). */
    static InetSocketAddress freeLoopback() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return new InetSocketAddress(InetAddress.getLoopbackAddress(), s.getLocalPort());
        }
    }

    /**
     * Writes the configuration to {@code dir}/haproxy.cfg and starts {@code binary -f FILE -db}
     * (in the foreground, as a child of this process), returning once its frontend accepts a
     * connection.
     *
     * @throws IOException naming HAProxy's last line when it exits or does not listen within 20 s
     */
    static RealCluster.Child start(Path binary, Path dir, InetSocketAddress front, List<String> servers, int maxconn)
            throws IOException, InterruptedException {
        Path cfg = dir.resolve("haproxy.cfg");
        Files.writeString(cfg, config(front, servers, maxconn));
        RealCluster.Child c = new RealCluster.Child("haproxy", List.of(binary.toString(), "-f", cfg.toString(), "-db"));
        long end = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (true) {
            if (!c.process.isAlive()) {
                c.process.waitFor();
                throw new IOException("haproxy exited with " + c.process.exitValue() + " at start: " + c.output());
            }
            try (Socket s = new Socket()) {
                s.connect(front, 200);
                return c;
            } catch (IOException notYet) {
                if (System.nanoTime() > end) {
                    c.stop();
                    throw new IOException("haproxy did not listen on " + front + " within 20 s: " + c.output());
                }
                Thread.sleep(50);
            }
        }
    }
}
