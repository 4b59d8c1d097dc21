package dev.hoststack.pcap;

/**
 * Why a packet record of a capture was not returned as an IP packet; each is counted by the
 * reader ({@link CaptureReader#skipped(SkipReason)}).
 */
public enum SkipReason {

    /** An Ethernet frame (after any 802.1Q/802.1ad tags) whose ethertype is neither IPv4 nor IPv6: ARP, LLDP, an 802.3 length. */
    NON_IP_ETHERTYPE,

    /** A Linux cooked (SLL or SLL2) frame whose protocol field (after any VLAN tags) is neither IPv4 nor IPv6. */
    NON_IP_SLL_PROTOCOL,

    /** A BSD loopback (NULL or LOOP) frame whose address family is not AF_INET (2) or AF_INET6 (24, 28, 30). */
    NON_IP_ADDRESS_FAMILY,

    /** The captured bytes end inside the link-layer header or a VLAN tag. */
    TRUNCATED_LINK_HEADER,

    /** The captured bytes end inside the fixed IP header (20 bytes for IPv4, or its IHL; 40 for IPv6). */
    TRUNCATED_IP_HEADER,

    /** The IP version nibble is not 4 or 6, or not the version the link-layer header announced. */
    BAD_IP_VERSION,

    /** An IPv4 header with IHL below 5, or a total length shorter than its header. */
    MALFORMED_IP_HEADER
}
