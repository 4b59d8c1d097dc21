package dev.hoststack.pcap;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.Locale;

/**
 * pcapng: blocks of {@code type, total length, body, total length}, in sections that each open
 * with a Section Header Block (SHB) fixing the byte order.
 *
 * <p>Read: SHB (byte order, major version 1; every new SHB starts a new section and forgets the
 * interfaces), Interface Description Block (link type, snaplen, the {@code if_tsresol} and
 * {@code if_tsoffset} options), Enhanced Packet Block, Simple Packet Block (interface 0, no
 * timestamp) and the obsolete Packet Block. Every other block (Interface Statistics, Name
 * Resolution, Decryption Secrets, custom...) is skipped by its length and counted.
 *
 * <p>Checked for every block: a total length of at least 12 and the type's minimum, a multiple of
 * 4 (so every block starts 4-byte aligned), within the capture, and equal to the trailing copy.
 * For packet blocks: the interface id is one of the section's IDBs so far, the captured length
 * fits in the block and is at most the original length and the interface's snaplen (when not 0).
 * IDB options are checked to stay within the block. The SHB's section length and options are not
 * used, so not checked.
 */
final class PcapngFrameParser extends FrameParser {

    static final int SHB = CaptureFormat.PCAPNG_SHB;
    static final int IDB = 1;
    static final int PB = 2;
    static final int SPB = 3;
    static final int EPB = 6;
    static final int BYTE_ORDER_MAGIC = 0x1A2B3C4D;

    private static final int OPT_ENDOFOPT = 0;
    private static final int OPT_IF_TSRESOL = 9;
    private static final int OPT_IF_TSOFFSET = 14;

    private int pos;
    private long sections;

    private int interfaces;
    private int[] ifLinkType = new int[4];
    private long[] ifSnaplen = new long[4];
    private int[] ifTsresol = new int[4];
    private long[] ifTsOffsetNanos = new long[4];
    private int[] ifBlockOffset = new int[4];

    PcapngFrameParser(ByteBuffer buf, ByteBuffer view) {
        super(buf, view);
        if (limit < 4 || buf.order(ByteOrder.BIG_ENDIAN).getInt(0) != SHB) {
            throw error(limit < 4 ? CaptureError.TRUNCATED : CaptureError.NOT_A_CAPTURE, 0,
                    "expected a pcapng Section Header Block (type 0a0d0d0a) at the start");
        }
        readSectionHeader(0);
    }

    /** Sections read so far. */
    long sections() {
        return sections;
    }

    @Override
    boolean nextFrame(PacketRecord into) {
        while (true) {
            int o = pos;
            int remaining = limit - o;
            if (remaining == 0) {
                return false;
            }
            if (remaining < 12) {
                throw error(CaptureError.TRUNCATED, o, "expected a pcapng block (at least 12 bytes: type, total length,"
                        + " trailing total length), but the capture ends at byte offset " + limit + " with "
                        + remaining + " bytes left");
            }
            int type = buf.getInt(o);
            switch (type) {
                case SHB:
                    readSectionHeader(o);
                    break;
                case IDB:
                    readInterface(o, blockLength(o, 20, "Interface Description Block"));
                    break;
                case EPB:
                    readEnhancedPacket(o, blockLength(o, 32, "Enhanced Packet Block"), into, false);
                    return true;
                case PB:
                    readEnhancedPacket(o, blockLength(o, 32, "Packet Block"), into, true);
                    return true;
                case SPB:
                    readSimplePacket(o, blockLength(o, 16, "Simple Packet Block"), into);
                    return true;
                default:
                    pos = o + blockLength(o, 12, String.format(Locale.ROOT, "block of type 0x%08x", type));
                    blocksSkipped++;
                    break;
            }
        }
    }

