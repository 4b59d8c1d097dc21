package dev.hoststack.tcp;

import static java.util.Objects.requireNonNull;

import dev.hoststack.api.DropReason;
import dev.hoststack.api.Endpoint;
import dev.hoststack.api.FiveTuple;
import dev.hoststack.api.Ip;
import dev.hoststack.api.JHash;
import dev.hoststack.api.SessionHandle;
import dev.hoststack.api.TransportConnection;
import dev.hoststack.api.TransportProto;
import dev.hoststack.session.DataThread;
import dev.hoststack.session.Dispatch;
import dev.hoststack.session.ListenTarget;
import dev.hoststack.session.SessionDataPlane;
import dev.hoststack.session.SessionLayer;
import dev.hoststack.session.SessionPool;
import dev.hoststack.session.SessionTables;
import dev.hoststack.session.Transport;
import dev.hoststack.session.table.SessionHashTable;
import dev.hoststack.session.table.SessionKeys;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.function.LongSupplier;

/**
 * The TCP transport: listeners, per-thread connection pools, and the handshake that turns a SYN
 * into a session and the final ACK into an accept event.
 *
 * <h2>A segment's path ({@link #input})</h2>
 * Parse ({@link SegmentParser}; anything malformed is a counted drop) → the FIB's session table:
 * an established or embryonic connection's 5-tuple → that connection; else (the half-open table,
 * then) for a SYN the listener, exact address then wildcard ({@link SessionDataPlane#findListener})
 * → its {@link dev.hoststack.session.ListenTarget#dispatch} (app listener round robin, or the
 * reuseport group's selector) → a connection in SYN_RCVD and a CREATED session on the receiving
 * thread ({@code syn}), the 5-tuple in the table, a SYN-ACK. The final ACK makes both
 * ESTABLISHED / ACCEPTING and queues the accept event. A RST or the handshake timeout before that
 * frees them without the app hearing of it. FIN or RST on an established connection closes it and
 * tells the app. A SYN nobody listens for, and any other segment for no connection, is answered
 * with a RST and counted.
 *
 * <h2>Where VPP differs</h2>
 * A 5-tuple found in the table but owned by another data thread is dropped and counted
 * ({@link DropReason#WRONG_THREAD}), as VPP does: it relies on the NIC's flow hashing to send a
 * flow's segments to one thread. Closing frees at once (no TIME_WAIT or CLOSE_WAIT modelled).
 * Checksums are not verified.
 *
 * <h2>Time</h2>
 * Handshake deadlines and the initial sequence number's 4 µs clock come from the thread's loop
 * time, as in VPP, whose TCP reads a per-thread time updated once per frame of packets
 * ({@code tcp_time_now_us}): {@link #input(int, ByteBuffer, int, long)} and
 * {@link #poll(int, long)} take it from the caller (a driver loop reads the clock once per batch);
 * {@link #input(int, ByteBuffer, int)} and {@link #poll(int)} read the clock themselves, at most
 * once per call and only when they need it.
 *
 * <h2>Threading</h2>
 * {@link #input} and {@link #poll} for data thread {@code t} only on the Java thread owning it
 * (see {@link SessionLayer#claim}); listener calls on the control thread. Allocation-free on the
 * data path once pools are warm.
 */
public final class TcpTransport implements Transport {

    /** {@link #input} result: the segment was dropped (see {@link InputResult#drop()}). */
    public static final int DROPPED = 0;
    /** {@link #input} result: a SYN created a connection and a session. */
    public static final int CREATED = 1;
    /** {@link #input} result: the final ACK completed a handshake (accept event queued). */
    public static final int ESTABLISHED = 2;
    /** {@link #input} result: a connection was closed or reset (by the peer, or by us on a bad ACK). */
    public static final int CLOSED = 3;
    /** {@link #input} result: a segment for an existing connection that changed nothing. */
    public static final int NO_CHANGE = 4;

    private static final VarHandle LONGS = MethodHandles.arrayElementVarHandle(long[].class);

    /** What it uses of the session layer: the data plane only (it registers with the control plane once). */
    private final SessionDataPlane dp;
    private final TcpConfig config;
    private final LongSupplier clock;
    private final PerThread[] threads;
    private volatile TcpOutput output;

    private final List<Endpoint> listeners = new ArrayList<>();
    private final List<Integer> listenerSessions = new ArrayList<>();
    private final List<Integer> freeListeners = new ArrayList<>();

    /** What the last {@link #input} on a thread did; a reused flyweight. */
    public static final class InputResult {
        int kind;
        long session = SessionHandle.INVALID;
        DropReason drop;
        boolean viaGroup;
        long listenerValue = SessionHandle.INVALID;
        int workerGlobal = -1;

