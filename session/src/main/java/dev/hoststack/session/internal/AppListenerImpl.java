package dev.hoststack.session.internal;

import dev.hoststack.api.AppListener;
import dev.hoststack.api.DropReason;
import dev.hoststack.api.Endpoint;
import dev.hoststack.api.spi.FlowView;
import dev.hoststack.session.Dispatch;
import dev.hoststack.session.ListenTarget;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * An app listener: one application's listener on one endpoint, shared by its workers, which it
 * records in a bitmap (VPP's {@code app_listener_t}).
 *
 * <p>The bitmap, with each listening worker's precomputed {@link Dispatch} result, is replaced,
 * never changed in place, on the control thread; data threads read it without locks.
 * {@link #selectWorker()} is VPP's round robin: the next set bit after a rotor, wrapping to the
 * first set bit. Like VPP's, the rotor is written by whichever data thread receives the SYN, with
 * no atomics: exactly round robin when one thread receives, roughly so when several do (two
 * threads may pick the same worker).
 *
 * <p>As a {@link ListenTarget} it dispatches the SYNs of a listener without reuseport. It reads
 * no liveness flag: a worker that stops listening (or leaves) is taken out of the bitmap first,
 * and its index is freed only after every data thread has passed a quiescent point.
 */
public final class AppListenerImpl extends ListenTarget implements AppListener {

    /** The bitmap and, per worker index, the dispatch result of the workers it has set. Immutable. */
    private static final class Workers {
        final long[] bits;
        final long[] dispatch;

        Workers(long[] bits, long[] dispatch) {
            this.bits = bits;
            this.dispatch = dispatch;
        }
    }

    private final ApplicationImpl app;
    private final Endpoint endpoint;
    private final boolean reuseport;
    private final String selector;
    private ListenSession listenSession;
    private volatile Workers workers = new Workers(new long[1], new long[0]);
    private int rotor;

    public AppListenerImpl(ApplicationImpl app, Endpoint endpoint, boolean reuseport, String selector) {
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

    public void listenSession(ListenSession ls) {
        this.listenSession = ls;
        value(ls.handle());
    }

    @Override
    public long listenSessionHandle() {
        return listenSession.handle();
    }

    @Override
    public List<Integer> workers() {
        List<Integer> out = new ArrayList<>();
        long[] bits = workers.bits;
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
        long[] bits = workers.bits;
        return w >= 0 && (w >> 6) < bits.length && (bits[w >> 6] & 1L << w) != 0;
    }

    /** The number of listening workers. */
    public int workerCount() {
        int n = 0;
        for (long word : workers.bits) {
            n += Long.bitCount(word);
        }
        return n;
    }

    /** Sets or clears worker {@code w}'s bit (control thread; the listen session is set). */
    public void setWorker(int w, boolean on) {
        long[] bits = Arrays.copyOf(workers.bits, Math.max(workers.bits.length, (w >> 6) + 1));
        if (on) {
            bits[w >> 6] |= 1L << w;
        } else {
            bits[w >> 6] &= ~(1L << w);
        }
        long[] dispatch = new long[bits.length * 64];
        for (int i = nextSetBit(bits, 0); i >= 0; i = nextSetBit(bits, i + 1)) {
            dispatch[i] = Dispatch.of(listenSession.index(), app.worker(i).globalIndex());
        }
        workers = new Workers(bits, dispatch);
    }

    /**
     * VPP's in-app round robin: the next listening worker after the rotor, wrapping to the first.
     * Allocation-free. With workers {0, 1, 2} and a fresh rotor the order is 1, 2, 0, 1, ...
     *
     * @return a worker index, or -1 if none listens
     */
    public int selectWorker() {
        return select(workers.bits);
    }

    private int select(long[] bits) {
        int next = nextSetBit(bits, rotor + 1);
        if (next < 0) {
            next = nextSetBit(bits, 0);
        }
        if (next >= 0) {
            rotor = next;
        }
        return next;
    }

    /** VPP's round robin over the listening workers. Data plane; allocation-free. */
    @Override
    public long dispatch(FlowView flow, int thread) {
        final Workers ws = workers;
        final int w = select(ws.bits);
        return w < 0 ? Dispatch.drop(DropReason.NO_WORKER) : ws.dispatch[w];
    }

    /** The next worker in the round robin. */
    @Override
    public long redispatch(FlowView flow, int thread, long rejected, int attempt) {
        return dispatch(flow, thread);
    }

    public static int nextSetBit(long[] bits, int from) {
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
