package dev.hoststack.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetSocketAddress;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** {@link Ip}: addresses as numbers, and {@link Ip#parseHostPort}. */
class IpTest {

    @Test
    void parsesIpv4HostPort() {
        InetSocketAddress a = Ip.parseHostPort("10.0.0.1:40000");
        assertThat(a.isUnresolved()).as("10.0.0.1:40000 is a literal, never looked up").isFalse();
        assertThat(a.getAddress()).as("address of 10.0.0.1:40000").isEqualTo(Ip.fromIp4(0x0a000001));
        assertThat(a.getPort()).as("port of 10.0.0.1:40000").isEqualTo(40000);
    }

    @Test
    void parsesBracketedIpv6HostPort() {
        InetSocketAddress a = Ip.parseHostPort("[2001:db8::1]:40000");
        assertThat(a.isUnresolved()).as("[2001:db8::1]:40000 is a literal").isFalse();
        assertThat(a.getAddress()).as("address of [2001:db8::1]:40000")
                .isEqualTo(Ip.fromIp6(0x2001_0db8_0000_0000L, 1L));
        assertThat(a.getPort()).as("port of [2001:db8::1]:40000").isEqualTo(40000);
        assertThat(Ip.parseHostPort("[::]:0").getAddress()).as("address of [::]:0").isEqualTo(Ip.ANY6);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', quoteCharacter = '"', value = {
        "2001:db8::1:40000 | needs brackets",
        "10.0.0.1 | expected address:port",
        ":80 | expected address:port",
        "10.0.0.1:x | port 'x' is not a number",
        "10.0.0.1: | port '' is not a number",
        "10.0.0.1:70000 | port 70000 is not in 0..65535",
        "example.com:80 | 'example.com' is not an IPv4 or IPv6 address",
        "[2001:db8::g]:80 | '[2001:db8::g]' is not an IPv4 or IPv6 address",
    })
    void rejectsBadHostPortSayingWhatIsWrong(String text, String message) {
        assertThatThrownBy(() -> Ip.parseHostPort(text))
                .as("parseHostPort(%s)", text)
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(text)
                .hasMessageContaining(message);
    }

    @Test
    void ip4IsANetworkOrderInt() {
        assertThat(Ip.ip4(Ip.parseAddress("10.0.0.2", "test"))).as("ip4(10.0.0.2)").isEqualTo(0x0a000002);
        assertThat(Ip.ip4(Ip.parseAddress("255.255.255.255", "test"))).as("ip4(255.255.255.255)").isEqualTo(-1);
        assertThat(Ip.ip4String(0xc0a80101)).as("ip4String(0xc0a80101)").isEqualTo("192.168.1.1");
        assertThat(Ip.ip4(Ip.fromIp4(0x80000001))).as("ip4(fromIp4(0x80000001))").isEqualTo(0x80000001);
    }

    @Test
    void ip6IsTwoNetworkOrderLongs() {
        var a = Ip.parseAddress("2001:db8::1:2", "test");
        assertThat(Ip.ip6Hi(a)).as("ip6Hi(2001:db8::1:2)").isEqualTo(0x2001_0db8_0000_0000L);
        assertThat(Ip.ip6Lo(a)).as("ip6Lo(2001:db8::1:2)").isEqualTo(0x0000_0000_0001_0002L);
        assertThat(Ip.fromIp6(0x2001_0db8_0000_0000L, 0x0000_0000_0001_0002L)).as("fromIp6 of its halves").isEqualTo(a);
    }
}