        /** {@link #DROPPED}, {@link #CREATED}, {@link #ESTABLISHED}, {@link #CLOSED} or {@link #NO_CHANGE}. */
        public int kind() {
            return kind;
        }

        /** The session concerned, or {@link SessionHandle#INVALID}. */
        public long session() {
            return session;
        }

        /** Why it was dropped (also set for a RST we sent on a bad final ACK), or null. */
        public DropReason drop() {
            return drop;
        }

        /** For {@link #CREATED}: whether a reuseport group chose the worker. */
        public boolean viaGroup() {
            return viaGroup;
        }

        /** For {@link #CREATED}: the listener value found (listen session handle or group value). */
        public long listenerValue() {
            return listenerValue;
        }

        /** For {@link #CREATED}: the chosen app worker's global index. */
        public int workerGlobal() {
            return workerGlobal;
        }

        void reset() {
            kind = DROPPED;
            session = SessionHandle.INVALID;
            drop = null;
            viaGroup = false;
            listenerValue = SessionHandle.INVALID;
            workerGlobal = -1;
        }
    }

    private static final class PerThread {
        final DataThread dt;
        final TcpConnections conns;
        final TcpSegment seg = new TcpSegment();
        final TcpSegment flow = new TcpSegment();
        final InputResult result = new InputResult();
        final long[] counters = new long[TcpCounter.values().length];
        final ByteBuffer tx = ByteBuffer.allocate(SegmentWriter.IP6_LENGTH);
        /** The thread's loop time (VPP's per-frame {@code vlib_time_now}), valid while {@link #timeValid}. */
        long now;
        boolean timeValid;

        PerThread(DataThread dt, TcpConfig config) {
            this.dt = dt;
            this.conns = new TcpConnections(config.initialConnectionsPerThread(), config.maxConnectionsPerThread());
        }

        void count(TcpCounter c) {
            LONGS.setOpaque(counters, c.ordinal(), counters[c.ordinal()] + 1);
        }
    }

    /**
     * Creates the transport and registers it with the session layer (on the control thread).
     *
     * @param clock nanosecond clock for the handshake timeout ({@code System::nanoTime}, or a
     *              test's manual clock)
     */
    public TcpTransport(SessionLayer layer, TcpConfig config, LongSupplier clock) {
        this.dp = requireNonNull(layer, "layer").dataPlane();
        this.config = requireNonNull(config, "config");
        this.clock = requireNonNull(clock, "clock");
        this.threads = new PerThread[dp.threadCount()];
        for (int t = 0; t < threads.length; t++) {
            threads[t] = new PerThread(dp.thread(t), config);
        }
        layer.registerTransport(this);
    }

    /** The configuration. */
    public TcpConfig config() {
        return config;
    }

    /** Sets (or with null, removes) the receiver of outgoing segments. */
    public void output(TcpOutput out) {
        this.output = out;
    }

    @Override
    public TransportProto proto() {
        return TransportProto.TCP;
    }

    // ================================================================ listeners (control thread)

    @Override
    public int startListen(int listenSessionIndex, Endpoint endpoint) {
        int index;
        if (!freeListeners.isEmpty()) {
            index = freeListeners.remove(freeListeners.size() - 1);
            listeners.set(index, endpoint);
            listenerSessions.set(index, listenSessionIndex);
        } else {
            index = listeners.size();
            listeners.add(endpoint);
            listenerSessions.add(listenSessionIndex);
        }
        return index;
    }

    @Override
    public void stopListen(int transportListenerIndex) {
        listeners.set(transportListenerIndex, null);
        listenerSessions.set(transportListenerIndex, -1);
        freeListeners.add(transportListenerIndex);
    }

    /** Live TCP listeners. */
    public int listenerCount() {
        return listeners.size() - freeListeners.size();
    }

    @Override
    public TransportConnection describeListener(int index) {
        return new Snapshot(0, index, TcpState.LISTEN.name(), SessionHandle.make(0, listenerSessions.get(index)));
    }

    // ================================================================ data plane

    /** What the last {@link #input} on {@code thread} did. Owner of the thread only. */
    public InputResult result(int thread) {
        return threads[thread].result;
    }

    /**
     * Processes one inbound IP packet received by data thread {@code thread} on FIB {@code fib}:
     * runs the thread's mailbox first, then the segment. Never throws for any bytes.
     *
     * @return {@link #DROPPED}, {@link #CREATED}, {@link #ESTABLISHED}, {@link #CLOSED} or
     *         {@link #NO_CHANGE}; details in {@link #result(int)}
     */
    public int input(int thread, ByteBuffer packet, int fib) {
        final PerThread pt = threads[thread];
        pt.timeValid = false;
        return process(pt, thread, packet, fib);
    }

