package dev.hoststack.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.Inet4Address;
import java.net.Inet6Address;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** {@link Endpoint#parseUri}: VPP-style {@code proto://address/port} URIs, and its errors. */
class EndpointTest {

    @Test
    void parsesTheIpv4Wildcard() {
        Endpoint e = Endpoint.parseUri("tcp://0.0.0.0/80");
        assertThat(e.proto()).as("proto of tcp://0.0.0.0/80").isEqualTo(TransportProto.TCP);
        assertThat(e.address()).as("address of tcp://0.0.0.0/80").isInstanceOf(Inet4Address.class).isEqualTo(Ip.ANY4);
        assertThat(e.port()).as("port of tcp://0.0.0.0/80").isEqualTo(80);
        assertThat(e.isIp4()).as("isIp4 of tcp://0.0.0.0/80").isTrue();
        assertThat(e.isWildcard()).as("isWildcard of tcp://0.0.0.0/80").isTrue();
        assertThat(e.toUri()).as("toUri of tcp://0.0.0.0/80").isEqualTo("tcp://0.0.0.0/80");
    }

    @Test
    void parsesTheIpv6Wildcard() {
        Endpoint e = Endpoint.parseUri("tcp://::/443");
        assertThat(e.address()).as("address of tcp://::/443").isInstanceOf(Inet6Address.class).isEqualTo(Ip.ANY6);
        assertThat(e.port()).as("port of tcp://::/443").isEqualTo(443);
        assertThat(e.isIp4()).as("isIp4 of tcp://::/443").isFalse();
        assertThat(e.isWildcard()).as("isWildcard of tcp://::/443").isTrue();
        assertThat(e.toUri()).as("toUri of tcp://::/443").isEqualTo("tcp://::/443");
        assertThat(e.hostPort()).as("hostPort of tcp://::/443").isEqualTo("[::]:443");
    }

    @Test
    void parsesABracketedIpv6Address() {
        Endpoint e = Endpoint.parseUri("tcp://[::1]/443");
        assertThat(e.address()).as("address of tcp://[::1]/443").isInstanceOf(Inet6Address.class)
                .isEqualTo(Ip.parseAddress("::1", "test"));
        assertThat(e.port()).as("port of tcp://[::1]/443").isEqualTo(443);
        assertThat(e.isWildcard()).as("isWildcard of tcp://[::1]/443").isFalse();
        assertThat(e).as("tcp://[::1]/443 and tcp://::1/443 name the same endpoint").isEqualTo(Endpoint.parseUri("tcp://::1/443"));
        assertThat(e.toUri()).as("toUri of tcp://[::1]/443 (VPP's form, unbracketed)").isEqualTo("tcp://::1/443");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({
        "tcp://10.0.0.1/80, TCP, 10.0.0.1, 80",
        "tcp://2001:db8::1/443, TCP, 2001:db8::1, 443",
        "udp://192.168.1.1/53, UDP, 192.168.1.1, 53",
        "tcp://10.0.0.1/65535, TCP, 10.0.0.1, 65535",
    })
    void parsesAndPrintsBack(String uri, TransportProto proto, String address, int port) {
        Endpoint e = Endpoint.parseUri(uri);
        assertThat(e).as("parseUri(%s)", uri).isEqualTo(new Endpoint(proto, Ip.parseAddress(address, "test"), port));
        assertThat(e.toUri()).as("toUri of parseUri(%s)", uri).isEqualTo(uri);
        assertThat(Endpoint.parseUri(e.toUri())).as("parseUri(toUri(%s))", uri).isEqualTo(e);
    }

    @Test
    void wildcardKeepsProtocolPortAndFamily() {
        assertThat(Endpoint.parseUri("tcp://10.0.0.1/80").wildcard()).as("wildcard of tcp://10.0.0.1/80")
                .isEqualTo(Endpoint.parseUri("tcp://0.0.0.0/80"));
        assertThat(Endpoint.parseUri("tcp://2001:db8::1/443").wildcard()).as("wildcard of tcp://2001:db8::1/443")
                .isEqualTo(Endpoint.parseUri("tcp://::/443"));
    }

    @Test
    void rejectsAnUnknownSchemeNamingTheKnownOnes() {
        assertThatThrownBy(() -> Endpoint.parseUri("http://0.0.0.0/80"))
                .as("parseUri(http://0.0.0.0/80)")
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("http://0.0.0.0/80")
                .hasMessageContaining("unknown protocol 'http'")
                .hasMessageContaining("tcp");
    }

    @Test
    void rejectsTextThatIsNotAUri() {
        assertThatThrownBy(() -> Endpoint.parseUri("0.0.0.0:80"))
                .as("parseUri(0.0.0.0:80)")
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'0.0.0.0:80'")
                .hasMessageContaining("proto://address/port");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({
        "tcp://300.0.0.1/80, 300.0.0.1",
        "tcp://10.0.0/80, 10.0.0",
        "tcp://localhost/80, localhost",
        "tcp://2001:db8::g/443, 2001:db8::g",
        "tcp://[::1/443, [::1",
    })
    void rejectsABadAddressNamingIt(String uri, String address) {
        assertThatThrownBy(() -> Endpoint.parseUri(uri))
                .as("parseUri(%s)", uri)
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(uri)
                .hasMessageContaining("'" + address + "' is not an IPv4 or IPv6 address");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({
        "tcp://0.0.0.0/http, port 'http' is not a number",
        "tcp://0.0.0.0/, port '' is not a number",
        "tcp://0.0.0.0/65536, port 65536 is not in 0..65535",
        "tcp://0.0.0.0/-1, port '-1' is not a number",
        "tcp://0.0.0.0/+80, port '+80' is not a number",
        "tcp://[::1]/99999, port 99999 is not in 0..65535",
    })
    void rejectsABadPortNamingIt(String uri, String message) {
        assertThatThrownBy(() -> Endpoint.parseUri(uri))
                .as("parseUri(%s)", uri)
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(uri)
                .hasMessageContaining(message);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({"tcp://0.0.0.0", "tcp://[::1]", "tcp://::1", "tcp://", "tcp:///80"})
    void rejectsAMissingPortOrAddressShowingTheForm(String uri) {
        assertThatThrownBy(() -> Endpoint.parseUri(uri))
                .as("parseUri(%s)", uri)
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(uri)
                .hasMessageContaining("proto://address/port");
    }

    @Test
    void rejectsANullUri() {
        assertThatThrownBy(() -> Endpoint.parseUri(null)).as("parseUri(null)")
                .isInstanceOf(NullPointerException.class).hasMessageContaining("uri");
    }

    @Test
    void theConstructorChecksThePort() {
        assertThatThrownBy(() -> new Endpoint(TransportProto.TCP, Ip.ANY4, 65_536)).as("new Endpoint(tcp, 0.0.0.0, 65536)")
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("65536");
    }
}
