package dev.hoststack.session.table;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hoststack.api.Endpoint;
import dev.hoststack.api.TransportProto;
import dev.hoststack.api.spi.FlowView;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/**
 * VPP's key layouts ({@code session_kv4_t}, {@code session_kv6_t}) word by word, written out as
 * hex constants, and listener keys.
 */
class SessionKeysTest {

    private static final int TCP = 6;
    private static final int UDP = 17;

    /** A flow as this host sees it. */
    private record Flow(boolean isIp4, int protocol, int localIp4, int remoteIp4,
                        long localIp6Hi, long localIp6Lo, long remoteIp6Hi, long remoteIp6Lo,
                        int localPort, int remotePort) implements FlowView {

        static Flow ip4(int localIp, int localPort, int remoteIp, int remotePort) {
            return new Flow(true, TCP, localIp, remoteIp, 0, 0, 0, 0, localPort, remotePort);
        }

        static Flow ip6(long localHi, long localLo, int localPort, long remoteHi, long remoteLo, int remotePort) {
            return new Flow(false, TCP, 0, 0, localHi, localLo, remoteHi, remoteLo, localPort, remotePort);
        }
    }

    private static long[] garbage(int words) {
        long[] k = new long[words];
        Arrays.fill(k, 0xDEAD_BEEF_DEAD_BEEFL);
        return k;
    }

    // 10.0.0.1, 192.168.1.2, 200.1.2.3 (high bit set), 2001:db8::1, fd00::2
    private static final int IP_10_0_0_1 = 0x0A00_0001;
    private static final int IP_192_168_1_2 = 0xC0A8_0102;
    private static final int IP_200_1_2_3 = 0xC801_0203;
    private static final long DB8_HI = 0x2001_0DB8_0000_0000L;
    private static final long FD00_HI = 0xFD00_0000_0000_0000L;

    @Test
    void ip4LayoutIsRemoteLocalThenProtoPorts() {
        long[] k = garbage(2);
        SessionKeys.ip4(k, TCP, IP_10_0_0_1, 80, IP_192_168_1_2, 40000);
        assertThat(k[0]).as("key[0] = remote ip << 32 | local ip: 0x%016x", k[0]).isEqualTo(0xC0A8_0102_0A00_0001L);
        assertThat(k[1]).as("key[1] = proto << 32 | remote port << 16 | local port: 0x%016x", k[1])
                .isEqualTo(0x0000_0006_9C40_0050L);
        assertThat(SessionKeys.IP4_WORDS).isEqualTo(2);
        assertThat(SessionKeys.IP4_MARKER).as("the marker word of an IPv4 key is the proto/ports word").isEqualTo(1);
    }

    @Test
    void ip4AddressesWithTheHighBitSetDoNotSpillIntoTheOtherHalf() {
        long[] k = garbage(2);
        SessionKeys.ip4(k, TCP, IP_200_1_2_3, 443, 0, 0);
        assertThat(k[0]).as("local 200.1.2.3, remote 0: no sign extension into the remote half").isEqualTo(0x0000_0000_C801_0203L);
        SessionKeys.ip4(k, TCP, 0, 443, IP_200_1_2_3, 1);
        assertThat(k[0]).as("remote 200.1.2.3, local 0").isEqualTo(0xC801_0203_0000_0000L);
        SessionKeys.ip4(k, TCP, -1, 0xFFFF, -1, 0xFFFF);
        assertThat(k).as("all-ones addresses and ports").containsExactly(-1L, 0x0000_0006_FFFF_FFFFL);
    }

    @Test
    void portsWordPacksAndMasks() {
        assertThat(SessionKeys.portsWord(TCP, 0x1234, 0xABCD)).isEqualTo(0x0000_0006_1234_ABCDL);
        assertThat(SessionKeys.portsWord(UDP, 0, 53)).isEqualTo(0x0000_0011_0000_0035L);
        assertThat(SessionKeys.portsWord(TCP, 0x1_0001, 0x2_0002)).as("ports are 16 bits: higher bits dropped")
                .isEqualTo(0x0000_0006_0001_0002L);
        assertThat(SessionKeys.portsWord(TCP, -1, -1)).as("negative ints mask to 65535").isEqualTo(0x0000_0006_FFFF_FFFFL);
    }

    @Test
    void ip6LayoutIsLocalRemoteProtoPortsZero() {
        long[] k = garbage(6);
        SessionKeys.ip6(k, TCP, DB8_HI, 1, 443, FD00_HI, 2, 50000);
        assertThat(k).as("lcl hi, lcl lo, rmt hi, rmt lo, proto/ports, 0").containsExactly(
                0x2001_0DB8_0000_0000L, 1L, 0xFD00_0000_0000_0000L, 2L, 0x0000_0006_C350_01BBL, 0L);
        assertThat(SessionKeys.IP6_WORDS).isEqualTo(6);
        assertThat(SessionKeys.IP6_MARKER).as("the marker word of an IPv6 key is the proto/ports word").isEqualTo(4);
    }

