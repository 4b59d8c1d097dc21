package dev.hoststack.pcap;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Builds synthetic captures and frames for tests, and loads the real fixtures.
 */
final class CaptureBytes {

    static final String[] FIXTURES = {
        "lo-ipv4-ethernet.pcap", "any-mixed-sll2-nano.pcap", "any-mixed-sll.pcap",
        "lo-mixed-dumpcap.pcapng", "lo-ipv4-rawip.pcap", "merged-eth-sll2.pcapng",
    };

    private CaptureBytes() {
    }

    static Path fixture(String name) {
        try {
            return Paths.get(CaptureBytes.class.getResource("/captures/" + name).toURI());
        } catch (Exception e) {
            throw new IllegalStateException("fixture " + name + " not found under test resources /captures", e);
        }
    }

    static byte[] fixtureBytes(String name) {
        try {
            return Files.readAllBytes(fixture(name));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * The IP packets of a little-endian classic pcap fixture, cut out by hand (not with the reader
     * under test): records whose link-layer protocol field at {@code protoAt} equals
     * {@code ethertype}, with {@code header} bytes of link layer removed.
     */
    static List<byte[]> realIpPackets(String name, int header, int protoAt, int ethertype) {
        ByteBuffer b = ByteBuffer.wrap(fixtureBytes(name)).order(ByteOrder.LITTLE_ENDIAN);
        List<byte[]> out = new ArrayList<>();
        int p = 24;
        while (p + 16 <= b.limit()) {
            int incl = b.getInt(p + 8);
            int data = p + 16;
            int proto = (b.get(data + protoAt) & 0xFF) << 8 | (b.get(data + protoAt + 1) & 0xFF);
            if (proto == ethertype) {
                out.add(Arrays.copyOfRange(b.array(), data + header, data + incl));
            }
            p = data + incl;
        }
        return out;
    }

    /** Real IPv4 TCP packets (127.0.0.1) from the Ethernet fixture. */
    static List<byte[]> realIpv4() {
        return realIpPackets("lo-ipv4-ethernet.pcap", 14, 12, 0x0800);
    }

    /** Real IPv6 TCP packets (::1) from the SLL2 fixture. */
    static List<byte[]> realIpv6() {
        return realIpPackets("any-mixed-sll2-nano.pcap", 20, 0, 0x86DD);
    }

    static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }

    static byte[] be16(int v) {
        return new byte[] {(byte) (v >>> 8), (byte) v};
    }

    static byte[] be32(int v) {
        return ByteBuffer.allocate(4).putInt(v).array();
    }

    static byte[] le32(int v) {
        return ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(v).array();
    }

    // ---- link-layer frames ----

    static final byte[] MAC_A = {2, 0, 0, 0, 0, 1};
    static final byte[] MAC_B = {2, 0, 0, 0, 0, 2};

    static byte[] ethernet(int ethertype, byte[] payload) {
        return concat(MAC_A, MAC_B, be16(ethertype), payload);
    }

    /** An Ethernet frame with VLAN tags: each tag is {tpid, vid}, outermost first. */
    static byte[] ethernetTagged(int[][] tags, int ethertype, byte[] payload) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(MAC_A);
        out.writeBytes(MAC_B);
        for (int[] tag : tags) {
            out.writeBytes(be16(tag[0]));
            out.writeBytes(be16(tag[1]));
        }
        out.writeBytes(be16(ethertype));
        out.writeBytes(payload);
        return out.toByteArray();
    }

    /** An ARP request frame body (28 bytes). */
    static byte[] arp() {
        return concat(be16(1), be16(0x0800), new byte[] {6, 4}, be16(1), MAC_A, new byte[] {127, 0, 0, 1},
                new byte[6], new byte[] {127, 0, 0, 2});
    }

    /** Linux cooked v1: packet type, ARPHRD, address length, 8 address bytes, protocol. */
    static byte[] sll(int protocol, byte[] payload) {
        return concat(be16(0), be16(772), be16(6), MAC_A, new byte[2], be16(protocol), payload);
    }

    /** Linux cooked v2: protocol, reserved, ifindex, ARPHRD, packet type, address length, 8 address bytes. */
    static byte[] sll2(int protocol, byte[] payload) {
        return concat(be16(protocol), be16(0), be32(1), be16(772), new byte[] {0, 6}, MAC_A, new byte[2], payload);
    }

    static byte[] nullHeader(int af, ByteOrder order, byte[] payload) {
        return concat(order == ByteOrder.BIG_ENDIAN ? be32(af) : le32(af), payload);
    }

    // ---- classic pcap ----

