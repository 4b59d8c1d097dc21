package dev.hoststack.daemon;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** The daemon's configuration refuses what the stack would refuse later, with a message naming it. */
class DaemonConfigTest {

    private static final Path DIR = Path.of("/tmp/hoststack-config-test");

    @Test
    void namespacesParseHexSecretsAndCheckTheirFib() {
        assertThat(DaemonConfig.Namespace.parse("blue:0x2a:1")).isEqualTo(new DaemonConfig.Namespace("blue", 42, 1));
        assertThat(DaemonConfig.Namespace.parse("blue:0xffffffffffffffff:65535").secret()).isEqualTo(-1L);
        assertThat(DaemonConfig.Namespace.parse("blue:-7:0").secret()).isEqualTo(-7L);
        assertThatThrownBy(() -> DaemonConfig.Namespace.parse("blue:42:70000"))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("namespace 'blue': FIB 70000 is not in 0..65535");
        assertThatThrownBy(() -> DaemonConfig.Namespace.parse("blue:42:-1")).hasMessageContaining("FIB -1 is not in 0..65535");
        assertThatThrownBy(() -> DaemonConfig.Namespace.parse("blue:x:1")).hasMessageContaining("SECRET 'x'");
        assertThatThrownBy(() -> DaemonConfig.Namespace.parse("blue:1:x")).hasMessageContaining("FIB 'x'");
        assertThatThrownBy(() -> DaemonConfig.Namespace.parse(":1:1")).hasMessageContaining("a name is one word");
        assertThatThrownBy(() -> DaemonConfig.Namespace.parse("a:b:1:2")).hasMessageContaining("expected NAME:SECRET:FIB");
        assertThatThrownBy(() -> new DaemonConfig.Namespace("default", 0, 0)).hasMessageContaining("'default' always exists");
    }

    @Test
    void aNamespaceGivenTwiceIsRefused() {
        DaemonConfig.Builder b = DaemonConfig.builder(DIR).namespace(DaemonConfig.Namespace.parse("a:1:1"))
                .namespace(DaemonConfig.Namespace.parse("a:2:2"));
        assertThatThrownBy(b::build).isInstanceOf(IllegalArgumentException.class).hasMessage("namespace 'a' is given twice");
    }

    @Test
    void aStartFailureIsOneLineNamingTheInnermostCause() {
        IOException wrapped = new IOException("the daemon could not start: com.google.inject.CreationException: Unable to"
                + " create injector, see the following errors:\n\n1) [Guice/ErrorInCustomProvider] ...",
                new RuntimeException("wrapper", new IllegalArgumentException("UNKNOWN_SELECTOR: no reuseport selector"
                        + " named 'x' (known: hash, roundrobin)\n  at ...")));
        assertThat(DaemonMain.oneLine(wrapped))
                .isEqualTo("the daemon could not start: UNKNOWN_SELECTOR: no reuseport selector named 'x' (known: hash, roundrobin)");
        assertThat(DaemonMain.oneLine(new IOException("a daemon already answers on /x/hoststack.sock; stop it")))
                .isEqualTo("a daemon already answers on /x/hoststack.sock; stop it");
        assertThat(DaemonMain.oneLine(new java.nio.file.NoSuchFileException("/proc/foo")))
                .as("the JDK's bare path, said in words").isEqualTo("cannot make or use the control directory: /proc/foo:"
                        + " no such file or directory");
    }
}