    /**
     * As {@link #input(int, ByteBuffer, int)}, at the caller's loop time {@code now} (the clock's
     * reading at the start of the batch of packets this one belongs to): VPP's data threads read
     * their clock once per frame of packets ({@code vlib_time_now}, {@code tcp_time_now_us}) and
     * time every connection of that frame with it, rather than once per packet. The handshake
     * timer and the initial sequence number's clock use {@code now} instead of reading the clock.
     * A caller that reads the clock once per batch of up to 256 packets (VPP's frame size) gives
     * timers a resolution no worse than one batch.
     *
     * @param now a reading of this transport's clock, taken at most a batch ago
     */
    public int input(int thread, ByteBuffer packet, int fib, long now) {
        final PerThread pt = threads[thread];
        pt.now = now;
        pt.timeValid = true;
        return process(pt, thread, packet, fib);
    }

    /** The thread's loop time: the caller's, or the clock read once (at most once per call). */
    private long now(PerThread pt) {
        if (!pt.timeValid) {
            pt.now = clock.getAsLong();
            pt.timeValid = true;
        }
        return pt.now;
    }

    private int process(PerThread pt, int thread, ByteBuffer packet, int fib) {
        final DataThread dt = pt.dt;
        dp.runPending(dt);
        final InputResult r = pt.result;
        r.reset();
        pt.count(TcpCounter.SEGMENTS_IN);
        final TcpSegment seg = pt.seg;
        DropReason bad = SegmentParser.parse(packet, seg);
        if (bad != null) {
            return drop(pt, bad, null);
        }
        final SessionTables tables = dp.fib(fib);
        if (tables == null) {
            return drop(pt, DropReason.NO_LISTENER, seg);
        }
        final long[] key = dt.key;
        final boolean ip4 = SessionKeys.connection(key, seg);
        final SessionHashTable table = tables.table(ip4);
        final long found = table.get(key);
        if (found != SessionHandle.INVALID) {
            if (SessionHandle.thread(found) != thread) {
                return drop(pt, DropReason.WRONG_THREAD, null);
            }
            return existing(pt, SessionHandle.index(found), table);
        }
        final SessionHashTable halfOpen = tables.halfOpen(ip4);
        // VPP's order: established, then half-open, then listeners. A half-open table with no
        // entry cannot match (a racy read of its size: an insert on another thread that this read
        // misses is one that happened after this segment's lookup)
        final long opening = halfOpen.size() == 0 ? SessionHandle.INVALID : halfOpen.get(key);
        if (opening != SessionHandle.INVALID) {
            if (SessionHandle.thread(opening) != thread) {
                return drop(pt, DropReason.WRONG_THREAD, null);
            }
            return halfOpen(pt, SessionHandle.index(opening), halfOpen, table, key);
        }
        if (!seg.has(TcpSegment.SYN) || seg.has(TcpSegment.ACK) || seg.has(TcpSegment.RST)) {
            if (seg.has(TcpSegment.RST)) {
                pt.count(TcpCounter.RSTS_IGNORED);
                r.kind = NO_CHANGE;
                return NO_CHANGE;
            }
            return drop(pt, DropReason.NO_CONNECTION, seg);
        }
        return syn(pt, thread, fib, tables, table, key);
    }

    private int syn(PerThread pt, int thread, int fib, SessionTables tables, SessionHashTable table, long[] key) {
        final DataThread dt = pt.dt;
        final TcpSegment seg = pt.seg;
        final InputResult r = pt.result;
        final ListenTarget listener = dp.findListener(tables, TransportProto.TCP, seg);
        if (listener == null) {
            return drop(pt, DropReason.NO_LISTENER, seg);
        }
        final long lv = listener.value();
        r.listenerValue = lv;
        r.viaGroup = SessionHandle.isGroupValue(lv);
        final long d = listener.dispatch(seg, thread);
        if (Dispatch.isDrop(d)) {
            return drop(pt, Dispatch.dropReason(d), seg);
        }
        if (pt.conns.live() == pt.conns.max()) {
            expireTimers(pt, now(pt));
        }
        final TcpConnections c = pt.conns;
        final int conn = c.allocate();
        if (conn == TcpConnections.NONE) {
            return drop(pt, DropReason.CONNECTION_POOL_FULL, null);
        }
        final int workerGlobal = Dispatch.worker(d);
        final int s = dp.createSession(dt, TransportProto.TCP, Dispatch.listenSession(d), workerGlobal, conn, fib);
        if (s == SessionPool.NONE) {
            c.free(conn);
            return drop(pt, DropReason.SESSION_POOL_FULL, null);
        }
        final long handle = SessionHandle.make(thread, s);
        final long ref = table.putIfAbsentAt(key, handle);
        if (ref < 0) {
            dp.abort(dt, s);
            c.free(conn);
            return drop(pt, DropReason.TABLE_FULL, null);
        }
        c.tableRef(conn, ref);
        open(pt, conn, s, fib, seg, seg.seq, TcpConnections.SYN_RCVD);
        pt.count(TcpCounter.SYNS_ACCEPTED);
        send(pt, conn, TcpSegment.SYN | TcpSegment.ACK, TcpCounter.SYNACKS_SENT);
        r.kind = CREATED;
        r.session = handle;
        r.workerGlobal = workerGlobal;
        return CREATED;
    }