    /**
     * Checks the total length of the block at {@code o} (at least 12 bytes remain) in the
     * section's byte order, and returns it.
     */
    private int blockLength(int o, int minimum, String what) {
        long length = u32(o + 4);
        if (length < minimum) {
            throw error(CaptureError.CORRUPT, o + 4, "expected the block's total length to be at least " + minimum
                    + " (" + what + "), found " + length);
        }
        if ((length & 3) != 0) {
            throw error(CaptureError.CORRUPT, o + 4, "expected the block's total length to be a multiple of 4 ("
                    + what + "), found " + length);
        }
        if (length > limit - o) {
            throw error(CaptureError.TRUNCATED, o, "expected a block of total length " + length + " (" + what
                    + ") to end within the capture, at byte offset " + (o + length) + ", but the capture ends at byte offset "
                    + limit);
        }
        int end = o + (int) length;
        long trailing = u32(end - 4);
        if (trailing != length) {
            throw error(CaptureError.CORRUPT, end - 4, "expected the trailing total length of the " + what
                    + " at byte offset " + o + " to equal the leading one, " + length + ", found " + trailing);
        }
        return (int) length;
    }

    private void readSectionHeader(int o) {
        int remaining = limit - o;
        if (remaining < 12) {
            throw error(CaptureError.TRUNCATED, o, "expected a Section Header Block of at least 28 bytes, but the"
                    + " capture ends at byte offset " + limit);
        }
        int bom = buf.order(ByteOrder.BIG_ENDIAN).getInt(o + 8);
        if (bom == BYTE_ORDER_MAGIC) {
            buf.order(ByteOrder.BIG_ENDIAN);
        } else if (bom == Integer.reverseBytes(BYTE_ORDER_MAGIC)) {
            buf.order(ByteOrder.LITTLE_ENDIAN);
        } else {
            throw error(CaptureError.CORRUPT, o + 8, String.format(Locale.ROOT, "expected the Section Header Block's"
                    + " byte-order magic 1a2b3c4d (big-endian) or 4d3c2b1a (little-endian), found %08x", bom));
        }
        int length = blockLength(o, 28, "Section Header Block");
        int major = u16(o + 12);
        if (major != 1) {
            throw error(CaptureError.UNSUPPORTED_VERSION, o + 12,
                    "expected pcapng major version 1, found " + major + "." + u16(o + 14));
        }
        sections++;
        interfaces = 0;
        pos = o + length;
    }

    private void readInterface(int o, int length) {
        int linkType = u16(o + 8);
        long snaplen = u32(o + 12);
        int tsresol = Timestamps.DEFAULT_TSRESOL;
        long tsOffsetNanos = 0;
        int p = o + 16;
        int end = o + length - 4;
        while (end - p >= 4) {
            int code = u16(p);
            int valueLength = u16(p + 2);
            if (code == OPT_ENDOFOPT) {
                break;
            }
            int padded = (valueLength + 3) & ~3;
            if (padded > end - p - 4) {
                throw error(CaptureError.CORRUPT, p + 2, "expected option " + code + " of the Interface Description Block"
                        + " at byte offset " + o + " to end by byte offset " + end + ", but its length " + valueLength
                        + " runs to " + (p + 4 + padded));
            }
            if (code == OPT_IF_TSRESOL) {
                if (valueLength != 1) {
                    throw error(CaptureError.CORRUPT, p + 2, "expected an if_tsresol option of length 1, found " + valueLength);
                }
                tsresol = buf.get(p + 4) & 0xFF;
            } else if (code == OPT_IF_TSOFFSET) {
                if (valueLength != 8) {
                    throw error(CaptureError.CORRUPT, p + 2, "expected an if_tsoffset option of length 8, found " + valueLength);
                }
                long seconds = buf.getLong(p + 4);
                if (seconds > Long.MAX_VALUE / Timestamps.NANOS_PER_SECOND
                        || seconds < Long.MIN_VALUE / Timestamps.NANOS_PER_SECOND) {
                    throw error(CaptureError.CORRUPT, p + 4, "expected an if_tsoffset within +-"
                            + Long.MAX_VALUE / Timestamps.NANOS_PER_SECOND + " seconds, found " + seconds);
                }
                tsOffsetNanos = seconds * Timestamps.NANOS_PER_SECOND;
            }
            p += 4 + padded;
        }
        if (interfaces == ifLinkType.length) {
            int n = interfaces * 2;
            ifLinkType = Arrays.copyOf(ifLinkType, n);
            ifSnaplen = Arrays.copyOf(ifSnaplen, n);
            ifTsresol = Arrays.copyOf(ifTsresol, n);
            ifTsOffsetNanos = Arrays.copyOf(ifTsOffsetNanos, n);
            ifBlockOffset = Arrays.copyOf(ifBlockOffset, n);
        }
        ifLinkType[interfaces] = linkType;
        ifSnaplen[interfaces] = snaplen;
        ifTsresol[interfaces] = tsresol;
        ifTsOffsetNanos[interfaces] = tsOffsetNanos;
        ifBlockOffset[interfaces] = o;
        interfaces++;
        pos = o + length;
    }

