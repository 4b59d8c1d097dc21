package dev.hoststack.bench.support;

import dev.hoststack.tcp.SegmentParser;
import dev.hoststack.tcp.SegmentWriter;
import dev.hoststack.tcp.TcpSegment;
import java.nio.ByteBuffer;
import java.util.SplittableRandom;

/**
 * Flows as the data path sees them: real SYN segments written by {@link SegmentWriter} and parsed
 * by {@link SegmentParser} into {@link TcpSegment}s, the {@code FlowView} the stack's lookups and
 * selectors get. Made at setup; a benchmark cycles through them.
 */
public final class Flows {

    private Flows() {
    }

    /** The IPv4 address a.b.c.d as an int. */
    public static int ip4(int a, int b, int c, int d) {
        return a << 24 | b << 16 | c << 8 | d;
    }

    /**
     * {@code n} parsed IPv4 SYNs from distinct random clients (198.18.0.0/15, the benchmarking
     * range) to {@code dstIp:dstPort}.
     */
    public static TcpSegment[] syns4(int n, int dstIp, int dstPort, long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        TcpSegment[] out = new TcpSegment[n];
        for (int i = 0; i < n; i++) {
            int src = ip4(198, 18, 0, 0) | (Keys.remote4(i) & 0x1_FFFF);
            int srcPort = 1024 + rnd.nextInt(65536 - 1024);
            ByteBuffer syn = SegmentWriter.ip4(src, srcPort, dstIp, dstPort, rnd.nextInt(), 0, TcpSegment.SYN);
            TcpSegment seg = new TcpSegment();
            if (SegmentParser.parse(syn, seg) != null) {
                throw new IllegalStateException("the writer's SYN does not parse");
            }
            out[i] = seg;
        }
        return out;
    }
}