    /**
     * Fills a new connection from the flow it is for (local = the flow's local end), picks its
     * ISN, puts it in {@code state} and arms the handshake timer.
     */
    private void open(PerThread pt, int conn, int session, int fib, TcpSegment f, int irs, byte state) {
        final long now = now(pt);
        pt.conns.fill(conn, state, session, fib, f, initialSequence(f, now), irs);
        pt.conns.armTimer(conn, now + config.handshakeTimeoutNanos());
    }

    /** RFC 6528: a keyed hash of the 4-tuple plus a clock ticking every 4 µs (here 4.096 µs). */
    private int initialSequence(TcpSegment seg, long now) {
        int h = seg.ip4
                ? JHash.inetEhash(seg.dstIp4, seg.dstPort, seg.srcIp4, seg.srcPort, config.isnSecret())
                : JHash.inet6Ehash(seg.dstHi, seg.dstLo, seg.dstPort, seg.srcHi, seg.srcLo, seg.srcPort, config.isnSecret());
        return h + (int) (now >>> 12);
    }

    /**
     * A segment for a connection in the established table: the final ACK of a handshake, a
     * segment of an established connection, or a RST. Kept small, with the rare cases in methods
     * of their own, so that the JIT inlines it into {@link #process} (under its 325-byte limit
     * for hot methods).
     */
    private int existing(PerThread pt, int s, SessionHashTable table) {
        final DataThread dt = pt.dt;
        final SessionPool pool = dt.sessions();
        final InputResult r = pt.result;
        r.session = SessionHandle.make(dt.index(), s);
        if (!pool.isLive(s)) {
            return drop(pt, DropReason.NO_CONNECTION, pt.seg);
        }
        final int conn = pool.connection(s);
        final boolean synRcvd = pt.conns.is(conn, TcpConnections.SYN_RCVD);
        if (pt.seg.has(TcpSegment.RST)) {
            return peerReset(pt, conn, synRcvd, table);
        }
        return synRcvd ? synReceived(pt, s, conn, table) : establishedSegment(pt, conn, table);
    }

    /** A RST for a connection in the table: released, the app told if it had the session. */
    private int peerReset(PerThread pt, int conn, boolean synRcvd, SessionHashTable table) {
        if (synRcvd) {
            pt.dt.drop(DropReason.RESET_BY_PEER);
            pt.result.drop = DropReason.RESET_BY_PEER;
        }
        release(pt, conn, table, true);
        pt.result.kind = CLOSED;
        return CLOSED;
    }

    /** A segment (not a RST) for a connection in SYN_RCVD: the final ACK, or a retransmitted SYN. */
    private int synReceived(PerThread pt, int s, int conn, SessionHashTable table) {
        final TcpSegment seg = pt.seg;
        final TcpConnections c = pt.conns;
        if (seg.has(TcpSegment.SYN)) {
            return synRetransmitted(pt, conn);
        }
        if (!seg.has(TcpSegment.ACK) || seg.has(TcpSegment.FIN)) {
            return drop(pt, DropReason.UNEXPECTED_FLAGS, null);
        }
        if (config.checkFinalAck() && seg.ack != c.iss(conn) + 1) {
            return resetAndRelease(pt, conn, table, DropReason.BAD_ACK);
        }
        c.unlinkTimer(conn);
        c.state(conn, TcpConnections.ESTABLISHED);
        pt.count(TcpCounter.ESTABLISHED);
        final DropReason refused = dp.established(pt.dt, s);
        if (refused != null) {
            return resetAndRelease(pt, conn, table, refused);
        }
        pt.result.kind = ESTABLISHED;
        return ESTABLISHED;
    }