    /** A classic pcap file builder. */
    static final class Pcap {
        private final ByteBuffer b = ByteBuffer.allocate(1 << 20);

        Pcap(ByteOrder order, boolean nanos, int linkType) {
            this(order, nanos, linkType, 262144);
        }

        Pcap(ByteOrder order, boolean nanos, long linkType, long snaplen) {
            b.order(order);
            b.putInt(nanos ? 0xA1B23C4D : 0xA1B2C3D4).putShort((short) 2).putShort((short) 4).putInt(0).putInt(0)
                    .putInt((int) snaplen).putInt((int) linkType);
        }

        Pcap record(long seconds, long fraction, byte[] frame) {
            return record(seconds, fraction, frame, frame.length, frame.length);
        }

        Pcap record(long seconds, long fraction, byte[] frame, long incl, long orig) {
            b.putInt((int) seconds).putInt((int) fraction).putInt((int) incl).putInt((int) orig).put(frame);
            return this;
        }

        Pcap raw(byte[] bytes) {
            b.put(bytes);
            return this;
        }

        int size() {
            return b.position();
        }

        byte[] bytes() {
            return Arrays.copyOf(b.array(), b.position());
        }
    }

    // ---- pcapng ----

    /** A pcapng file builder; every block in the byte order of its section. */
    static final class Pcapng {
        private final ByteArrayOutputStream out = new ByteArrayOutputStream();
        private ByteOrder order;

        Pcapng(ByteOrder order) {
            section(order);
        }

        Pcapng section(ByteOrder sectionOrder) {
            this.order = sectionOrder;
            ByteBuffer body = buf(16).putInt(0x1A2B3C4D).putShort((short) 1).putShort((short) 0).putLong(-1);
            return block(0x0A0D0D0A, body.array());
        }

        ByteBuffer buf(int n) {
            return ByteBuffer.allocate(n).order(order);
        }

        /** An IDB; {@code tsresol} < 0 leaves the option out; {@code tsoffset} 0 leaves it out. */
        Pcapng idb(int linkType, long snaplen, int tsresol, long tsoffset) {
            ByteArrayOutputStream body = new ByteArrayOutputStream();
            body.writeBytes(buf(8).putShort((short) linkType).putShort((short) 0).putInt((int) snaplen).array());
            body.write(buf(8).putShort((short) 2).putShort((short) 2).put((byte) 0x6c).put((byte) 0x6f).array(), 0, 8); // if_name "lo"
            if (tsresol >= 0) {
                body.writeBytes(buf(8).putShort((short) 9).putShort((short) 1).put((byte) tsresol).array());
            }
            if (tsoffset != 0) {
                body.writeBytes(buf(12).putShort((short) 14).putShort((short) 8).putLong(tsoffset).array());
            }
            body.writeBytes(buf(4).array()); // opt_endofopt
            return block(1, body.toByteArray());
        }

        Pcapng idb(int linkType) {
            return idb(linkType, 262144, -1, 0);
        }

        Pcapng epb(int iface, long ticks, byte[] frame) {
            return epb(iface, ticks, frame, frame.length, frame.length);
        }

        Pcapng epb(int iface, long ticks, byte[] frame, long captured, long original) {
            ByteBuffer head = buf(20).putInt(iface).putInt((int) (ticks >>> 32)).putInt((int) ticks)
                    .putInt((int) captured).putInt((int) original);
            return block(6, concat(head.array(), padded(frame)));
        }

        /** Obsolete Packet Block (type 2). */
        Pcapng pb(int iface, long ticks, byte[] frame) {
            ByteBuffer head = buf(20).putShort((short) iface).putShort((short) 0).putInt((int) (ticks >>> 32))
                    .putInt((int) ticks).putInt(frame.length).putInt(frame.length);
            return block(2, concat(head.array(), padded(frame)));
        }

        Pcapng spb(byte[] frame, long original) {
            return block(3, concat(buf(4).putInt((int) original).array(), padded(frame)));
        }

        /** A block with the given type and body (padded to 4), correct lengths. */
        Pcapng block(int type, byte[] body) {
            byte[] p = padded(body);
            int total = 12 + p.length;
            out.writeBytes(buf(8).putInt(type).putInt(total).array());
            out.writeBytes(p);
            out.writeBytes(buf(4).putInt(total).array());
            return this;
        }

        Pcapng raw(byte[] bytes) {
            out.writeBytes(bytes);
            return this;
        }

        int size() {
            return out.size();
        }

        byte[] bytes() {
            return out.toByteArray();
        }

        static byte[] padded(byte[] b) {
            return Arrays.copyOf(b, (b.length + 3) & ~3);
        }
    }
}