    @Test
    void connectionKeyOfAFlow() {
        long[] k = garbage(6);
        assertThat(SessionKeys.connection(k, Flow.ip4(IP_10_0_0_1, 80, IP_192_168_1_2, 40000))).as("IPv4 flow").isTrue();
        assertThat(Arrays.copyOf(k, 2)).containsExactly(0xC0A8_0102_0A00_0001L, 0x0000_0006_9C40_0050L);

        k = garbage(6);
        assertThat(SessionKeys.connection(k, Flow.ip6(DB8_HI, 1, 443, FD00_HI, 2, 50000))).as("IPv6 flow").isFalse();
        assertThat(k).containsExactly(DB8_HI, 1L, FD00_HI, 2L, 0x0000_0006_C350_01BBL, 0L);
    }

    @Test
    void theTwoDirectionsOfAConnectionHaveDifferentKeys() {
        long[] in = new long[2];
        long[] out = new long[2];
        SessionKeys.connection(in, Flow.ip4(IP_10_0_0_1, 80, IP_192_168_1_2, 40000));
        SessionKeys.connection(out, Flow.ip4(IP_192_168_1_2, 40000, IP_10_0_0_1, 80));
        assertThat(out).as("the reverse direction's key").isNotEqualTo(in)
                .containsExactly(0x0A00_0001_C0A8_0102L, 0x0000_0006_0050_9C40L);
    }

    @Test
    void listenerKeysHaveZeroRemoteAndOptionallyZeroLocalAddress() {
        Flow f4 = Flow.ip4(IP_10_0_0_1, 80, IP_192_168_1_2, 40000);
        long[] k = garbage(2);
        assertThat(SessionKeys.listener(k, f4, false)).isTrue();
        assertThat(k).as("exact IPv4 listener key of 10.0.0.1:80").containsExactly(0x0000_0000_0A00_0001L, 0x0000_0006_0000_0050L);
        assertThat(SessionKeys.listener(k, f4, true)).isTrue();
        assertThat(k).as("wildcard IPv4 listener key of port 80").containsExactly(0L, 0x0000_0006_0000_0050L);

        Flow f6 = Flow.ip6(DB8_HI, 1, 443, FD00_HI, 2, 50000);
        k = garbage(6);
        assertThat(SessionKeys.listener(k, f6, false)).isFalse();
        assertThat(k).as("exact IPv6 listener key of [2001:db8::1]:443")
                .containsExactly(DB8_HI, 1L, 0L, 0L, 0x0000_0006_0000_01BBL, 0L);
        k = garbage(6);
        assertThat(SessionKeys.listener(k, f6, true)).isFalse();
        assertThat(k).as("wildcard IPv6 listener key of port 443").containsExactly(0L, 0L, 0L, 0L, 0x0000_0006_0000_01BBL, 0L);
    }

    @Test
    void listenerKeyOfAnEndpointMatchesTheFlowsListenerKey() {
        Flow f4 = Flow.ip4(IP_10_0_0_1, 80, IP_192_168_1_2, 40000);
        long[] fromFlow = new long[2];
        SessionKeys.listener(fromFlow, f4, false);
        assertThat(SessionKeys.listener(Endpoint.parseUri("tcp://10.0.0.1/80"))).as("tcp://10.0.0.1/80")
                .hasSize(2).containsExactly(fromFlow);
        SessionKeys.listener(fromFlow, f4, true);
        assertThat(SessionKeys.listener(Endpoint.parseUri("tcp://0.0.0.0/80"))).as("tcp://0.0.0.0/80")
                .containsExactly(fromFlow);

        Flow f6 = Flow.ip6(DB8_HI, 1, 443, FD00_HI, 2, 50000);
        long[] fromFlow6 = new long[6];
        SessionKeys.listener(fromFlow6, f6, false);
        assertThat(SessionKeys.listener(Endpoint.parseUri("tcp://[2001:db8::1]/443"))).as("tcp://[2001:db8::1]/443")
                .hasSize(6).containsExactly(fromFlow6);
        SessionKeys.listener(fromFlow6, f6, true);
        assertThat(SessionKeys.listener(Endpoint.parseUri("tcp://::/443"))).as("tcp://::/443").containsExactly(fromFlow6);

        assertThat(SessionKeys.listener(Endpoint.parseUri("udp://10.0.0.1/53")))
                .as("a UDP listener carries protocol 17").containsExactly(0x0000_0000_0A00_0001L, 0x0000_0011_0000_0035L);
        assertThat(SessionKeys.listener(Endpoint.parseUri("tcp://200.1.2.3/8080")))
                .as("high-bit local address").containsExactly(0x0000_0000_C801_0203L, 0x0000_0006_0000_1F90L);
    }

