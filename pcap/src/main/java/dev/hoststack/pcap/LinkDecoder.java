package dev.hoststack.pcap;

import java.nio.ByteBuffer;

/**
 * Finds the IP packet inside a link-layer frame, or the reason there is none.
 *
 * <p>Reads are byte-wise big-endian, independent of the buffer's byte order (which follows the
 * capture file's), and every read is preceded by a length check against the captured bytes.
 * Allocates nothing.
 */
final class LinkDecoder {

    /** Returned by {@link #decode} when the record now holds an IP packet. */
    static final int IP = -1;

    private static final int ETHERTYPE_IPV4 = 0x0800;
    private static final int ETHERTYPE_IPV6 = 0x86DD;
    private static final int ETHERTYPE_8021Q = 0x8100;
    private static final int ETHERTYPE_8021AD = 0x88A8;
    private static final int ETHERTYPE_QINQ_OLD = 0x9100;

    private static final int AF_INET = 2;

    private LinkDecoder() {
    }

    /**
     * Decodes the frame {@code [off, off + len)} of the given link type into {@code rec}'s IP
     * fields.
     *
     * @return {@link #IP}, or the ordinal of the {@link SkipReason}
     */
    static int decode(ByteBuffer b, int linkType, int off, int len, PacketRecord rec) {
        int end = off + len;
        switch (linkType) {
            case LinkTypes.EN10MB:
                if (len < 14) {
                    return SkipReason.TRUNCATED_LINK_HEADER.ordinal();
                }
                return ethertype(b, u16(b, off + 12), off + 14, end, SkipReason.NON_IP_ETHERTYPE, rec);
            case LinkTypes.LINUX_SLL:
                if (len < 16) {
                    return SkipReason.TRUNCATED_LINK_HEADER.ordinal();
                }
                return ethertype(b, u16(b, off + 14), off + 16, end, SkipReason.NON_IP_SLL_PROTOCOL, rec);
            case LinkTypes.LINUX_SLL2:
                if (len < 20) {
                    return SkipReason.TRUNCATED_LINK_HEADER.ordinal();
                }
                return ethertype(b, u16(b, off), off + 20, end, SkipReason.NON_IP_SLL_PROTOCOL, rec);
            case LinkTypes.NULL: {
                if (len < 4) {
                    return SkipReason.TRUNCATED_LINK_HEADER.ordinal();
                }
                // host byte order of the capturing machine, which need not be the file's: AF values
                // are small, so a value with only high bytes set was written the other way round
                int af = u32(b, off);
                if ((af & 0xFFFF0000) != 0) {
                    af = Integer.reverseBytes(af);
                }
                return addressFamily(b, af, off + 4, end, rec);
            }
            case LinkTypes.LOOP:
                if (len < 4) {
                    return SkipReason.TRUNCATED_LINK_HEADER.ordinal();
                }
                return addressFamily(b, u32(b, off), off + 4, end, rec);
            case LinkTypes.RAW:
            case LinkTypes.RAW_12:
            case LinkTypes.RAW_14:
                return ip(b, off, end, 0, rec);
            case LinkTypes.IPV4:
                return ip(b, off, end, 4, rec);
            case LinkTypes.IPV6:
                return ip(b, off, end, 6, rec);
            default:
                // the parsers reject unsupported link types before decoding
                throw new AssertionError("link type " + linkType + " was not checked");
        }
    }

    private static int ethertype(ByteBuffer b, int type, int p, int end, SkipReason nonIp, PacketRecord rec) {
        int t = type;
        int q = p;
        while (t == ETHERTYPE_8021Q || t == ETHERTYPE_8021AD || t == ETHERTYPE_QINQ_OLD) {
            if (end - q < 4) {
                return SkipReason.TRUNCATED_LINK_HEADER.ordinal();
            }
            t = u16(b, q + 2);
            q += 4;
        }
        if (t == ETHERTYPE_IPV4) {
            return ip(b, q, end, 4, rec);
        }
        if (t == ETHERTYPE_IPV6) {
            return ip(b, q, end, 6, rec);
        }
        return nonIp.ordinal();
    }

    private static int addressFamily(ByteBuffer b, int af, int p, int end, PacketRecord rec) {
        if (af == AF_INET) {
            return ip(b, p, end, 4, rec);
        }
        // AF_INET6: 24 on NetBSD/OpenBSD/BSD/OS, 28 on FreeBSD/DragonFly, 30 on Darwin
        if (af == 24 || af == 28 || af == 30) {
            return ip(b, p, end, 6, rec);
        }
        return SkipReason.NON_IP_ADDRESS_FAMILY.ordinal();
    }

    /** Checks the IP header at {@code p}; {@code expected} is 4, 6 or 0 for either. */
    private static int ip(ByteBuffer b, int p, int end, int expected, PacketRecord rec) {
        int avail = end - p;
        if (avail < 1) {
            return SkipReason.TRUNCATED_IP_HEADER.ordinal();
        }
        int first = b.get(p) & 0xFF;
        int version = first >>> 4;
        if ((version != 4 && version != 6) || (expected != 0 && version != expected)) {
            return SkipReason.BAD_IP_VERSION.ordinal();
        }
        if (version == 4) {
            if (avail < 20) {
                return SkipReason.TRUNCATED_IP_HEADER.ordinal();
            }
            int ihl = (first & 0x0F) * 4;
            if (ihl < 20) {
                return SkipReason.MALFORMED_IP_HEADER.ordinal();
            }
            if (avail < ihl) {
                return SkipReason.TRUNCATED_IP_HEADER.ordinal();
            }
            int total = u16(b, p + 2);
            if (total != 0 && total < ihl) {
                return SkipReason.MALFORMED_IP_HEADER.ordinal();
            }
            // total length 0: large segments (TSO/BIG TCP) as seen on the sending host
            rec.setIp(4, p, total == 0 ? avail : Math.min(avail, total));
            return IP;
        }
        if (avail < 40) {
            return SkipReason.TRUNCATED_IP_HEADER.ordinal();
        }
        int payload = u16(b, p + 4);
        // payload length 0: a jumbogram or a large segment as seen on the sending host
        rec.setIp(6, p, payload == 0 ? avail : Math.min(avail, 40 + payload));
        return IP;
    }

    private static int u16(ByteBuffer b, int i) {
        return (b.get(i) & 0xFF) << 8 | (b.get(i + 1) & 0xFF);
    }

    private static int u32(ByteBuffer b, int i) {
        return (b.get(i) & 0xFF) << 24 | (b.get(i + 1) & 0xFF) << 16 | (b.get(i + 2) & 0xFF) << 8 | (b.get(i + 3) & 0xFF);
    }
}