    /** The peer sent its SYN again while we wait for its final ACK: the SYN-ACK again. */
    private int synRetransmitted(PerThread pt, int conn) {
        pt.count(TcpCounter.SYN_RETRANSMITS);
        send(pt, conn, TcpSegment.SYN | TcpSegment.ACK, TcpCounter.SYNACKS_SENT);
        pt.result.kind = NO_CHANGE;
        return NO_CHANGE;
    }

    /** A segment (not a RST) for an ESTABLISHED connection: a FIN closes it. */
    private int establishedSegment(PerThread pt, int conn, SessionHashTable table) {
        final TcpSegment seg = pt.seg;
        if (seg.has(TcpSegment.FIN)) {
            release(pt, conn, table, false);
            pt.result.kind = CLOSED;
            return CLOSED;
        }
        if (seg.has(TcpSegment.SYN)) {
            return drop(pt, DropReason.UNEXPECTED_FLAGS, null);
        }
        pt.count(TcpCounter.ESTABLISHED_SEGMENTS);
        pt.result.kind = NO_CHANGE;
        return NO_CHANGE;
    }

    /**
     * A segment for one of our outgoing connections in SYN_SENT: the peer's SYN-ACK acknowledging
     * our SYN moves the 5-tuple from the half-open table to the established one, makes the
     * session READY and tells the app worker CONNECTED; a RST (or a SYN-ACK that acknowledges
     * something else, answered with a RST) fails the connect and tells the app.
     */
    private int halfOpen(PerThread pt, int s, SessionHashTable halfOpen, SessionHashTable established, long[] key) {
        final DataThread dt = pt.dt;
        final TcpSegment seg = pt.seg;
        final InputResult r = pt.result;
        final SessionPool pool = dt.sessions();
        r.session = SessionHandle.make(dt.index(), s);
        final int conn = pool.connection(s);
        final TcpConnections c = pt.conns;
        if (seg.has(TcpSegment.RST) || !seg.has(TcpSegment.SYN | TcpSegment.ACK) || seg.ack != c.iss(conn) + 1) {
            final boolean answer = !seg.has(TcpSegment.RST);
            r.drop = answer ? DropReason.BAD_ACK : DropReason.RESET_BY_PEER;
            dt.drop(r.drop);
            if (answer) {
                sendRst(pt, seg);
            }
            halfOpen.removeAt(c.tableRef(conn), key, r.session);
            dp.connectionLost(dt, s, true);
            c.free(conn);
            r.kind = CLOSED;
            return CLOSED;
        }
        final long ref = established.putIfAbsentAt(key, r.session);
        if (ref < 0) {
            return drop(pt, DropReason.TABLE_FULL, null);
        }
        // the half-open entry's reference is read before the established one replaces it
        halfOpen.removeAt(c.tableRef(conn), key, r.session);
        c.tableRef(conn, ref);
        c.unlinkTimer(conn);
        c.irs(conn, seg.seq);
        c.state(conn, TcpConnections.ESTABLISHED);
        pt.count(TcpCounter.ESTABLISHED);
        send(pt, conn, TcpSegment.ACK, TcpCounter.ACKS_SENT);
        DropReason refused = dp.connected(dt, s);
        if (refused != null) {
            return resetAndRelease(pt, conn, established, refused);
        }
        r.kind = ESTABLISHED;
        return ESTABLISHED;
    }

