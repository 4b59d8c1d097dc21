package dev.hoststack.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A worker process of another user may not join a reuseport group (the kernel's same-uid rule, to
 * prevent port hijacking): the daemon takes the owner from SO_PEERCRED, so the refusal holds
 * whatever the process says. Runs when the test runs as root, dropping the joiner to uid 65534
 * with {@code setpriv}; the joiner is the Python worker (readable and runnable by any user).
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class OwnerMismatchTest {

    static boolean rootWithSetpriv() {
        try {
            Process p = new ProcessBuilder("sh", "-c", "[ \"$(id -u)\" = 0 ] && command -v setpriv >/dev/null").start();
            return p.waitFor(10, TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (Exception e) {
            return false;
        }
    }

    static final List<String> NOBODY = List.of("setpriv", "--reuid=65534", "--regid=65534", "--clear-groups");

    /** A python3 (3.9+) that uid 65534 can run (a pyenv shim under /root is not one), or null. */
    static String pythonForNobody() {
        for (String candidate : List.of("/usr/bin/python3", "/usr/local/bin/python3", "/bin/python3")) {
            try {
                List<String> c = new java.util.ArrayList<>(NOBODY);
                c.addAll(List.of(candidate, "-c", "import socket, sys; socket.recv_fds; sys.exit(0)"));
                Process p = new ProcessBuilder(c).redirectErrorStream(true).start();
                if (p.waitFor(20, TimeUnit.SECONDS) && p.exitValue() == 0) {
                    return candidate;
                }
            } catch (Exception e) {
                // try the next
            }
        }
        return null;
    }

    @Test
    void anotherUidIsRefusedWithOwnerMismatch() throws Exception {
        refusedWithOwnerMismatch("handoff");
    }

    /**
     * The same with kernel dispatch: the group's sockets are the daemon's (one owner uid), and the
     * model's rule is checked before a socket is made, so another uid gets no socket of the group;
     * a worker of that uid on a port of its own accepts on its own socket there.
     */
    @Test
    void anotherUidIsRefusedWithOwnerMismatchInKernelMode() throws Exception {
        refusedWithOwnerMismatch("kernel");
    }

    private void refusedWithOwnerMismatch(String dispatch) throws Exception {
        assumeTrue(rootWithSetpriv(), "needs root and setpriv to run the joiner as another uid");
        String python = pythonForNobody();
        assumeTrue(python != null, "needs a python3 >= 3.9 that uid 65534 may run, for the joiner");
        // a directory every user can reach (a JUnit @TempDir is private to its owner)
        Path base = Files.createTempDirectory("hoststack-uid", PosixFilePermissions.asFileAttribute(
                PosixFilePermissions.fromString("rwxr-xr-x")));
        try {
            Path dir = base.resolve("control");
            Path script = base.resolve("hoststack_worker.py");
            Files.copy(PythonWorkerTest.SCRIPT, script, StandardCopyOption.REPLACE_EXISTING);
            Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-xr-x"));
            List<String> nobody = new java.util.ArrayList<>(NOBODY);
            nobody.add("--");
            try (Proc daemon = Proc.daemon(dir, "--socket-mode", "0666", "--dispatch", dispatch);
                 Proc owner = Proc.worker(dir, "web", 1, "tcp://127.0.0.1/0")) {
                String uri = owner.readyUri();
                try (Proc intruder = PythonWorkerTest.python(nobody, python, script, dir, "intruder", 1, uri)) {
                    assertThat(intruder.ready).startsWith("error REUSEPORT_OWNER_MISMATCH ");
                    assertThat(intruder.process().waitFor(20, TimeUnit.SECONDS)).isTrue();
                    assertThat(intruder.process().exitValue()).isEqualTo(3);
                }
                // the same user on a port of its own is served: the refusal is the group's rule
                try (Proc own = PythonWorkerTest.python(nobody, python, script, dir, "own", 1, "tcp://127.0.0.1/0")) {
                    assertThat(own.ready).startsWith("ready ");
                    String body = Http.get(Http.port(own.readyUri()), 10_000);
                    assertThat(body).startsWith("app=own worker=0");
                    var show = Daemons.show(dir);
                    assertThat(Daemons.worker(show, "own", 0).get("uid").getAsInt()).isEqualTo(65534);
                }
                // another user can neither add a worker to the owner's application nor get a privileged port
                String probe = String.join("\n",
                        "import json, socket, sys",
                        "def conn():",
                        "    s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1]); f = s.makefile('rw')",
                        "    def call(**r):",
                        "        f.write(json.dumps(r) + '\\n'); f.flush(); return json.loads(f.readline())",
                        "    call(op='hello', version=1)",
                        "    return call",
                        "print(conn()(op='add_worker', app='web').get('error'))",
                        "c = conn(); c(op='attach', app='lowport')",
                        "print(c(op='listen', uri='tcp://127.0.0.1/80').get('error'))");
                List<String> cmd = new java.util.ArrayList<>(NOBODY);
                cmd.addAll(List.of("--", python, "-c", probe, dir.resolve("hoststack.sock").toString()));
                Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
                String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
                assertThat(p.waitFor(20, TimeUnit.SECONDS)).isTrue();
                assertThat(out.lines().toList()).containsExactly("NOT_OWNER", "PERMISSION_DENIED");
                // and the group still serves its owner only
                for (int i = 0; i < 5; i++) {
                    assertThat(Http.get(Http.port(uri), 10_000)).startsWith("app=web worker=0");
                }
                assertThat(daemon.process().isAlive()).isTrue();
            }
        } finally {
            try (var s = Files.walk(base)) {
                s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }
}
