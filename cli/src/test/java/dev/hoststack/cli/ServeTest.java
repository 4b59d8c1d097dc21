package dev.hoststack.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.function.Supplier;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code hoststack serve} with a server nobody here wrote: Python's {@code http.server}
 * ({@code SimpleHTTPRequestHandler}, serving a file) on the inherited socket, wrapped only
 * through {@code socket.fromfd(3)}, in one kernel group with a Java worker ({@code hoststack
 * worker}); the kernel's program gives the seed's order across both. A server killed leaves the
 * group, and what follows is answered by the others. The same with Debian's gunicorn (installed by
 * {@code .ci/run}; skipped, saying so, where it is not), and what becomes of a copy of a worker's
 * socket passed on when the worker is gone.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class ServeTest {

    /** The whole "server": systemd's convention checked, then the standard library's HTTP server on descriptor 3. */
    static final String SERVER = String.join("\n",
            "import functools, http.server, os, socket, tempfile",
            "assert os.environ['LISTEN_PID'] == str(os.getpid()), 'LISTEN_PID is not this process'",
            "assert os.environ['LISTEN_FDS'] == '1'",
            "d = tempfile.mkdtemp()",
            "with open(os.path.join(d, 'index.html'), 'w') as f:",
            "    f.write('app=%s worker=%s pid=%d lang=python-http.server\\n' % (os.environ['HOSTSTACK_APP'],"
                + " os.environ['HOSTSTACK_WORKER'], os.getpid()))",
            "s = socket.fromfd(3, socket.AF_INET, socket.SOCK_STREAM)",
            "os.close(3)",
            "h = functools.partial(http.server.SimpleHTTPRequestHandler, directory=d)",
            "srv = http.server.ThreadingHTTPServer(('127.0.0.1', 0), h, bind_and_activate=False)",
            "srv.socket = s",
            "srv.serve_forever()");

    @TempDir
    Path dir;

    @Test
    void anUnmodifiedServerAndAJavaWorkerShareOneKernelGroup() throws Exception {
        Path control = dir.resolve("control");
        try (Child daemon = Child.start("daemon", "daemon", "--control", control.toString(), "--dispatch", "kernel")) {
            daemon.await(l -> l.startsWith("ready "), Duration.ofSeconds(60));
            try (Child serve = Child.start("serve", "serve", "--control", control.toString(), "--app", "py", "--workers", "2",
                    "--listen", "tcp://127.0.0.1/0", "--reuseport", "--selector", "roundrobin", "--", "python3", "-c", SERVER)) {
                String ready = serve.await(l -> l.startsWith("ready ") || l.startsWith("error "), Duration.ofSeconds(60));
                assertThat(ready).as("serve's output:%n%s", serve.output()).startsWith("ready app=py workers=2");
                String uri = field(ready, "uri");
                String[] servers = field(ready, "servers").split(",");
                assertThat(servers).hasSize(2);
                try (Child java = Child.start("jv", "worker", "--control", control.toString(), "--app", "jv", "--listen", uri,
                        "--reuseport", "--selector", "roundrobin")) {
                    java.await(l -> l.startsWith("ready "), Duration.ofSeconds(60));
                    int port = Integer.parseInt(uri.substring(uri.lastIndexOf('/') + 1));
                    List<String> bodies = responses(port, 24, () -> "");
                    for (int i = 0; i < bodies.size(); i++) {
                        String b = bodies.get(i);
                        if (i % 2 == 1) {
                            assertThat(b).as("connection %s: the Java worker", i).contains("app=jv worker=0");
                        } else {
                            int w = (i / 2) % 2;
                            assertThat(b).as("connection %s: py-w%s through http.server", i, w)
                                    .contains("Server: SimpleHTTP/").contains("app=py worker=" + w + " pid=" + servers[w]);
                        }
                    }
                    // a server killed: its worker leaves the group, the others answer everything after
                    assertThat(new ProcessBuilder("kill", "-9", servers[0]).start().waitFor()).isZero();
                    serve.await(l -> l.startsWith("server " + servers[0] + " of py-w0 exited with 137"), Duration.ofSeconds(30));
                    Thread.sleep(300);
                    List<String> after = responses(port, 12, () -> " after the kill").stream()
                            .map(r -> r.contains("app=jv") ? "jv" : r.contains("worker=1") ? "py-w1" : "other")
                            .toList();
                    assertThat(after).as("after py-w0's server died").containsOnly("jv", "py-w1");
                    assertThat(after.stream().filter("py-w1"::equals).count()).isEqualTo(6);
                }
            }
        }
    }

    /** Debian's gunicorn (package {@code gunicorn}), which {@code .ci/run} installs. */
    static final Path GUNICORN = Path.of("/usr/bin/gunicorn");

    /** The WSGI application gunicorn serves: says which application, worker and process answered. */
    static final String WSGI_APP = String.join("\n",
            "import os",
            "def app(environ, start_response):",
            "    body = ('app=%s worker=%s pid=%d lang=gunicorn\\n' % (os.environ['HOSTSTACK_APP'],"
                + " os.environ['HOSTSTACK_WORKER'], os.getpid())).encode()",
            "    start_response('200 OK', [('Content-Type', 'text/plain'), ('Content-Length', str(len(body)))])",
            "    return [body]",
            "");

    /**
     * A server nobody here wrote, run as a distribution ships it: Debian's gunicorn (20.1; its own
     * master and worker processes; it takes descriptor 3 by systemd's socket activation, {@code
     * LISTEN_FDS} and {@code LISTEN_PID}, with no {@code --bind}: given {@code --bind fd://3} as
     * well it counts descriptor 3 twice, closes it after the first and exits with EBADF at the
     * second) for two workers of one application,
     * beside a Java worker in one kernel group: the program's round robin gives the applications in
     * turn and gunicorn's two workers in turn; the daemon accepts none of the connections.
     * Skipped, saying so, where gunicorn is not installed ({@code apt-get install gunicorn};
     * {@code .ci/run} installs it).
     */
    @Test
    void debiansGunicornAndAJavaWorkerShareOneKernelGroup() throws Exception {
        Assumptions.assumeTrue(java.nio.file.Files.isExecutable(GUNICORN), "ServeTest: " + GUNICORN + " is not installed"
                + " (Debian: apt-get install gunicorn; .ci/run installs it): the gunicorn test is skipped");
        Path control = dir.resolve("control");
        Path site = java.nio.file.Files.createDirectories(dir.resolve("site"));
        java.nio.file.Files.writeString(site.resolve("hsapp.py"), WSGI_APP);
        try (Child daemon = Child.start("daemon", "daemon", "--control", control.toString(), "--dispatch", "kernel")) {
            daemon.await(l -> l.startsWith("ready "), Duration.ofSeconds(60));
            try (Child serve = Child.start("serve", "serve", "--control", control.toString(), "--app", "gu", "--workers", "2",
                    "--listen", "tcp://127.0.0.1/0", "--reuseport", "--selector", "roundrobin", "--", GUNICORN.toString(),
                    "--workers", "1", "--chdir", site.toString(), "hsapp:app")) {
                String ready = serve.await(l -> l.startsWith("ready ") || l.startsWith("error "), Duration.ofSeconds(60));
                assertThat(ready).as("serve's output:%n%s", serve.output()).startsWith("ready app=gu workers=2");
                String uri = field(ready, "uri");
                try (Child java = Child.start("jv", "worker", "--control", control.toString(), "--app", "jv", "--listen", uri,
                        "--reuseport", "--selector", "roundrobin")) {
                    java.await(l -> l.startsWith("ready "), Duration.ofSeconds(60));
                    // each gunicorn master says where it listens once it took the socket, then boots its worker
                    for (int n = 0; n < 2; n++) {
                        serve.await(l -> l.contains("Booting worker with pid"), Duration.ofSeconds(60));
                    }
                    assertThat(serve.output()).as("gunicorn took the inherited socket").contains("Listening at: " + "http://"
                            + uri.substring("tcp://".length()).replace('/', ':'));
                    int port = Integer.parseInt(uri.substring(uri.lastIndexOf('/') + 1));
                    List<String> bodies = responses(port, 24, () -> String.format("; serve's output:%n%s", serve.output()));
                    for (int i = 0; i < bodies.size(); i++) {
                        String b = bodies.get(i);
                        if (i % 2 == 1) {
                            assertThat(b).as("connection %s: the Java worker", i).contains("app=jv worker=0");
                        } else {
                            assertThat(b).as("connection %s: gu-w%s through gunicorn", i, (i / 2) % 2)
                                    .contains("Server: gunicorn").contains("app=gu worker=" + (i / 2) % 2 + " ");
                        }
                    }
                    try (Child status = Child.start("status", "status", "--control", control.toString())) {
                        assertThat(status.await(l -> l.startsWith("totals: "), Duration.ofSeconds(60)))
                                .as("connections the daemon accepted itself").contains("totals: accepted=0 ");
                        assertThat(status.await(l -> l.startsWith("dispatch: "), Duration.ofSeconds(60)))
                                .startsWith("dispatch: kernel");
                    }
                }
            }
        }
    }

    /**
     * Who owns a socket passed on: {@code hoststack serve} is a worker that passes its listening
     * socket to another process (its server). Killed with SIGKILL, serve cannot stop its server,
     * which lives on holding a copy of the socket; but the daemon saw the worker's control
     * connection close and shut the socket down, which stops every copy: the port's group keeps one
     * listening socket (the Java worker's), and every new connection goes there, none refused. A
     * copy is a loan for as long as the worker is a member, not a way to stay in the group.
     */
    @Test
    void aCopyPassedOnStopsListeningWhenItsWorkerIsGone() throws Exception {
        Path control = dir.resolve("control");
        long orphan = -1;
        try (Child daemon = Child.start("daemon", "daemon", "--control", control.toString(), "--dispatch", "kernel")) {
            daemon.await(l -> l.startsWith("ready "), Duration.ofSeconds(60));
            try (Child serve = Child.start("serve", "serve", "--control", control.toString(), "--app", "py", "--workers", "1",
                    "--listen", "tcp://127.0.0.1/0", "--reuseport", "--selector", "roundrobin", "--", "python3", "-c", SERVER)) {
                String ready = serve.await(l -> l.startsWith("ready ") || l.startsWith("error "), Duration.ofSeconds(60));
                assertThat(ready).as("serve's output:%n%s", serve.output()).startsWith("ready app=py workers=1");
                orphan = Long.parseLong(field(ready, "servers"));
                try (Child java = Child.start("jv", "worker", "--control", control.toString(), "--app", "jv", "--listen",
                        field(ready, "uri"), "--reuseport", "--selector", "roundrobin")) {
                    java.await(l -> l.startsWith("ready "), Duration.ofSeconds(60));
                    String uri = field(ready, "uri");
                    int port = Integer.parseInt(uri.substring(uri.lastIndexOf('/') + 1));
                    List<String> before = new ArrayList<>();
                    for (int i = 0; i < 4; i++) {
                        String r = get(port);
                        before.add(r == null ? "none" : r.contains("app=jv") ? "jv" : r.contains("app=py") ? "py" : "other");
                    }
                    assertThat(before).as("both in turn before").containsExactly("py", "jv", "py", "jv");
                    assertThat(listeningSockets(port)).as("listening sockets on port %s: the server's and the worker's", port)
                            .isEqualTo(2);

                    serve.process.destroyForcibly(); // SIGKILL: serve cannot stop its server
                    assertThat(serve.process.waitFor(10, TimeUnit.SECONDS)).isTrue();
                    for (int i = 0; i < 100 && listeningSockets(port) != 1; i++) {
                        Thread.sleep(50);
                    }
                    assertThat(ProcessHandle.of(orphan).map(ProcessHandle::isAlive)).as("the server (pid %s) lives on", orphan)
                            .contains(true);
                    assertThat(listeningSockets(port)).as("listening sockets on port %s once the worker is gone: the server's"
                            + " copy stopped with it", port).isEqualTo(1);
                    for (int i = 0; i < 12; i++) {
                        String r = get(port);
                        assertThat(r).as("connection %s after serve was killed", i).isNotNull().contains("app=jv worker=0");
                    }
                    daemon.await(l -> l.contains("py-w0's socket left the kernel group"), Duration.ofSeconds(10));
                }
            }
        } finally {
            if (orphan > 0) {
                ProcessHandle.of(orphan).ifPresent(ProcessHandle::destroyForcibly);
            }
        }
    }

    /** TCP sockets in state LISTEN on 127.0.0.1:{@code port}, from {@code /proc/net/tcp}. */
    static long listeningSockets(int port) throws IOException {
        String local = String.format("0100007F:%04X", port);
        try (var lines = java.nio.file.Files.lines(Path.of("/proc/net/tcp"))) {
            return lines.map(l -> l.trim().split("\\s+")).filter(f -> f.length > 3 && f[1].equals(local) && f[3].equals("0A"))
                    .count();
        }
    }

    /**
     * {@code count} GETs to 127.0.0.1:{@code port}, one after another, each of which must be
     * answered; a failure message names the connection and adds {@code context}.
     */
    static List<String> responses(int port, int count, Supplier<String> context) {
        List<String> bodies = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            final int n = i;
            String response = get(port);
            assertThat(response).as(() -> "connection " + n + context.get()).isNotNull();
            bodies.add(response);
        }
        return bodies;
    }

    /** One HTTP/1.0 GET: the whole response, or null if the connection ended without one. */
    static String get(int port) {
        try (Socket s = new Socket()) {
            s.setSoTimeout(10_000);
            s.connect(new InetSocketAddress("127.0.0.1", port), 10_000);
            s.getOutputStream().write("GET / HTTP/1.0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            InputStream in = s.getInputStream();
            ByteArrayOutputStream b = new ByteArrayOutputStream();
            in.transferTo(b);
            String text = b.toString(StandardCharsets.US_ASCII);
            return text.contains("\r\n\r\n") ? text : null;
        } catch (IOException e) {
            return null;
        }
    }

    static String field(String line, String key) {
        for (String part : line.split(" ")) {
            if (part.startsWith(key + "=")) {
                return part.substring(key.length() + 1);
            }
        }
        throw new AssertionError("no " + key + "= in " + line);
    }

    /** {@code hoststack ARGS} as a process of its own, its output lines collected; killed on close. */
    static final class Child implements AutoCloseable {
        final Process process;
        final BlockingQueue<String> lines = new LinkedBlockingQueue<>();
        final List<String> all = java.util.Collections.synchronizedList(new ArrayList<>());

        private Child(String name, List<String> command) throws IOException {
            process = new ProcessBuilder(command).redirectErrorStream(true).start();
            Thread t = new Thread(() -> {
                try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                    String line;
                    while ((line = r.readLine()) != null) {
                        all.add(line);
                        lines.add(line);
                    }
                } catch (IOException ignored) {
                    // ended
                }
            }, "out-" + name);
            t.setDaemon(true);
            t.start();
        }

        static Child start(String name, String... args) throws IOException {
            List<String> c = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElse("java"),
                    "-XX:+UseSerialGC", "-Xmx128m", "-cp", classPath(), Main.class.getName()));
            c.addAll(List.of(args));
            return new Child(name, c);
        }

        static String classPath() {
            String cp = System.getProperty("surefire.test.class.path");
            return cp != null && !cp.isBlank() ? cp : System.getProperty("java.class.path");
        }

        String await(Predicate<String> p, Duration timeout) throws InterruptedException {
            long end = System.nanoTime() + timeout.toNanos();
            while (true) {
                long left = end - System.nanoTime();
                String l = left <= 0 ? null : lines.poll(left, TimeUnit.NANOSECONDS);
                if (l == null) {
                    throw new AssertionError("no such line within " + timeout + "; output:\n" + output());
                }
                if (p.test(l)) {
                    return l;
                }
            }
        }

        String output() {
            synchronized (all) {
                return String.join("\n", all);
            }
        }

        @Override
        public void close() {
            process.destroy();
            try {
                if (!process.waitFor(10, TimeUnit.SECONDS)) {
                    process.destroyForcibly();
                    process.waitFor(10, TimeUnit.SECONDS);
                }
            } catch (InterruptedException e) {
                process.destroyForcibly();
                Thread.currentThread().interrupt();
            }
        }
    }
}