    /**
     * Opens an outgoing connection for an app worker (VPP's {@code vnet_connect}): a connection in
     * SYN_SENT and a CONNECTING session on data thread {@code thread}, the 5-tuple in the FIB's
     * half-open table, a SYN sent. The peer's SYN-ACK completes it (the worker gets CONNECTED).
     * Owner of the data thread only.
     *
     * @param tuple local and remote ends, as this host sees them
     * @return the session's handle
     * @throws dev.hoststack.api.SessionException {@link dev.hoststack.api.SessionError#LIMIT} if a
     *         pool or the table is full, {@link dev.hoststack.api.SessionError#INVALID_STATE} if the
     *         5-tuple is in use, {@link dev.hoststack.api.SessionError#NO_SUCH_WORKER} for a dead worker
     */
    public long connect(int thread, int fib, int workerGlobal, FiveTuple tuple) {
        final PerThread pt = threads[thread];
        pt.timeValid = false;
        final DataThread dt = pt.dt;
        final SessionTables tables = dp.fib(fib);
        if (tables == null) {
            throw dev.hoststack.api.SessionError.INVALID_ENDPOINT.exception("no namespace uses FIB %s", fib);
        }
        if (dp.worker(workerGlobal) == null || !dp.worker(workerGlobal).alive()) {
            throw dev.hoststack.api.SessionError.NO_SUCH_WORKER.exception("app worker %s is gone", workerGlobal);
        }
        final TcpSegment f = pt.flow;
        f.ip4 = tuple.isIp4();
        if (f.ip4) {
            f.dstIp4 = Ip.ip4(tuple.local());
            f.srcIp4 = Ip.ip4(tuple.remote());
        } else {
            f.dstHi = Ip.ip6Hi(tuple.local());
            f.dstLo = Ip.ip6Lo(tuple.local());
            f.srcHi = Ip.ip6Hi(tuple.remote());
            f.srcLo = Ip.ip6Lo(tuple.remote());
        }
        f.dstPort = tuple.localPort();
        f.srcPort = tuple.remotePort();
        final long[] key = dt.key;
        SessionKeys.connection(key, f);
        if (tables.table(f.ip4).get(key) != SessionHandle.INVALID || tables.halfOpen(f.ip4).get(key) != SessionHandle.INVALID) {
            throw dev.hoststack.api.SessionError.INVALID_STATE.exception("%s is in use", tuple);
        }
        final TcpConnections c = pt.conns;
        final int conn = c.allocate();
        if (conn == TcpConnections.NONE) {
            throw dev.hoststack.api.SessionError.LIMIT.exception("thread %s's connection pool is full", thread);
        }
        final int s = dp.createSession(dt, TransportProto.TCP, SessionPool.NONE, workerGlobal, conn, fib);
        if (s == SessionPool.NONE) {
            c.free(conn);
            throw dev.hoststack.api.SessionError.LIMIT.exception("thread %s's session pool is full", thread);
        }
        dt.sessions().state(s, dev.hoststack.api.SessionState.CONNECTING);
        final long handle = SessionHandle.make(thread, s);
        final long ref = tables.halfOpen(f.ip4).putIfAbsentAt(key, handle);
        if (ref < 0) {
            dp.abort(dt, s);
            c.free(conn);
            throw dev.hoststack.api.SessionError.LIMIT.exception("the half-open table of FIB %s is full", fib);
        }
        c.tableRef(conn, ref);
        open(pt, conn, s, fib, f, -1, TcpConnections.SYN_SENT);
        send(pt, conn, TcpSegment.SYN, TcpCounter.SYNS_SENT);
        return handle;
    }

    /** Counts {@code reason}, answers the connection with a RST and releases it: {@link #CLOSED}. */
    private int resetAndRelease(PerThread pt, int conn, SessionHashTable table, DropReason reason) {
        pt.result.drop = reason;
        pt.dt.drop(reason);
        send(pt, conn, TcpSegment.RST, TcpCounter.RSTS_SENT);
        release(pt, conn, table, false);
        pt.result.kind = CLOSED;
        return CLOSED;
    }

    /**
     * Removes a connection's 5-tuple from its table, tells the session layer (which tells the
     * app if the session was established, then frees the session), and frees the connection.
     */
    private void release(PerThread pt, int conn, SessionHashTable table, boolean reset) {
        final TcpConnections c = pt.conns;
        unlink(pt, conn, table);
        dp.connectionLost(pt.dt, c.session(conn), reset);
        c.free(conn);
    }

    /** Takes a connection's 5-tuple out of {@code table}, looking first where its entry reference says it went. */
    private void unlink(PerThread pt, int conn, SessionHashTable table) {
        final TcpConnections c = pt.conns;
        final long[] key = pt.dt.key2;
        c.key(conn, key);
        table.removeAt(c.tableRef(conn), key, SessionHandle.make(pt.dt.index(), c.session(conn)));
    }

    /**
     * The table that holds a connection's 5-tuple: its FIB's half-open table while it opens
     * ({@code SYN_SENT}), else the FIB's session table.
     */
    private SessionHashTable tableOf(TcpConnections c, int conn) {
        final SessionTables tables = dp.fib(c.fib(conn));
        return c.is(conn, TcpConnections.SYN_SENT) ? tables.halfOpen(c.ip4(conn)) : tables.table(c.ip4(conn));
    }

    private int drop(PerThread pt, DropReason reason, TcpSegment answerWithRst) {
        pt.dt.drop(reason);
        pt.result.drop = reason;
        pt.result.kind = DROPPED;
        if (reason.isReset() && answerWithRst != null) {
            sendRst(pt, answerWithRst);
        }
        return DROPPED;
    }

