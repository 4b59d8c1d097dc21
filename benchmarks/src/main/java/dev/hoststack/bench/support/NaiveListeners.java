package dev.hoststack.bench.support;

import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The listener table a Java developer would write: {@code HashMap<ListenerKey, Listener>}, the
 * exact address first, then the wildcard; a listener holds its applications' workers, and picks
 * one by round robin over applications then workers (thread-safe {@link AtomicInteger} counters,
 * as a shared listener needs) or by the flow record's {@code hashCode()} over all workers.
 *
 * <p>A worker is its global index, as the session layer's dispatch returns it.
 */
public final class NaiveListeners {

    /** A listener key: protocol, local address (0 for the wildcard), port. */
    public record ListenerKey(int proto, int ip, int port) {
    }

    /** One listening application: its workers' global indices and its rotor. */
    public static final class App {
        final int[] workers;
        final AtomicInteger next = new AtomicInteger();

        /** An application with these workers. */
        public App(int... workers) {
            this.workers = workers.clone();
        }
    }

    /** A listener: one application, or a group of several. */
    public static final class Listener {
        final App[] apps;
        final boolean hash;
        final int[] allWorkers;
        final AtomicInteger next = new AtomicInteger();

        /** A listener over these applications; {@code hash} picks by flow hash instead of round robin. */
        public Listener(boolean hash, App... apps) {
            this.apps = apps.clone();
            this.hash = hash;
            this.allWorkers = java.util.Arrays.stream(apps).flatMapToInt(a -> java.util.Arrays.stream(a.workers)).toArray();
        }

        /** Picks a worker for a flow. */
        public int select(int proto, int localIp, int localPort, int remoteIp, int remotePort) {
            if (hash) {
                int h = new FiveTuple4(proto, localIp, localPort, remoteIp, remotePort).hashCode();
                return allWorkers[Math.floorMod(h, allWorkers.length)];
            }
            App a = apps[Math.floorMod(next.getAndIncrement(), apps.length)];
            return a.workers[Math.floorMod(a.next.getAndIncrement(), a.workers.length)];
        }
    }

    private final Map<ListenerKey, Listener> map = new HashMap<>();

    /** Adds a listener. */
    public void put(int proto, int ip, int port, Listener l) {
        map.put(new ListenerKey(proto, ip, port), l);
    }

    /** The listener for a local endpoint (exact, then wildcard), or null. */
    public Listener lookup(int proto, int localIp, int localPort) {
        Listener l = map.get(new ListenerKey(proto, localIp, localPort));
        return l != null ? l : map.get(new ListenerKey(proto, 0, localPort));
    }
}
