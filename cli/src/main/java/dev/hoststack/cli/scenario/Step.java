package dev.hoststack.cli.scenario;

import dev.hoststack.api.Endpoint;
import dev.hoststack.api.Scope;
import java.net.InetSocketAddress;

/** One parsed scenario line. */
public sealed interface Step {

    /** The 1-based line number in its file. */
    int line();

    /** {@code threads N}: data threads of the stack (before any command that builds the stack). */
    record Threads(int line, int threads) implements Step {
    }

    /** {@code namespace add NAME secret N [fib F]}. */
    record NamespaceAdd(int line, String name, long secret, int fib) implements Step {
    }

    /** {@code app attach NAME [namespace NS secret N] [owner UID] [scope global|local|both]}. */
    record AppAttach(int line, String name, String namespace, long secret, int owner, Scope scope) implements Step {
    }

    /** {@code app detach NAME}. */
    record AppDetach(int line, String name) implements Step {
    }

    /** {@code worker add APP}. */
    record WorkerAdd(int line, String app) implements Step {
    }

    /** {@code worker del APP INDEX}. */
    record WorkerDel(int line, String app, int worker) implements Step {
    }

    /** {@code listen APP WORKER URI [reuseport] [selector NAME]}. */
    record Listen(int line, String app, int worker, Endpoint endpoint, boolean reuseport, String selector) implements Step {
    }

    /** {@code unlisten APP WORKER URI}. */
    record Unlisten(int line, String app, int worker, Endpoint endpoint) implements Step {
    }

    /** {@code selector default NAME}. */
    record SelectorDefault(int line, String name) implements Step {
    }

    /** {@code hash secret N}. */
    record HashSecret(int line, int secret) implements Step {
    }

    /** The kinds of segment a scenario sends. */
    enum SegmentKind {
        /** A SYN. */
        SYN,
        /** The final ACK (acknowledging the stack's SYN-ACK), or an ACK on an established connection. */
        ACK,
        /** A RST. */
        RST,
        /** A FIN+ACK. */
        FIN,
        /** A SYN followed by the final ACK. */
        CONNECT
    }

    /** {@code syn|ack|rst|fin|connect SRC DST [thread T]}. */
    record Segment(int line, SegmentKind kind, InetSocketAddress src, InetSocketAddress dst, int thread) implements Step {
    }

    /** {@code accept APP WORKER [N|all]}; {@code count} is -1 for all. */
    record Accept(int line, String app, int worker, int count) implements Step {
    }

    /** {@code advance SECONDS}: moves the stack's clock and polls every thread (handshake timeouts). */
    record Advance(int line, double seconds) implements Step {
    }

    /** {@code group migrate URI on|off}: whether the group on URI migrates a departing member's connections. */
    record GroupMigrate(int line, Endpoint endpoint, boolean on) implements Step {
    }

    /**
     * {@code group weight URI APP N}: the weight of APP's member of the group on URI; N is checked
     * when it runs (1..256, else an {@code error} event), so it is kept as written.
     */
    record GroupWeight(int line, Endpoint endpoint, String app, long weight) implements Step {
    }

    /** What {@code show} shows. */
    enum ShowWhat {
        /** App listeners. */
        LISTENERS,
        /** Reuseport groups. */
        GROUPS,
        /** Sessions. */
        SESSIONS,
        /** Counters. */
        STATS
    }

    /** {@code show listeners|groups|sessions|stats}. */
    record Show(int line, ShowWhat what) implements Step {
    }
}