    private void readEnhancedPacket(int o, int length, PacketRecord into, boolean obsolete) {
        String what = obsolete ? "Packet Block" : "Enhanced Packet Block";
        long iface = obsolete ? u16(o + 8) : u32(o + 8);
        checkInterface(o, iface, what);
        int id = (int) iface;
        long ticks = u32(o + 12) << 32 | u32(o + 16);
        long captured = u32(o + 20);
        long original = u32(o + 24);
        long room = length - 32L;
        if (((captured + 3) & ~3L) > room) {
            throw error(CaptureError.CORRUPT, o + 20, "expected a captured length that fits in the " + what
                    + "'s " + room + " bytes of packet data and options, found " + captured);
        }
        checkCapturedLength(o + 20, captured, original, id, what);
        checkLinkType(o, id);
        long nanos;
        try {
            nanos = Math.addExact(Timestamps.toNanos(ticks, ifTsresol[id]), ifTsOffsetNanos[id]);
        } catch (ArithmeticException e) {
            throw error(CaptureError.CORRUPT, o + 12, "expected a timestamp that fits in a signed 64-bit count of"
                    + " nanoseconds since the epoch, found " + Long.toUnsignedString(ticks) + " units of if_tsresol "
                    + ifTsresol[id] + " plus an if_tsoffset of " + ifTsOffsetNanos[id] / Timestamps.NANOS_PER_SECOND + " s");
        }
        packetsRead++;
        into.setFrame(view, packetsRead, o, true, nanos, o + 28, (int) captured, original, ifLinkType[id], id);
        pos = o + length;
    }

    private void readSimplePacket(int o, int length, PacketRecord into) {
        if (interfaces == 0) {
            throw error(CaptureError.CORRUPT, o, "expected an Interface Description Block before a Simple Packet Block"
                    + " (which uses interface 0), found none in section " + sections);
        }
        long original = u32(o + 8);
        long snaplen = ifSnaplen[0];
        long captured = snaplen != 0 && snaplen < original ? snaplen : original;
        long room = length - 16L;
        if (((captured + 3) & ~3L) > room) {
            throw error(CaptureError.CORRUPT, o + 8, "expected the Simple Packet Block's packet (original length "
                    + original + ", interface snaplen " + snaplen + ", so " + captured + " captured bytes) to fit in its "
                    + room + " bytes of packet data");
        }
        checkLinkType(o, 0);
        packetsRead++;
        into.setFrame(view, packetsRead, o, false, 0, o + 12, (int) captured, original, ifLinkType[0], 0);
        pos = o + length;
    }

    private void checkInterface(int o, long iface, String what) {
        if (iface >= interfaces && interfaces == 0) {
            throw error(CaptureError.CORRUPT, o + 8, "expected the " + what + "'s interface id to be one of the"
                    + " Interface Description Blocks of its section, but section " + sections + " has none so far; found "
                    + iface);
        }
        if (iface >= interfaces) {
            throw error(CaptureError.CORRUPT, o + 8, "expected the " + what + "'s interface id to be one of the "
                    + interfaces + " Interface Description Blocks of section " + sections + " so far (0.."
                    + (interfaces - 1) + "), found " + iface);
        }
    }

    private void checkCapturedLength(int at, long captured, long original, int id, String what) {
        if (captured > original) {
            throw error(CaptureError.CORRUPT, at, "expected the " + what + "'s captured length <= its original length,"
                    + " found captured " + captured + " and original " + original);
        }
        long snaplen = ifSnaplen[id];
        if (snaplen != 0 && captured > snaplen) {
            throw error(CaptureError.CORRUPT, at, "expected the " + what + "'s captured length <= the snaplen " + snaplen
                    + " of interface " + id + ", found " + captured);
        }
    }

    private void checkLinkType(int o, int id) {
        int linkType = ifLinkType[id];
        if (!LinkTypes.isSupported(linkType)) {
            throw unsupportedLinkType(o, linkType, " (interface " + id + ", described by the Interface Description Block at"
                    + " byte offset " + ifBlockOffset[id] + ")");
        }
    }
}
