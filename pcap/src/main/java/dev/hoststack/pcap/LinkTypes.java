package dev.hoststack.pcap;

/**
 * The link-layer header types (tcpdump.org {@code LINKTYPE_*} values) this module decodes, as
 * plain {@code int} constants the way they appear in captures.
 */
public final class LinkTypes {

    /** BSD loopback: a 4-byte address family in the byte order of the machine that captured. */
    public static final int NULL = 0;
    /** Ethernet (also what Linux writes for {@code -i lo}); 802.1Q/802.1ad tags are followed. */
    public static final int EN10MB = 1;
    /** Raw IP as some systems write it (DLT_RAW is 12 on most BSDs). */
    public static final int RAW_12 = 12;
    /** Raw IP as OpenBSD writes it (its DLT_RAW is 14). */
    public static final int RAW_14 = 14;
    /** Raw IP, IPv4 or IPv6 by the version nibble. */
    public static final int RAW = 101;
    /** OpenBSD loopback: a 4-byte address family in network byte order. */
    public static final int LOOP = 108;
    /** Linux cooked capture v1 (16-byte header), what {@code tcpdump -i any} writes by default. */
    public static final int LINUX_SLL = 113;
    /** Raw IPv4 only. */
    public static final int IPV4 = 228;
    /** Raw IPv6 only. */
    public static final int IPV6 = 229;
    /** Linux cooked capture v2 (20-byte header), {@code tcpdump -i any -y LINUX_SLL2}. */
    public static final int LINUX_SLL2 = 276;

    private static final int[] SUPPORTED = {NULL, EN10MB, RAW_12, RAW_14, RAW, LOOP, LINUX_SLL, IPV4, IPV6, LINUX_SLL2};

    private static final String SUPPORTED_LIST = buildSupportedList();

    private LinkTypes() {
    }

    /** Whether packets of this link type can be decoded. */
    public static boolean isSupported(int linkType) {
        for (int t : SUPPORTED) {
            if (t == linkType) {
                return true;
            }
        }
        return false;
    }

    /** The tcpdump.org name of a supported link type, or {@code "unsupported"}. */
    public static String name(int linkType) {
        switch (linkType) {
            case NULL:
                return "NULL";
            case EN10MB:
                return "EN10MB";
            case RAW_12:
            case RAW_14:
            case RAW:
                return "RAW";
            case LOOP:
                return "LOOP";
            case LINUX_SLL:
                return "LINUX_SLL";
            case IPV4:
                return "IPV4";
            case IPV6:
                return "IPV6";
            case LINUX_SLL2:
                return "LINUX_SLL2";
            default:
                return "unsupported";
        }
    }

    /** The supported link types as {@code "0 (NULL), 1 (EN10MB), ..."}, for messages. */
    public static String supportedList() {
        return SUPPORTED_LIST;
    }

    private static String buildSupportedList() {
        StringBuilder sb = new StringBuilder();
        for (int t : SUPPORTED) {
            if (sb.length() > 0) {
                sb.append(", ");
            }
            sb.append(t).append(" (").append(name(t)).append(')');
        }
        return sb.toString();
    }
}