    /**
     * Runs data thread {@code thread}'s mailbox and expires handshakes whose time is up. Call it
     * from the thread's owner, regularly.
     *
     * @return how many mailbox items ran plus connections expired
     */
    public int poll(int thread) {
        final PerThread pt = threads[thread];
        pt.timeValid = false;
        return pollAt(pt);
    }

    /**
     * As {@link #poll(int)}, at the caller's loop time {@code now} (see
     * {@link #input(int, ByteBuffer, int, long)}): handshakes whose deadline is at or before
     * {@code now} expire.
     */
    public int poll(int thread, long now) {
        final PerThread pt = threads[thread];
        pt.now = now;
        pt.timeValid = true;
        return pollAt(pt);
    }

    private int pollAt(PerThread pt) {
        final int ran = dp.runPending(pt.dt);
        // no clock read while no handshake timer is armed
        return pt.conns.timerHead() == TcpConnections.NONE ? ran : ran + expireTimers(pt, now(pt));
    }

    private int expireTimers(PerThread pt, long now) {
        final TcpConnections c = pt.conns;
        int n = 0;
        for (int conn = c.timerHead(); conn != TcpConnections.NONE && c.deadline(conn) - now <= 0; conn = c.timerHead()) {
            c.unlinkTimer(conn);
            pt.dt.drop(DropReason.HANDSHAKE_TIMEOUT);
            pt.count(TcpCounter.HANDSHAKE_TIMEOUTS);
            release(pt, conn, tableOf(c, conn), true);
            n++;
        }
        return n;
    }

    // ================================================================ sending

    /**
     * Sends a segment of connection {@code conn} with exactly {@code flags} (the caller adds ACK
     * where it belongs: everything but a RST and our opening SYN carries one): sequence number
     * the ISS for a SYN, else ISS + 1; acknowledgement IRS + 1 when ACK is set, else 0. The
     * IPv4 and IPv6 writes are methods of their own, so that each stays small enough for the JIT
     * to inline where it is hot.
     */
    private void send(PerThread pt, int conn, int flags, TcpCounter counter) {
        pt.count(counter);
        final TcpOutput out = output;
        if (out == null) {
            return;
        }
        final ByteBuffer tx = pt.tx;
        tx.clear();
        final TcpConnections c = pt.conns;
        tx.limit(c.ip4(conn) ? write4(c, conn, tx, flags) : write6(c, conn, tx, flags));
        out.transmit(pt.dt.index(), tx);
    }

    private static int write4(TcpConnections c, int conn, ByteBuffer tx, int flags) {
        return SegmentWriter.writeIp4(tx, c.addressSum(conn), c.localIp4(conn), c.localPort(conn), c.remoteIp4(conn),
                c.remotePort(conn), (flags & TcpSegment.SYN) != 0 ? c.iss(conn) : c.iss(conn) + 1,
                (flags & TcpSegment.ACK) != 0 ? c.irs(conn) + 1 : 0, flags, 65535);
    }

    private static int write6(TcpConnections c, int conn, ByteBuffer tx, int flags) {
        return SegmentWriter.writeIp6(tx, c.addressSum(conn), c.localHi(conn), c.localLo(conn), c.localPort(conn),
                c.remoteHi(conn), c.remoteLo(conn), c.remotePort(conn),
                (flags & TcpSegment.SYN) != 0 ? c.iss(conn) : c.iss(conn) + 1,
                (flags & TcpSegment.ACK) != 0 ? c.irs(conn) + 1 : 0, flags, 65535);
    }

    /** RFC 9293 reset generation for a segment that has no connection. */
    private void sendRst(PerThread pt, TcpSegment seg) {
        if (seg.has(TcpSegment.RST)) {
            return;
        }
        pt.count(TcpCounter.RSTS_SENT);
        final TcpOutput out = output;
        if (out == null) {
            return;
        }
        final int seq;
        final int ack;
        final int flags;
        if (seg.has(TcpSegment.ACK)) {
            seq = seg.ack;
            ack = 0;
            flags = TcpSegment.RST;
        } else {
            seq = 0;
            ack = seg.seq + seg.payloadLength + (seg.has(TcpSegment.SYN) ? 1 : 0) + (seg.has(TcpSegment.FIN) ? 1 : 0);
            flags = TcpSegment.RST | TcpSegment.ACK;
        }
        final ByteBuffer tx = pt.tx;
        tx.clear();
        int len = seg.ip4
                ? SegmentWriter.writeIp4(tx, seg.dstIp4, seg.dstPort, seg.srcIp4, seg.srcPort, seq, ack, flags, 0)
                : SegmentWriter.writeIp6(tx, seg.dstHi, seg.dstLo, seg.dstPort, seg.srcHi, seg.srcLo, seg.srcPort,
                        seq, ack, flags, 0);
        tx.limit(len);
        out.transmit(pt.dt.index(), tx);
    }