    @Test
    void isListenerKeyLooksAtRemoteAddressAndPortOnly() {
        long[] k = new long[2];
        SessionKeys.ip4(k, TCP, IP_10_0_0_1, 80, 0, 0);
        assertThat(SessionKeys.isListenerKey(k, 2)).as("IPv4 listener key").isTrue();
        SessionKeys.ip4(k, TCP, 0, 80, 0, 0);
        assertThat(SessionKeys.isListenerKey(k, 2)).as("IPv4 wildcard listener key").isTrue();
        SessionKeys.ip4(k, TCP, IP_10_0_0_1, 80, IP_192_168_1_2, 40000);
        assertThat(SessionKeys.isListenerKey(k, 2)).as("IPv4 connection key").isFalse();
        SessionKeys.ip4(k, TCP, IP_10_0_0_1, 80, 0, 40000);
        assertThat(SessionKeys.isListenerKey(k, 2)).as("IPv4 key with a remote port only").isFalse();
        SessionKeys.ip4(k, TCP, IP_10_0_0_1, 80, IP_200_1_2_3, 0);
        assertThat(SessionKeys.isListenerKey(k, 2)).as("IPv4 key with a (high-bit) remote address only").isFalse();
        SessionKeys.ip4(k, TCP, IP_10_0_0_1, 0xFFFF, 0, 0);
        assertThat(SessionKeys.isListenerKey(k, 2)).as("IPv4 listener on port 65535").isTrue();

        long[] k6 = new long[6];
        SessionKeys.ip6(k6, TCP, DB8_HI, 1, 443, 0, 0, 0);
        assertThat(SessionKeys.isListenerKey(k6, 6)).as("IPv6 listener key").isTrue();
        SessionKeys.ip6(k6, TCP, 0, 0, 443, 0, 0, 0);
        assertThat(SessionKeys.isListenerKey(k6, 6)).as("IPv6 wildcard listener key").isTrue();
        SessionKeys.ip6(k6, TCP, DB8_HI, 1, 443, FD00_HI, 2, 50000);
        assertThat(SessionKeys.isListenerKey(k6, 6)).as("IPv6 connection key").isFalse();
        SessionKeys.ip6(k6, TCP, DB8_HI, 1, 443, FD00_HI, 0, 0);
        assertThat(SessionKeys.isListenerKey(k6, 6)).as("IPv6 key with remote high word only").isFalse();
        SessionKeys.ip6(k6, TCP, DB8_HI, 1, 443, 0, 2, 0);
        assertThat(SessionKeys.isListenerKey(k6, 6)).as("IPv6 key with remote low word only").isFalse();
        SessionKeys.ip6(k6, TCP, DB8_HI, 1, 443, 0, 0, 1);
        assertThat(SessionKeys.isListenerKey(k6, 6)).as("IPv6 key with remote port only").isFalse();
    }

    @Test
    void protoOfAMarkerWord() {
        assertThat(SessionKeys.proto(SessionKeys.portsWord(TCP, 1, 2))).isEqualTo(TransportProto.TCP);
        assertThat(SessionKeys.proto(SessionKeys.portsWord(UDP, 1, 2))).isEqualTo(TransportProto.UDP);
        assertThat(SessionKeys.proto(SessionKeys.portsWord(0, 1, 2))).as("protocol 0").isNull();
        assertThat(SessionKeys.proto(SessionKeys.portsWord(132, 1, 2))).as("SCTP, not modelled").isNull();
        assertThat(SessionKeys.proto(SessionKeys.listener(Endpoint.parseUri("udp://[::]/53"))[SessionKeys.IP6_MARKER]))
                .isEqualTo(TransportProto.UDP);
    }

    @Test
    void everyRealKeyHasANonZeroMarkerWord() {
        // 0 marks an empty table slot and -1 a tombstone: no key built here may be either
        long[] k = new long[6];
        SessionKeys.ip4(k, TCP, 0, 0, 0, 0);
        assertThat(k[SessionKeys.IP4_MARKER]).as("IPv4 key with every field zero but the protocol").isNotZero().isNotEqualTo(-1L);
        SessionKeys.ip4(k, TCP, -1, 0xFFFF, -1, 0xFFFF);
        assertThat(k[SessionKeys.IP4_MARKER]).as("IPv4 key with every field all-ones").isNotZero().isNotEqualTo(-1L);
        SessionKeys.ip6(k, UDP, 0, 0, 0, 0, 0, 0);
        assertThat(k[SessionKeys.IP6_MARKER]).as("IPv6 key with every field zero but the protocol").isNotZero().isNotEqualTo(-1L);
    }
}
