package dev.hoststack.api;

import java.util.Locale;

/**
 * Transport protocols the session layer knows, with their IANA protocol numbers.
 *
 * <p>The protocol number (not VPP's {@code transport_proto_t} ordinal, where TCP is 0) goes into
 * session table keys, so that an all-zero key word can mark an empty slot.
 */
public enum TransportProto {
    /** Transmission Control Protocol, IP protocol 6. */
    TCP(6),
    /** User Datagram Protocol, IP protocol 17. Modelled in keys only; no UDP transport ships. */
    UDP(17);

    private final int ipProtocol;

    TransportProto(int ipProtocol) {
        this.ipProtocol = ipProtocol;
    }

    /** The IANA IP protocol number. */
    public int ipProtocol() {
        return ipProtocol;
    }

    /** The URI scheme, as VPP writes it ({@code tcp}, {@code udp}). */
    public String scheme() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** The protocol for a URI scheme, or {@code null} if none matches. */
    public static TransportProto fromScheme(String scheme) {
        for (TransportProto p : values()) {
            if (p.scheme().equalsIgnoreCase(scheme)) {
                return p;
            }
        }
        return null;
    }

    /** The protocol of an IANA IP protocol number, or {@code null} if none matches. Allocation-free. */
    public static TransportProto ofIpProtocol(int ipProtocol) {
        return ipProtocol == 6 ? TCP : ipProtocol == 17 ? UDP : null;
    }
}
