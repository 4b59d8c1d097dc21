package dev.hoststack.bench;

import dev.hoststack.api.AppEventHandler;
import dev.hoststack.bench.support.Flows;
import dev.hoststack.bench.support.NaiveListeners;
import dev.hoststack.bench.support.NaiveTcp;
import dev.hoststack.bench.support.Stacks;
import dev.hoststack.session.ListenOptions;
import dev.hoststack.session.SessionLayer;
import dev.hoststack.session.SessionWorker;
import dev.hoststack.stack.Stack;
import dev.hoststack.tcp.SegmentParser;
import dev.hoststack.tcp.SegmentWriter;
import dev.hoststack.tcp.TcpSegment;
import dev.hoststack.tcp.TcpTransport;
import java.nio.ByteBuffer;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * One whole inbound connection per operation, end to end through {@code transport-tcp} with real
 * segment bytes, on one thread: the client's SYN (written by {@link SegmentWriter}, parsed, table
 * miss, listener lookup, the reuseport group's round-robin selection over the seed's app1, app2,
 * app3 of 1, 2, 3 workers, connection and session allocation, table insert, SYN-ACK written), the
 * final ACK (lookup, ESTABLISHED, accept event queued), the application taking the event,
 * replying accept and closing (through the data thread's mailbox: READY, then FIN written, table
 * remove, session and connection freed). Operations per second are connections per second.
 *
 * <p>Clients are 65,536 distinct (address, port) pairs in turn, so consecutive connections land in
 * different buckets of the table. SYN-ACK and FIN bytes are written into the transport's buffer
 * and handed to an output that drops them.
 *
 * <p>Sizes: the project's stack starts at its default sizes (pools of 1,024 sessions and
 * connections, tables of 1,024 entries, growing on demand), as the baseline's {@code HashMap}
 * starts at its own and grows to need. At most one connection is live at a time, so neither grows
 * here. (Until issue 13 the stack was presized to 65,536 of each, which made every connection's
 * table entry land in a cold line of a 64K-entry table while the baseline's map stayed tiny.)
 *
 * <p>Time: the stack's data thread reads its clock once per frame of 256 segments (128
 * connections here), as VPP's TCP does ({@code tcp_time_now_us}, updated per frame), and passes
 * that loop time to {@code input} and {@code poll}; the handshake timer and the initial sequence
 * number use it. The clock read per frame is part of the measured operation.
 *
 * <p>{@link #naiveJdk} is the baseline ({@link NaiveTcp}, far fewer features, same bytes);
 * {@link #bytesOnly} is a component: only the byte work every stack does in this cycle (write and
 * parse the SYN and the ACK, write the SYN-ACK and the FIN), the floor under both.
 */
@State(Scope.Benchmark)
public class SynToAcceptBenchmark extends AbstractBenchmark {

    /** Address family of the connections. */
    @Param({"ip4", "ip6"})
    public String family;

    private static final int CLIENTS = 1 << 16;
    /** Connections per frame of 256 segments (VPP's {@code VLIB_FRAME_SIZE}): the SYN and the final ACK of each. */
    private static final int FRAME = 128;
    private static final int SERVER4 = Flows.ip4(10, 0, 0, 1);
    private static final long SERVER6_HI = 0x2001_0db8_0000_0000L;
    private static final long SERVER6_LO = 1;
    private static final long CLIENT6_HI = 0x2001_0db8_ffff_0000L;

    boolean ip4;
    int[] clientIp;
    long[] clientLo;
    int[] clientPort;
    int cursor;
    long now = System.nanoTime();

    Stack stack;
    SessionLayer layer;
    TcpTransport tcp;
    SessionWorker[] workers;
    final ByteBuffer buf = ByteBuffer.allocate(SegmentWriter.IP6_LENGTH);
    final ByteBuffer out = ByteBuffer.allocate(SegmentWriter.IP6_LENGTH);
    final TcpSegment seg = new TcpSegment();
    long accepted;
    final AppEventHandler drain = (type, session, listener) -> accepted = session;

    NaiveTcp naive;

    /** Builds the stack, the group, the baseline and the clients. */
    @Setup
    public void setUp() {
        ip4 = family.equals("ip4");
        clientIp = new int[CLIENTS];
        clientLo = new long[CLIENTS];
        clientPort = new int[CLIENTS];
        java.util.SplittableRandom rnd = new java.util.SplittableRandom(17);
        for (int i = 0; i < CLIENTS; i++) {
            clientIp[i] = Flows.ip4(198, 18, 0, 0) | i >>> 2;
            clientLo[i] = rnd.nextLong();
            clientPort[i] = 1024 + (i & 3) * 16000 + rnd.nextInt(16000);
        }
        stack = Stacks.create(1);
        String uri = ip4 ? "tcp://10.0.0.1/80" : "tcp://2001:db8::1/80";
        for (int a = 1; a <= 3; a++) {
            Stacks.attach(stack, "app" + a, a);
            Stacks.listenAll(stack, "app" + a, a, uri, ListenOptions.reuseport("roundrobin"));
        }
        layer = stack.session();
        tcp = stack.tcp();
        tcp.output((thread, packet) -> { });
        workers = new SessionWorker[16];
        for (int a = 1; a <= 3; a++) {
            for (SessionWorker w : layer.app("app" + a).workers()) {
                workers[w.globalIndex()] = w;
            }
        }

        NaiveListeners listeners = new NaiveListeners();
        listeners.put(TCP, ip4 ? SERVER4 : 0, 80, new NaiveListeners.Listener(false,
                new NaiveListeners.App(0), new NaiveListeners.App(1, 2), new NaiveListeners.App(3, 4, 5)));
        naive = new NaiveTcp(listeners, 6);
    }

    /** Makes this thread the control thread and owner of data thread 0. */
    @Setup(Level.Iteration)
    public void claim() {
        layer.claimControl();
    }

    private int next() {
        int c = cursor;
        cursor = c + 1 & CLIENTS - 1;
        return c;
    }

    /** The data thread's loop time: the clock read once per {@link #FRAME} connections. */
    private long loopTime(int c) {
        if ((c & FRAME - 1) == 0) {
            now = System.nanoTime();
        }
        return now;
    }

    private ByteBuffer segment(int c, int seq, int ack, int flags) {
        buf.clear();
        buf.limit(ip4
                ? SegmentWriter.writeIp4(buf, clientIp[c], clientPort[c], SERVER4, 80, seq, ack, flags, 65535)
                : SegmentWriter.writeIp6(buf, CLIENT6_HI, clientLo[c], clientPort[c], SERVER6_HI, SERVER6_LO, 80, seq, ack,
                        flags, 65535));
        return buf;
    }

    /** The project: SYN, final ACK, accept event, accept reply, close, mailbox run, at the frame's loop time. */
    @Benchmark
    public long hoststack() {
        final int c = next();
        final long now = loopTime(c);
        final int isn = clientPort[c] * 0x9E37_79B1;
        if (tcp.input(0, segment(c, isn, 0, TcpSegment.SYN), 0, now) != TcpTransport.CREATED) {
            throw new IllegalStateException("SYN not accepted: " + tcp.result(0).drop());
        }
        final TcpTransport.InputResult r = tcp.result(0);
        final long handle = r.session();
        final int worker = r.workerGlobal();
        final int iss = tcp.issOfSession(handle);
        if (tcp.input(0, segment(c, isn + 1, iss + 1, TcpSegment.ACK), 0, now) != TcpTransport.ESTABLISHED) {
            throw new IllegalStateException("final ACK not accepted: " + tcp.result(0).drop());
        }
        workers[worker].pollEvents(drain, 1);
        layer.acceptReply(accepted);
        layer.close(accepted);
        tcp.poll(0, now);
        return accepted;
    }

    /** Baseline: {@link NaiveTcp} on the same bytes. */
    @Benchmark
    public int naiveJdk() {
        final int c = next();
        final int isn = clientPort[c] * 0x9E37_79B1;
        if (naive.input(segment(c, isn, 0, TcpSegment.SYN)) != NaiveTcp.CREATED) {
            throw new IllegalStateException("naive SYN dropped");
        }
        final NaiveTcp.Conn conn = naive.last();
        if (naive.input(segment(c, isn + 1, conn.iss() + 1, TcpSegment.ACK)) != NaiveTcp.ESTABLISHED) {
            throw new IllegalStateException("naive final ACK dropped");
        }
        final NaiveTcp.Conn a = naive.accept(naive.last().worker());
        naive.close(a);
        return a.iss();
    }

    /** Component: the byte work alone (write and parse SYN and ACK, write SYN-ACK and FIN). */
    @Benchmark
    public int bytesOnly() {
        final int c = next();
        final int isn = clientPort[c] * 0x9E37_79B1;
        SegmentParser.parse(segment(c, isn, 0, TcpSegment.SYN), seg);
        int acc = seg.seq();
        SegmentParser.parse(segment(c, isn + 1, 0x1234, TcpSegment.ACK), seg);
        acc += seg.ack();
        out.clear();
        acc += ip4
                ? SegmentWriter.writeIp4(out, SERVER4, 80, clientIp[c], clientPort[c], 0x1233, isn + 1, 0x12, 65535)
                        + SegmentWriter.writeIp4(out, SERVER4, 80, clientIp[c], clientPort[c], 0x1234, isn + 1, 0x11, 65535)
                : SegmentWriter.writeIp6(out, SERVER6_HI, SERVER6_LO, 80, CLIENT6_HI, clientLo[c], clientPort[c], 0x1233,
                        isn + 1, 0x12, 65535)
                        + SegmentWriter.writeIp6(out, SERVER6_HI, SERVER6_LO, 80, CLIENT6_HI, clientLo[c], clientPort[c],
                        0x1234, isn + 1, 0x11, 65535);
        return acc + out.get(3);
    }
}