    // ================================================================ Transport (session layer's calls)

    @Override
    public void close(int thread, int connection) {
        PerThread pt = threads[thread];
        TcpConnections c = pt.conns;
        if (!c.isLive(connection)) {
            return;
        }
        if (c.is(connection, TcpConnections.ESTABLISHED)) {
            send(pt, connection, TcpSegment.FIN | TcpSegment.ACK, TcpCounter.FINS_SENT);
        } else {
            send(pt, connection, TcpSegment.RST, TcpCounter.RSTS_SENT);
        }
        closeQuietly(pt, connection);
    }

    @Override
    public void reset(int thread, int connection) {
        PerThread pt = threads[thread];
        TcpConnections c = pt.conns;
        if (!c.isLive(connection)) {
            return;
        }
        send(pt, connection, TcpSegment.RST, TcpCounter.RSTS_SENT);
        closeQuietly(pt, connection);
    }

    /** Local close: table entry out, session and connection freed, no app event. */
    private void closeQuietly(PerThread pt, int conn) {
        TcpConnections c = pt.conns;
        unlink(pt, conn, tableOf(c, conn));
        if (pt.dt.sessions().isLive(c.session(conn))) {
            dp.free(pt.dt, c.session(conn));
        }
        c.free(conn);
    }

    @Override
    public FiveTuple tuple(int thread, int connection) {
        TcpConnections c = threads[thread].conns;
        return c.ip4(connection)
                ? new FiveTuple(TransportProto.TCP, Ip.fromIp4(c.localIp4(connection)), c.localPort(connection),
                        Ip.fromIp4(c.remoteIp4(connection)), c.remotePort(connection))
                : new FiveTuple(TransportProto.TCP, Ip.fromIp6(c.localHi(connection), c.localLo(connection)),
                        c.localPort(connection), Ip.fromIp6(c.remoteHi(connection), c.remoteLo(connection)),
                        c.remotePort(connection));
    }

    @Override
    public dev.hoststack.api.spi.FlowView flow(int thread, int connection) {
        PerThread pt = threads[thread];
        TcpConnections c = pt.conns;
        TcpSegment f = pt.flow;
        final boolean v4 = c.ip4(connection);
        f.ip4 = v4;
        f.dstIp4 = v4 ? c.localIp4(connection) : 0;
        f.srcIp4 = v4 ? c.remoteIp4(connection) : 0;
        f.dstHi = v4 ? 0 : c.localHi(connection);
        f.dstLo = v4 ? 0 : c.localLo(connection);
        f.srcHi = v4 ? 0 : c.remoteHi(connection);
        f.srcLo = v4 ? 0 : c.remoteLo(connection);
        f.dstPort = c.localPort(connection);
        f.srcPort = c.remotePort(connection);
        return f;
    }

    @Override
    public TransportConnection describe(int thread, int connection) {
        TcpConnections c = threads[thread].conns;
        return new Snapshot(thread, connection, c.state(connection).name(),
                SessionHandle.make(thread, c.session(connection)));
    }

    /** The initial sequence number we sent for a connection (for tests and clients of the model). */
    public int iss(int thread, int connection) {
        return threads[thread].conns.iss(connection);
    }

    /**
     * The initial sequence number we sent on a session's connection (owner of its thread only).
     *
     * @throws IllegalArgumentException if the handle names no live session
     */
    public int issOfSession(long sessionHandle) {
        int t = SessionHandle.thread(sessionHandle);
        SessionPool pool = threads[t].dt.sessions();
        int s = SessionHandle.index(sessionHandle);
        if (!pool.isLive(s)) {
            throw new IllegalArgumentException("no live session " + SessionHandle.format(sessionHandle));
        }
        return threads[t].conns.iss(pool.connection(s));
    }

    /** Live connections of a thread (any thread; exact when the owner is quiescent). */
    public int connections(int thread) {
        return threads[thread].conns.live();
    }

    /** A counter of one thread (any thread). */
    public long counter(int thread, TcpCounter counter) {
        return (long) LONGS.getOpaque(threads[thread].counters, counter.ordinal());
    }

    /** A counter summed over threads. */
    public long counter(TcpCounter counter) {
        long n = 0;
        for (int t = 0; t < threads.length; t++) {
            n += counter(t, counter);
        }
        return n;
    }

    private record Snapshot(int thread, int index, String state, long sessionHandle) implements TransportConnection {
        @Override
        public TransportProto proto() {
            return TransportProto.TCP;
        }
    }
}
