package dev.hoststack.bench;

import dev.hoststack.api.TransportProto;
import dev.hoststack.bench.support.Flows;
import dev.hoststack.bench.support.NaiveListeners;
import dev.hoststack.bench.support.Stacks;
import dev.hoststack.session.ListenOptions;
import dev.hoststack.session.ListenTarget;
import dev.hoststack.session.SessionLayer;
import dev.hoststack.session.SessionTables;
import dev.hoststack.stack.Stack;
import dev.hoststack.tcp.TcpSegment;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * Listener lookup for a SYN, and the choice of worker that follows it, on a real stack:
 * <ul>
 *   <li>{@code exact}: a plain listener on 10.0.0.1:80 (one application, one worker);</li>
 *   <li>{@code wildcard}: a plain listener on 0.0.0.0:8080, found after the exact key missed;</li>
 *   <li>{@code groupRoundRobin}: a reuseport group on 10.0.0.1:443 of the seed's app1, app2, app3
 *       (1, 2, 3 workers) with the round-robin selector: the table gives the group value, and
 *       {@code dispatch} resolves it through the group table and the selector;</li>
 *   <li>{@code groupHash}: the same group shape on 10.0.0.1:8443 with the hash selector.</li>
 * </ul>
 * Flows are 1024 real SYNs parsed into {@link TcpSegment}s, taken in turn.
 *
 * <p>{@link #hoststack} = {@code findListener} + the listener's {@code dispatch}, what the SYN
 * path does (the figure for the target "listener lookup + selection"); {@link #hoststackLookupOnly}
 * is its first half (a component); {@link #hashMap} is the baseline: {@link NaiveListeners}.
 */
@State(Scope.Benchmark)
public class ListenerLookupBenchmark extends AbstractBenchmark {

    /** Which listener the flows hit. */
    @Param({"exact", "wildcard", "groupRoundRobin", "groupHash"})
    public String listener;

    private static final int FLOWS = 1024;
    private static final int SERVER = Flows.ip4(10, 0, 0, 1);

    Stack stack;
    SessionLayer layer;
    SessionTables tables;
    TcpSegment[] flows;
    NaiveListeners naive;
    int cursor;

    /** Builds the stack, its listeners, the baseline's, and the flows. */
    @Setup
    public void setUp() {
        stack = Stacks.create(1);
        Stacks.attach(stack, "exact", 1);
        stack.listen("exact", 0, "tcp://10.0.0.1/80", ListenOptions.PLAIN);
        Stacks.attach(stack, "wild", 1);
        stack.listen("wild", 0, "tcp://0.0.0.0/8080", ListenOptions.PLAIN);
        for (String sel : new String[] {"roundrobin", "hash"}) {
            String uri = sel.equals("hash") ? "tcp://10.0.0.1/8443" : "tcp://10.0.0.1/443";
            for (int a = 1; a <= 3; a++) {
                String app = sel + "-app" + a;
                Stacks.attach(stack, app, a);
                Stacks.listenAll(stack, app, a, uri, ListenOptions.reuseport(sel));
            }
        }
        layer = stack.session();
        tables = layer.fib(0);

        naive = new NaiveListeners();
        int w = 0;
        naive.put(TCP, SERVER, 80, new NaiveListeners.Listener(false, new NaiveListeners.App(w++)));
        naive.put(TCP, 0, 8080, new NaiveListeners.Listener(false, new NaiveListeners.App(w++)));
        for (boolean hash : new boolean[] {false, true}) {
            NaiveListeners.App[] apps = {new NaiveListeners.App(w++), new NaiveListeners.App(w++, w++),
                new NaiveListeners.App(w++, w++, w++)};
            naive.put(TCP, SERVER, hash ? 8443 : 443, new NaiveListeners.Listener(hash, apps));
        }

        int port = switch (listener) {
            case "exact" -> 80;
            case "wildcard" -> 8080;
            case "groupRoundRobin" -> 443;
            case "groupHash" -> 8443;
            default -> throw new IllegalArgumentException("unknown listener case " + listener);
        };
        flows = Flows.syns4(FLOWS, SERVER, port, 11);
        for (TcpSegment f : flows) {
            long v = layer.dataPlane().lookupListener(tables, f);
            if (v < 0 || layer.dataPlane().dispatch(v, f, 0) < 0 || naive.lookup(TCP, f.localIp4(), f.localPort()) == null) {
                throw new IllegalStateException("flow " + f + " finds no listener");
            }
        }
    }

    /** The control plane's calls above made this thread the control thread; JMH may run iterations on another. */
    @Setup(Level.Iteration)
    public void claim() {
        layer.claimControl();
    }

    private TcpSegment nextFlow() {
        int c = cursor;
        cursor = c + 1 & FLOWS - 1;
        return flows[c];
    }

    /**
     * The project, as the SYN path does it: {@code findListener} (the table set's listener index:
     * exact address, then wildcard) and the listener's {@code dispatch} (app listener round robin,
     * or the group's selector).
     */
    @Benchmark
    public long hoststack() {
        final TcpSegment f = nextFlow();
        final ListenTarget l = layer.dataPlane().findListener(tables, TransportProto.TCP, f);
        return l == null ? -1 : l.dispatch(f, 0);
    }

    /** Component: {@code findListener} alone. */
    @Benchmark
    public ListenTarget hoststackLookupOnly() {
        return layer.dataPlane().findListener(tables, TransportProto.TCP, nextFlow());
    }

    /** Baseline: {@code HashMap<ListenerKey, Listener>} exact then wildcard, then the listener's choice. */
    @Benchmark
    public int hashMap() {
        final TcpSegment f = nextFlow();
        NaiveListeners.Listener l = naive.lookup(TCP, f.localIp4(), f.localPort());
        return l.select(TCP, f.localIp4(), f.localPort(), f.remoteIp4(), f.remotePort());
    }
}
