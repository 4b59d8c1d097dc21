package dev.hoststack.bench.support;

import dev.hoststack.api.JHash;
import dev.hoststack.tcp.SegmentParser;
import dev.hoststack.tcp.SegmentWriter;
import dev.hoststack.tcp.TcpSegment;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;

/**
 * The SYN-to-accept baseline: the handshake a Java developer would write with the JDK's
 * collections, on the same bytes. The same {@link SegmentParser} parses, the same
 * {@link SegmentWriter} writes the SYN-ACK and the FIN (so byte handling costs the same); then a
 * {@code HashMap<FiveTuple, Conn>} of connections (one object per connection, record keys), the
 * listener from {@link NaiveListeners}, and an {@code ArrayDeque} accept queue per worker.
 *
 * <p>It has none of what the project adds (namespaces, half-open table, reuseport groups through
 * an SPI, handshake timers, counters, cross-thread mailboxes), so it is a lower bound of a naive
 * stack's cost, not a feature-for-feature equivalent. Single-threaded.
 */
public final class NaiveTcp {

    /** {@link #input} result: dropped. */
    public static final int DROPPED = 0;
    /** {@link #input} result: a SYN created a connection. */
    public static final int CREATED = 1;
    /** {@link #input} result: the final ACK completed a handshake. */
    public static final int ESTABLISHED = 2;

    /** One connection. */
    public static final class Conn {
        final Object key;
        final int worker;
        final boolean ip4;
        final int iss;
        final int irs;
        final int localIp;
        final int remoteIp;
        final long localHi;
        final long localLo;
        final long remoteHi;
        final long remoteLo;
        final int localPort;
        final int remotePort;
        boolean established;

        Conn(Object key, int worker, TcpSegment s, int iss) {
            this.key = key;
            this.worker = worker;
            this.ip4 = s.isIp4();
            this.iss = iss;
            this.irs = s.seq();
            this.localIp = s.localIp4();
            this.remoteIp = s.remoteIp4();
            this.localHi = s.localIp6Hi();
            this.localLo = s.localIp6Lo();
            this.remoteHi = s.remoteIp6Hi();
            this.remoteLo = s.remoteIp6Lo();
            this.localPort = s.localPort();
            this.remotePort = s.remotePort();
        }

        /** The worker it was given to. */
        public int worker() {
            return worker;
        }

        /** Our initial sequence number. */
        public int iss() {
            return iss;
        }
    }

    private final NaiveListeners listeners;
    private final Map<Object, Conn> conns = new HashMap<>();
    private final ArrayDeque<Conn>[] acceptQueues;
    private final TcpSegment seg = new TcpSegment();
    private final ByteBuffer tx = ByteBuffer.allocate(SegmentWriter.IP6_LENGTH);
    private Conn last;

    /** A stack over these listeners, whose workers are 0 .. workers-1. */
    @SuppressWarnings("unchecked")
    public NaiveTcp(NaiveListeners listeners, int workers) {
        this.listeners = listeners;
        this.acceptQueues = (ArrayDeque<Conn>[]) new ArrayDeque<?>[workers];
        for (int i = 0; i < workers; i++) {
            acceptQueues[i] = new ArrayDeque<>();
        }
    }

    private static Object key(TcpSegment s) {
        return s.isIp4()
                ? new FiveTuple4(6, s.localIp4(), s.localPort(), s.remoteIp4(), s.remotePort())
                : new FiveTuple6(6, s.localIp6Hi(), s.localIp6Lo(), s.localPort(), s.remoteIp6Hi(), s.remoteIp6Lo(),
                        s.remotePort());
    }

    /** The connection the last {@link #input} created or completed. */
    public Conn last() {
        return last;
    }

    /** One inbound packet. */
    public int input(ByteBuffer packet) {
        if (SegmentParser.parse(packet, seg) != null) {
            return DROPPED;
        }
        final Object key = key(seg);
        final Conn c = conns.get(key);
        if (c == null) {
            if (!seg.has(TcpSegment.SYN) || seg.has(TcpSegment.ACK)) {
                return DROPPED;
            }
            NaiveListeners.Listener l = listeners.lookup(6, seg.isIp4() ? seg.localIp4() : 0, seg.localPort());
            if (l == null) {
                return DROPPED;
            }
            int worker = l.select(6, seg.localIp4(), seg.localPort(), seg.remoteIp4(), seg.remotePort());
            int iss = JHash.inetEhash(seg.localIp4(), seg.localPort(), seg.remoteIp4(), seg.remotePort(), 0x5eed);
            Conn n = new Conn(key, worker, seg, iss);
            conns.put(key, n);
            send(n, TcpSegment.SYN | TcpSegment.ACK, iss);
            last = n;
            return CREATED;
        }
        if (!c.established && seg.has(TcpSegment.ACK) && seg.ack() == c.iss + 1) {
            c.established = true;
            acceptQueues[c.worker].add(c);
            last = c;
            return ESTABLISHED;
        }
        return DROPPED;
    }

    /** The application takes the next accepted connection of a worker, or null. */
    public Conn accept(int worker) {
        return acceptQueues[worker].poll();
    }

    /** The application closes a connection: FIN out, entry removed. */
    public void close(Conn c) {
        send(c, TcpSegment.FIN | TcpSegment.ACK, c.iss + 1);
        conns.remove(c.key);
    }

    /** Live connections. */
    public int size() {
        return conns.size();
    }

    private void send(Conn c, int flags, int seq) {
        tx.clear();
        int len = c.ip4
                ? SegmentWriter.writeIp4(tx, c.localIp, c.localPort, c.remoteIp, c.remotePort, seq, c.irs + 1, flags, 65535)
                : SegmentWriter.writeIp6(tx, c.localHi, c.localLo, c.localPort, c.remoteHi, c.remoteLo, c.remotePort,
                        seq, c.irs + 1, flags, 65535);
        tx.limit(len);
    }
}
