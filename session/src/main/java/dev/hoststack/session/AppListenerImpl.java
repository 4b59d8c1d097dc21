package dev.hoststack.session;

import dev.hoststack.api.AppListener;
import dev.hoststack.api.Endpoint;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * An app listener: one application's listener on one endpoint, shared by its workers, which it
 * records in a bitmap (VPP's {@code app_listener_t}).
 *
 * <p>The bitmap is replaced, never changed in place, on the control thread; data threads read it
 * without locks. {@link #selectWorker()} is VPP's round robin: the next set bit after a rotor,
 * wrapping to the first set bit. Like VPP's, the rotor is written by whichever data thread
 * receives the SYN, with no atomics: exactly round robin when one thread receives, roughly so
 * when several do (two threads may pick the same worker).
 */
public final class AppListenerImpl implements AppListener {

    private final ApplicationImpl app;
    private final Endpoint endpoint;
    private final boolean reuseport;
    private final String selector;
    private ListenSession listenSession;
    private volatile long[] workers = new long[1];
    private int rotor;

    AppListenerImpl(ApplicationImpl app, Endpoint endpoint, boolean reuseport, String selector) {
        this.app = app;
        this.endpoint = endpoint;
        this.reuseport = reuseport;
        this.selector = selector;
    }

    @Override
    public ApplicationImpl application() {
        return app;
    }

    @Override
    public Endpoint endpoint() {
        return endpoint;
    }

    @Override
    public boolean reuseport() {
        return reuseport;
    }

    /** The selector name the listen asked for, or null. */
    public String selector() {
        return selector;
    }

    /** Its listen session. */
    public ListenSession listenSession() {
        return listenSession;
    }

    void listenSession(ListenSession ls) {
        this.listenSession = ls;
    }

    @Override
    public long listenSessionHandle() {
        return listenSession.handle();
    }

    @Override
    public List<Integer> workers() {
        List<Integer> out = new ArrayList<>();
        long[] bits = workers;
        for (int i = nextSetBit(bits, 0); i >= 0; i = nextSetBit(bits, i + 1)) {
            out.add(i);
        }
        return out;
    }

    /** The listening workers' indices, ascending (allocates; control plane). */
    public int[] workerArray() {
        return workers().stream().mapToInt(Integer::intValue).toArray();
    }

    /** Whether worker {@code w} listens. Allocation-free. */
    public boolean hasWorker(int w) {
        long[] bits = workers;
        return w >= 0 && (w >> 6) < bits.length && (bits[w >> 6] & 1L << w) != 0;
    }

    /** The number of listening workers. */
    public int workerCount() {
        int n = 0;
        for (long word : workers) {
            n += Long.bitCount(word);
        }
        return n;
    }

    void setWorker(int w, boolean on) {
        long[] bits = Arrays.copyOf(workers, Math.max(workers.length, (w >> 6) + 1));
        if (on) {
            bits[w >> 6] |= 1L << w;
        } else {
            bits[w >> 6] &= ~(1L << w);
        }
        workers = bits;
    }

    /**
     * VPP's in-app round robin: the next listening worker after the rotor, wrapping to the first.
     * Allocation-free. With workers {0, 1, 2} and a fresh rotor the order is 1, 2, 0, 1, ...
     *
     * @return a worker index, or -1 if none listens
     */
    public int selectWorker() {
        long[] bits = workers;
        int next = nextSetBit(bits, rotor + 1);
        if (next < 0) {
            next = nextSetBit(bits, 0);
        }
        if (next >= 0) {
            rotor = next;
        }
        return next;
    }

    static int nextSetBit(long[] bits, int from) {
        int word = from >> 6;
        if (from < 0 || word >= bits.length) {
            return -1;
        }
        long w = bits[word] & -1L << from;
        for (;;) {
            if (w != 0) {
                return word * 64 + Long.numberOfTrailingZeros(w);
            }
            if (++word == bits.length) {
                return -1;
            }
            w = bits[word];
        }
    }

    @Override
    public String toString() {
        return app.name() + " " + endpoint.toUri() + " workers " + workers();
    }
}
