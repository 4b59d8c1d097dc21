package dev.hoststack.reuseport.bpf;

import static dev.hoststack.reuseport.bpf.BpfInsn.*;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.jna.Native;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** A program the verifier refuses shows the verifier's log; a process without privilege is told what it lacks. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class VerifierAndPrivilegeTest {

    @Test
    void aProgramThatReturnsNothingIsRefusedWithTheVerifierLog() {
        BpfAssembler bad = new BpfAssembler().exit(); // r0 never written
        assertThatThrownBy(() -> BpfProgram.loadSkReuseport("hs_bad", Bpf.BPF_SK_REUSEPORT_SELECT, bad))
                .isInstanceOfSatisfying(KernelDispatchException.class, e -> {
                    assertThat(e.code()).isEqualTo(KernelDispatchException.Code.VERIFIER_REJECTED);
                    assertThat(e.verifierLog()).as("the verifier's own words").contains("R0 !read_ok");
                    assertThat(e.errnoName()).isEqualTo("EACCES");
                })
                .hasMessageContaining("the verifier refused the program. What to do:")
                .hasMessageContaining("\nVerifier log:\n")
                .hasMessageContaining("R0 !read_ok")
                .hasMessageContaining("Program:\n   0: exit");
    }

    @Test
    void anUncheckedMapOffsetIsRefusedAndTheLogNamesTheAccess() {
        try (BpfMap table = BpfMap.array("hs_t", 64, 1)) {
            BpfAssembler a = new BpfAssembler();
            BpfAssembler.Label pass = a.label("pass");
            a.stW(R10, -4, 0)
                    .ldMapFd(R1, table.fd()).movReg(R2, R10).add(R2, -4).call(FUNC_MAP_LOOKUP_ELEM, "map_lookup_elem")
                    .jeq(R0, 0, pass)
                    .ldxW(R3, R0, 0)      // an index read from the map ...
                    .lsh(R3, 2)
                    .addReg(R0, R3)       // ... used as an offset without a bound check
                    .ldxW(R2, R0, 0)
                    .bind(pass)
                    .mov(R0, SK_PASS)
                    .exit();
            assertThatThrownBy(() -> BpfProgram.loadSkReuseport("hs_unbounded", Bpf.BPF_SK_REUSEPORT_SELECT, a))
                    .isInstanceOfSatisfying(KernelDispatchException.class, e -> {
                        assertThat(e.code()).isEqualTo(KernelDispatchException.Code.VERIFIER_REJECTED);
                        assertThat(e.verifierLog()).as("the log says which access it refused").containsPattern("(?s)R0.*(unbounded|outside|max value)");
                    });
        }
    }

    @Test
    void theShippedProgramsPassTheVerifierAtTheirLargestLimits() {
        DispatchLimits max = new DispatchLimits(65_535, 4096, 65_536, 262_144);
        for (KernelDispatch.Kind kind : KernelDispatch.Kind.values()) {
            for (boolean migrate : new boolean[] {false, true}) {
                try (KernelDispatch d = KernelDispatch.create(kind, max, migrate)) {
                    assertThat(d.kind()).isEqualTo(kind);
                    if (kind != KernelDispatch.Kind.KERNEL_HASH || migrate) {
                        assertThat(d.program().expectedAttachType())
                                .isEqualTo(migrate ? Bpf.BPF_SK_REUSEPORT_SELECT_OR_MIGRATE : Bpf.BPF_SK_REUSEPORT_SELECT);
                    }
                }
            }
        }
    }

    @Test
    void theProbeSaysAvailableHere() {
        KernelDispatchProbe.Result r = KernelDispatchProbe.probe();
        assertThat(r.reason()).as("why the probe failed as %s", Bpf.privilegeReport()).isEmpty();
        assertThat(r.available()).isTrue();
        KernelDispatchProbe.Result daemons = KernelDispatchProbe.probe(true);
        assertThat(daemons.reason()).as("why the daemon's probe (every program, SELECT_OR_MIGRATE) failed").isEmpty();
        assertThat(daemons.available()).isTrue();
    }

    /**
     * The test hook {@value BpfProgram#TEST_REJECT_PROPERTY}: every shipped program, of every kind
     * and attach type, is refused by this kernel's verifier itself (the hook puts a read of an
     * unwritten register first), and the error carries the verifier's log, the errno and what to
     * do; the daemon's probe says the same. Without the hook the same programs load.
     */
    @Test
    void theTestHookMakesTheKernelRefuseEveryShippedProgramAndTheErrorSaysWhatToDo() {
        DispatchLimits small = new DispatchLimits(4, 2, 4, 4);
        System.setProperty(BpfProgram.TEST_REJECT_PROPERTY, "true");
        try {
            for (KernelDispatch.Kind kind : KernelDispatch.Kind.values()) {
                for (boolean migrate : new boolean[] {false, true}) {
                    if (kind == KernelDispatch.Kind.KERNEL_HASH && !migrate) {
                        continue; // no program at all
                    }
                    assertThatThrownBy(() -> KernelDispatch.create(kind, small, migrate)).as("%s, migrate %s", kind, migrate)
                            .isInstanceOfSatisfying(KernelDispatchException.class, e -> {
                                assertThat(e.code()).isEqualTo(KernelDispatchException.Code.VERIFIER_REJECTED);
                                assertThat(e.errnoName()).isEqualTo("EACCES");
                                assertThat(e.verifierLog()).as("the kernel verifier's own words").contains("R9 !read_ok");
                            })
                            .hasMessageContaining("the verifier refused the program. What to do: hoststack's programs need"
                                    + " Linux 5.14 or later")
                            .hasMessageContaining("\nVerifier log:\n")
                            .hasMessageContaining("--dispatch handoff")
                            .hasMessageContaining("This kernel is Linux ")
                            .hasMessageContaining("corrupted on purpose: the test hook -D" + BpfProgram.TEST_REJECT_PROPERTY)
                            .hasMessageContaining("\nProgram:\n   0: ");
                }
            }
            KernelDispatchProbe.Result r = KernelDispatchProbe.probe(true);
            assertThat(r.available()).isFalse();
            assertThat(r.code()).isEqualTo(KernelDispatchException.Code.VERIFIER_REJECTED);
            assertThat(r.reason()).contains("EACCES", "R9 !read_ok", "What to do:");
        } finally {
            System.clearProperty(BpfProgram.TEST_REJECT_PROPERTY);
        }
        try (KernelDispatch d = KernelDispatch.create(KernelDispatch.Kind.SEQUENCE, small, true)) {
            assertThat(d.program().expectedAttachType()).as("the same program loads without the hook")
                    .isEqualTo(Bpf.BPF_SK_REUSEPORT_SELECT_OR_MIGRATE);
        }
    }

    /**
     * The probe as an unprivileged user ({@code setpriv --reuid 65534}): refused, and told what it
     * lacks. Classes and the JNA jar are copied where uid 65534 can read them.
     */
    @Test
    void aProcessWithoutPrivilegeIsToldWhatItLacks() throws Exception {
        Path setpriv = Stream.of("/usr/bin/setpriv", "/bin/setpriv").map(Paths::get).filter(Files::isExecutable).findFirst()
                .orElseThrow(() -> new AssertionError("setpriv (util-linux) is needed to run the probe as another user"));
        Path dir = Files.createTempDirectory("hs-probe");
        try {
            Path classes = Paths.get(KernelDispatchProbe.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            Path jna = Paths.get(Native.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            copyTree(classes, dir.resolve("classes"));
            Files.copy(jna, dir.resolve("jna.jar"));
            Files.createDirectories(dir.resolve("tmp"));
            try (Stream<Path> all = Files.walk(dir)) {
                for (Path p : (Iterable<Path>) all::iterator) {
                    Files.setPosixFilePermissions(p, PosixFilePermissions.fromString(Files.isDirectory(p) ? "rwxrwxrwx" : "rw-r--r--"));
                }
            }
            String java = Paths.get(System.getProperty("java.home"), "bin", "java").toString();
            List<String> command = new java.util.ArrayList<>(List.of(setpriv.toString(), "--reuid", "65534", "--regid", "65534",
                    "--clear-groups", java, "-Djna.tmpdir=" + dir.resolve("tmp")));
            if (Runtime.version().feature() >= 22) {
                command.add("--enable-native-access=ALL-UNNAMED"); // JNA's System.load, warned about since JDK 24
            }
            command.addAll(List.of("-cp", dir.resolve("classes") + ":" + dir.resolve("jna.jar"), KernelDispatchProbe.class.getName()));
            ProcessBuilder pb = new ProcessBuilder(command)
                    .directory(dir.toFile())
                    .redirectErrorStream(true);
            Process p = pb.start();
            assertThat(p.waitFor(30, TimeUnit.SECONDS)).as("probe finished within 30 s").isTrue();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            System.out.println("probe as uid 65534: " + out.strip());
            assertThat(p.exitValue()).as("exit status of the unprivileged probe; output: %s", out).isEqualTo(2);
            assertThat(out).contains("kernel dispatch: unavailable (NOT_PERMITTED)", "EPERM", "effective uid 65534",
                    "CAP_BPF no", "kernel.unprivileged_bpf_disabled=", "Run the daemon as root or grant it those capabilities");
        } finally {
            try (Stream<Path> all = Files.walk(dir)) {
                all.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    private static void copyTree(Path from, Path to) throws IOException {
        try (Stream<Path> all = Files.walk(from)) {
            for (Path p : (Iterable<Path>) all::iterator) {
                Path target = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(p, target, StandardCopyOption.REPLACE_EXISTING);
                }
            }
        }
    }
}
