package dev.hoststack.client;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonObject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Kernel dispatch's bad input and limits with real processes: a daemon without privilege falls
 * back to the hand-off path and says so once (or refuses to start with {@code --dispatch kernel});
 * a group larger than its maps is refused with {@code KERNEL_GROUP_FULL}; a program the kernel's
 * verifier refuses (made so by a test hook) does the same as missing privilege, with the verifier's
 * log in the reason.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class KernelDispatchLimitsTest {

    @TempDir
    Path dir;

    /**
     * {@code --kernel-max-sockets 3}: the fourth worker's listen is refused with
     * {@code KERNEL_GROUP_FULL}, the three already in the group keep their order; {@code
     * --kernel-max-apps 2}: a third application is refused the same way.
     */
    @Test
    void aGroupLargerThanItsMapsIsRefusedWithACode() throws Exception {
        try (Proc daemon = Proc.daemon(dir, "--dispatch", "kernel", "--kernel-max-sockets", "3", "--kernel-max-apps", "2");
             Proc app1 = Proc.worker(dir, "app1", 1, "tcp://127.0.0.1/0");
             Proc app2 = Proc.worker(dir, "app2", 2, app1.readyUri());
             Proc app3 = Proc.worker(dir, "app3", 1, app1.readyUri());
             Proc app2more = Proc.worker(dir, "app2b", 2, "tcp://127.0.0.1/0")) {
            assertThat(app2.readyUri()).as("one group").isEqualTo(app1.readyUri());
            assertThat(app3.ready).as("a third application in a group made for 2: %s", app3.output())
                    .startsWith("error KERNEL_GROUP_FULL ").contains("--kernel-max-apps 2");
            assertThat(app3.process().waitFor(30, TimeUnit.SECONDS)).isTrue();
            assertThat(app3.process().exitValue()).as("the worker's exit code for a refusal").isEqualTo(3);
            int port = Http.port(app1.readyUri());
            List<String> order = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                order.add(Http.label(Http.get(port, 10_000)));
            }
            assertThat(order).as("the group as it was").containsExactly("app1-w0", "app2-w0", "app1-w0", "app2-w1", "app1-w0",
                    "app2-w0", "app1-w0", "app2-w1");
            assertThat(app2more.readyUri()).isNotEqualTo(app1.readyUri());
            try (Proc fourth = Proc.worker(dir, "app4", 2, app2more.readyUri())) {
                assertThat(fourth.ready).as("a fourth socket in a group made for 3: %s", fourth.output())
                        .startsWith("error KERNEL_GROUP_FULL ").contains("is full");
            }
            JsonObject k = Daemons.show(dir).getAsJsonArray("listeners").get(0).getAsJsonObject().getAsJsonObject("kernel");
            assertThat(k.get("sockets").getAsInt()).as("%s", k).isEqualTo(3);
            assertThat(daemon.process().isAlive()).isTrue();
        }
    }

    /**
     * A daemon run as uid 65534 (no privilege: {@code bpf(2)} is refused): with the default
     * {@code --dispatch auto} it serves on the hand-off path and says why in one line, once, however
     * many groups it makes; with {@code --dispatch kernel} it refuses to start, saying why.
     */
    @Test
    void aDaemonWithoutPrivilegeHandsOffAndSaysSoOnce() throws Exception {
        NobodyDaemon nobody = nobodyDaemon();
        Path control = nobody.control();
        List<String> base = nobody.command();
        try (Proc refused = Proc.start("daemon-kernel", concat(base, "--dispatch", "kernel"))) {
            assertThat(refused.process().waitFor(60, TimeUnit.SECONDS)).isTrue();
            assertThat(refused.process().exitValue()).as("exit code; output:%n%s", refused.output()).isEqualTo(1);
            assertThat(refused.output()).contains("--dispatch kernel: the kernel cannot run reuseport programs for this daemon"
                    + " (NOT_PERMITTED)").contains("effective uid 65534").contains("Use --dispatch auto or handoff")
                    // started by root, it could hold them: the bounding set has them
                    .contains("they are in its bounding set").contains("--ambient-caps +bpf,+net_admin");
        }
        try (Proc daemon = Proc.start("daemon-auto", base)) {
            daemon.await(l -> l.startsWith("ready "), Duration.ofSeconds(60));
            try (Proc app1 = Proc.worker(control, "app1", 2, "tcp://127.0.0.1/0");
                 Proc other = Proc.worker(control, "other", 1, "tcp://127.0.0.1/0")) {
                int port = Http.port(app1.readyUri());
                for (int i = 0; i < 4; i++) {
                    assertThat(Http.label(Http.get(port, 10_000))).as("connection %s", i).isEqualTo("app1-w" + i % 2);
                }
                assertThat(Http.get(Http.port(other.readyUri()), 10_000)).isNotNull();
                JsonObject show = Daemons.show(control);
                assertThat(show.getAsJsonObject("dispatch").get("mode").getAsString()).isEqualTo("handoff");
                assertThat(show.getAsJsonArray("listeners").get(0).getAsJsonObject().get("dispatch").getAsString())
                        .isEqualTo("handoff");
                assertThat(Daemons.total(show, "accepted")).isEqualTo(5);
            }
            List<String> said = daemon.output().lines().filter(l -> l.contains("dispatch: handoff")).toList();
            assertThat(said).as("the daemon's log:%n%s", daemon.output()).hasSize(1);
            assertThat(said.get(0)).contains("--dispatch auto: kernel dispatch is unavailable, NOT_PERMITTED")
                    .contains("effective uid 65534");
        }
    }

    /**
     * A program the kernel refuses: the daemon runs with the test hook
     * {@code -Dhoststack.bpf.testRejectPrograms=true}, which puts a read of an unwritten register
     * before each program's first instruction, so this kernel's verifier itself refuses them at the
     * daemon's start-up probe. With {@code --dispatch kernel} the daemon refuses to start, giving the
     * verifier's log, the errno and what to do; with {@code --dispatch auto} it serves every group on
     * the hand-off path and says so, with the same reason, in one line, once.
     */
    @Test
    void aProgramTheVerifierRefusesHandsOffOnceOrStopsAKernelDaemon() throws Exception {
        String hook = "-D" + dev.hoststack.reuseport.bpf.BpfProgram.TEST_REJECT_PROPERTY + "=true";
        Path control = dir.resolve("ctl");
        List<String> kernel = Proc.javaCommand("dev.hoststack.daemon.Daemon",
                Proc.daemonArgs(control, "--dispatch", "kernel").toArray(String[]::new));
        kernel.add(1, hook);
        try (Proc refused = Proc.start("daemon-kernel", kernel)) {
            assertThat(refused.process().waitFor(60, TimeUnit.SECONDS)).as("the kernel daemon exits").isTrue();
            String out = refused.output();
            assertThat(refused.process().exitValue()).as("exit code; output:%n%s", out).isEqualTo(1);
            String first = out.lines().filter(l -> l.startsWith("hoststack daemon: ")).findFirst().orElse("");
            assertThat(first).as("the line saying why; output:%n%s", out)
                    .contains("--dispatch kernel: the kernel cannot run reuseport programs for this daemon (VERIFIER_REJECTED)")
                    .contains("EACCES")
                    .contains("the verifier refused the program. What to do: hoststack's programs need Linux 5.14 or later")
                    .contains("Use --dispatch auto or handoff to run without it.");
            assertThat(out).as("the verifier's log after it").contains("\nVerifier log:\n").contains("R9 !read_ok")
                    .contains("Program:\n   0: ")
                    .doesNotContain("ready ");
        }
        List<String> auto = Proc.javaCommand("dev.hoststack.daemon.Daemon",
                Proc.daemonArgs(control, "--dispatch", "auto").toArray(String[]::new));
        auto.add(1, hook);
        try (Proc daemon = Proc.start("daemon-auto", auto)) {
            daemon.await(l -> l.startsWith("ready "), Duration.ofSeconds(60));
            try (Proc app1 = Proc.worker(control, "app1", 2, "tcp://127.0.0.1/0", "--selector", "roundrobin");
                 Proc app2 = Proc.worker(control, "app2", 1, app1.readyUri(), "--selector", "roundrobin");
                 Proc other = Proc.worker(control, "other", 1, "tcp://127.0.0.1/0", "--selector", "maglev")) {
                int port = Http.port(app1.readyUri());
                assertThat(app2.readyUri()).as("one group").isEqualTo(app1.readyUri());
                List<String> order = new ArrayList<>();
                for (int i = 0; i < 8; i++) {
                    order.add(Http.label(Http.get(port, 10_000)));
                }
                assertThat(order).as("round robin, by the daemon").containsExactly("app1-w0", "app2-w0", "app1-w1", "app2-w0",
                        "app1-w0", "app2-w0", "app1-w1", "app2-w0");
                assertThat(Http.label(Http.get(Http.port(other.readyUri()), 10_000))).isEqualTo("other-w0");
                JsonObject show = Daemons.show(control);
                JsonObject d = show.getAsJsonObject("dispatch");
                assertThat(d.get("mode").getAsString()).as("%s", d).isEqualTo("handoff");
                assertThat(d.get("requested").getAsString()).isEqualTo("auto");
                assertThat(d.get("why").getAsString()).as("show's reason").contains("VERIFIER_REJECTED", "R9 !read_ok");
                for (var l : show.getAsJsonArray("listeners")) {
                    assertThat(l.getAsJsonObject().get("dispatch").getAsString()).as("%s", l).isEqualTo("handoff");
                }
                assertThat(Daemons.total(show, "accepted")).as("every connection accepted by the daemon").isEqualTo(9);
            }
            String log = daemon.output();
            List<String> said = log.lines().filter(l -> l.contains("dispatch: handoff")).toList();
            assertThat(said).as("the daemon's log:%n%s", log).hasSize(1);
            assertThat(said.get(0)).contains("--dispatch auto: kernel dispatch is unavailable, VERIFIER_REJECTED")
                    .contains("EACCES").contains("the verifier refused the program. What to do:");
            assertThat(log).as("the verifier's log and what to do, in that one message").contains("R9 !read_ok")
                    .contains("What to do: hoststack's programs need Linux 5.14 or later");
            assertThat(log.lines().filter(l -> l.contains("What to do:")).count()).as("said once:%n%s", log).isEqualTo(1);
            assertThat(log).as("no group tried the kernel after the probe failed").doesNotContain("the kernel refused the group");
        }
    }

    /**
     * A daemon that is not root but holds CAP_BPF and CAP_NET_ADMIN (uid 65534 with them as ambient
     * capabilities, {@code setpriv --ambient-caps}, as systemd's {@code AmbientCapabilities=} gives
     * them): kernel dispatch works, the group's sockets are the daemon's user's, and workers of
     * another uid (root, this test's) accept on them in the seed order; the daemon accepts none.
     */
    @Test
    void aDaemonOfAnotherUserWithCapBpfAndCapNetAdminDispatchesInTheKernel() throws Exception {
        NobodyDaemon nobody = nobodyDaemon("--inh-caps", "+bpf,+net_admin", "--ambient-caps", "+bpf,+net_admin");
        Path control = nobody.control();
        List<String> command = concat(nobody.command(), "--dispatch", "kernel");
        try (Proc daemon = Proc.start("daemon-caps", command)) {
            daemon.await(l -> l.startsWith("ready "), Duration.ofSeconds(60));
            assertThat(daemon.output()).contains("dispatch: kernel (--dispatch kernel, the probe passed)");
            try (Proc app1 = Proc.worker(control, "app1", 1, "tcp://127.0.0.1/0", "--selector", "roundrobin");
                 Proc app2 = Proc.worker(control, "app2", 2, app1.readyUri(), "--selector", "roundrobin")) {
                assertThat(app2.readyUri()).as("one group").isEqualTo(app1.readyUri());
                int port = Http.port(app1.readyUri());
                List<String> order = new ArrayList<>();
                for (int i = 0; i < 8; i++) {
                    order.add(Http.label(Http.get(port, 10_000)));
                }
                assertThat(order).as("the seed order, from the kernel's program").containsExactly("app1-w0", "app2-w0",
                        "app1-w0", "app2-w1", "app1-w0", "app2-w0", "app1-w0", "app2-w1");
                JsonObject show = Daemons.show(control);
                assertThat(show.getAsJsonObject("dispatch").get("mode").getAsString()).isEqualTo("kernel");
                JsonObject listener = show.getAsJsonArray("listeners").get(0).getAsJsonObject();
                assertThat(listener.get("dispatch").getAsString()).as("%s", listener).isEqualTo("kernel");
                assertThat(listener.getAsJsonObject("kernel").get("sockets").getAsInt()).isEqualTo(3);
                assertThat(Daemons.total(show, "accepted")).as("connections the daemon accepted itself").isZero();
                // the group's sockets are the daemon's user's: /proc/net/tcp's uid column of the listening sockets
                assertThat(listenerUids(port)).as("owners of the listening sockets on port %s", port).containsOnly(65534);
            }
        }
    }

    /** The uids owning the TCP listening sockets on {@code port} ({@code /proc/net/tcp}). */
    private static List<Integer> listenerUids(int port) throws IOException {
        List<Integer> uids = new ArrayList<>();
        String hexPort = String.format(":%04X", port);
        for (String line : Files.readAllLines(Path.of("/proc/net/tcp"))) {
            String[] f = line.trim().split("\\s+");
            if (f.length > 7 && f[1].endsWith(hexPort) && f[3].equals("0A")) {
                uids.add(Integer.parseInt(f[7]));
            }
        }
        return uids;
    }

    /** A daemon's command line as uid 65534 and where its control socket will be; see {@link #nobodyDaemon}. */
    private record NobodyDaemon(Path control, List<String> command) {
    }

    /**
     * The command line of a daemon run as uid 65534 by {@code setpriv} with {@code caps} (setpriv's
     * capability options, or none), and the directories that user needs: a copy of the class path,
     * a temporary directory (Netty and JNA unpack their native libraries there) and a run directory
     * like /tmp (anyone may make the control directory, no one may rename it).
     */
    private NobodyDaemon nobodyDaemon(String... caps) throws IOException {
        Path setpriv = Stream.of("/usr/bin/setpriv", "/bin/setpriv").map(Paths::get).filter(Files::isExecutable).findFirst()
                .orElseThrow(() -> new AssertionError("setpriv (util-linux) is needed to run the daemon as another user"));
        Path root = Files.createDirectories(dir.resolve("nobody"));
        String cp = copyClassPath(root.resolve("cp"));
        Path tmp = Files.createDirectories(root.resolve("tmp"));
        Path run = Files.createDirectories(root.resolve("run"));
        openUp(root);
        Files.setAttribute(run, "unix:mode", 01777);
        Files.setAttribute(tmp, "unix:mode", 01777);
        Path control = run.resolve("ctl");
        List<String> command = new ArrayList<>(List.of(setpriv.toString(), "--reuid", "65534", "--regid", "65534", "--clear-groups"));
        command.addAll(List.of(caps));
        command.addAll(List.of(ProcessHandle.current().info().command().orElse("java"), "-XX:+UseSerialGC", "-Xmx96m",
                "-Djna.tmpdir=" + tmp, "-Djava.io.tmpdir=" + tmp, "-cp", cp, "dev.hoststack.daemon.Daemon",
                "--control", control.toString(), "--socket-mode", "0666"));
        return new NobodyDaemon(control, List.copyOf(command));
    }

    private static List<String> concat(List<String> a, String... more) {
        List<String> c = new ArrayList<>(a);
        c.addAll(List.of(more));
        return c;
    }

    /** Copies this test's class path where uid 65534 can read it; returns the new class path. */
    private static String copyClassPath(Path to) throws IOException {
        Files.createDirectories(to);
        List<String> out = new ArrayList<>();
        int i = 0;
        for (String e : Proc.classPath().split(java.io.File.pathSeparator)) {
            Path p = Paths.get(e);
            if (!Files.exists(p)) {
                continue;
            }
            Path target = to.resolve(i++ + "-" + p.getFileName());
            if (Files.isDirectory(p)) {
                try (Stream<Path> all = Files.walk(p)) {
                    for (Path f : (Iterable<Path>) all::iterator) {
                        Path t = target.resolve(p.relativize(f).toString());
                        if (Files.isDirectory(f)) {
                            Files.createDirectories(t);
                        } else {
                            Files.copy(f, t, StandardCopyOption.REPLACE_EXISTING);
                        }
                    }
                }
            } else {
                Files.copy(p, target, StandardCopyOption.REPLACE_EXISTING);
            }
            out.add(target.toString());
        }
        return String.join(java.io.File.pathSeparator, out);
    }

    /** Makes everything under {@code root}, and the test's temporary directory it is in, readable by every user. */
    private static void openUp(Path root) throws IOException {
        Files.setPosixFilePermissions(root.getParent(), PosixFilePermissions.fromString("rwxr-xr-x"));
        try (Stream<Path> all = Files.walk(root)) {
            for (Path p : (Iterable<Path>) all::iterator) {
                Files.setPosixFilePermissions(p, PosixFilePermissions.fromString(Files.isDirectory(p) ? "rwxr-xr-x" : "rw-r--r--"));
            }
        }
    }
}
