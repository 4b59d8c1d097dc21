package dev.hoststack.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.google.gson.JsonObject;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Python worker of {@code examples/python} (plain {@code socket.recv_fds}) receives real
 * connections from the daemon, in one reuseport group with a Java worker process.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class PythonWorkerTest {

    static final Path SCRIPT = Path.of("..", "examples", "python", "hoststack_worker.py").toAbsolutePath().normalize();

    @TempDir
    Path dir;

    static boolean python39() {
        try {
            Process p = new ProcessBuilder("python3", "-c", "import sys; sys.exit(0 if sys.version_info >= (3, 9) else 1)")
                    .redirectErrorStream(true).start();
            return p.waitFor(20, TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (Exception e) {
            return false;
        }
    }

    static Proc python(List<String> prefix, String python, Path script, Path dir, String app, int workers, String uri,
                       String... extra) throws Exception {
        List<String> c = new ArrayList<>(prefix);
        c.addAll(List.of(python, "-u", script.toString(), "--control", dir.toString(), "--app", app,
                "--workers", String.valueOf(workers), "--listen", uri, "--reuseport"));
        c.addAll(List.of(extra));
        Proc p = Proc.start(app, c);
        p.ready = p.await(l -> l.startsWith("ready ") || l.startsWith("error "), java.time.Duration.ofSeconds(30));
        return p;
    }

    @Test
    void pythonWorkerReceivesConnections() throws Exception {
        assumeTrue(python39(), "python3 >= 3.9 (socket.recv_fds) is needed");
        assertThat(SCRIPT).exists();
        try (Proc daemon = Proc.daemon(dir);
             Proc py = python(List.of(), "python3", SCRIPT, dir, "py", 2, "tcp://127.0.0.1/0", "--selector", "roundrobin");
             Proc java = Proc.worker(dir, "jv", 1, py.readyUri())) {
            answersFollowTheRoundRobin(py, java);
            assertThat(Daemons.total(Daemons.show(dir), "taken")).isEqualTo(40);
            assertThat(daemon.process().isAlive()).isTrue();
        }
    }

    /**
     * Kernel dispatch: the Python worker (protocol version 2) takes its own listening socket off the
     * data connection and accepts on it; the kernel's program follows the same order, the daemon
     * accepts nothing, and the workers' reports reach {@code show}.
     */
    @Test
    void pythonWorkerAcceptsOnItsOwnSocketInKernelMode() throws Exception {
        assumeTrue(python39(), "python3 >= 3.9 (socket.recv_fds) is needed");
        try (Proc daemon = Proc.daemon(dir, "--dispatch", "kernel");
             Proc py = python(List.of(), "python3", SCRIPT, dir, "py", 2, "tcp://127.0.0.1/0", "--selector", "roundrobin");
             Proc java = Proc.worker(dir, "jv", 1, py.readyUri())) {
            answersFollowTheRoundRobin(py, java);
            JsonObject show = null;
            for (int i = 0; i < 100; i++) {
                show = Daemons.show(dir);
                if (Daemons.worker(show, "py", 1).get("accepted").getAsLong() == 10) {
                    break;
                }
                Thread.sleep(50);
            }
            JsonObject listener = show.getAsJsonArray("listeners").get(0).getAsJsonObject();
            assertThat(listener.get("dispatch").getAsString()).as("%s", listener).isEqualTo("kernel");
            assertThat(Daemons.total(show, "accepted")).as("connections the daemon accepted itself").isZero();
            for (int w = 0; w < 2; w++) {
                JsonObject wo = Daemons.worker(show, "py", w);
                assertThat(wo.get("version").getAsInt()).isEqualTo(2);
                assertThat(wo.get("accepted").getAsLong()).as("py-w%s as it reported: %s", w, wo).isEqualTo(10);
                assertThat(wo.get("accepted_from").getAsString()).isEqualTo("worker");
            }
            assertThat(daemon.process().isAlive()).isTrue();
        }
    }

    /**
     * Makes 40 connections to the group py and jv listen on and checks their answers: round robin
     * over the two applications, then over py's two workers, half of them from Python.
     */
    private static void answersFollowTheRoundRobin(Proc py, Proc java) throws Exception {
        int port = Http.port(py.readyUri());
        List<String> bodies = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            String body = Http.get(port, 10_000);
            assertThat(body).as("connection %s", i).isNotNull();
            bodies.add(body);
        }
        assertThat(bodies.get(0)).startsWith("app=py worker=0 pid=" + py.pid()).endsWith("lang=python");
        assertThat(bodies.get(1)).startsWith("app=jv worker=0 pid=" + java.pid());
        assertThat(bodies.get(2)).startsWith("app=py worker=1 pid=" + py.pid());
        assertThat(bodies.stream().filter(b -> b.contains("lang=python")).count()).isEqualTo(20);
    }
}
