package dev.hoststack.session.internal;

import static com.google.common.base.Preconditions.checkArgument;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * A bounded one-producer, one-consumer queue of records of three {@code long}s, with no
 * allocation per record and no atomic read-modify-write: the producer publishes its tail with a
 * release store, the consumer its head likewise (Lamport's ring, with the producer caching the
 * consumer's head as JCTools' {@code SpscArrayQueue} does, so that a producer far from full reads
 * no shared field).
 *
 * <p>Written by hand rather than taken from a library for the reasons {@link MpscLongRing} gives
 * (records of primitives, no {@code Unsafe}).
 *
 * <p>Threading: {@link #offer} from one thread at a time, {@link #drain} from one thread at a
 * time (each may change, with a happens-before edge between the old and the new thread, as when
 * a data thread changes owner). {@link #size()} from any thread (an estimate while either runs).
 */
public final class SpscLongRing {

    private static final VarHandle LONGS = MethodHandles.arrayElementVarHandle(long[].class);
    private static final int WIDTH = 3;
    /** Longs between the ends' cells: 128 bytes, so producer and consumer share no cache line. */
    private static final int PAD = 16;
    private static final int TAIL = PAD;
    private static final int HEAD = 2 * PAD;

    private final int capacity;
    private final int mask;
    private final long[] data;
    /** {@code ends[TAIL]}: records published; {@code ends[HEAD]}: records taken. */
    private final long[] ends = new long[3 * PAD];
    /** The producer's last reading of the head (producer only). */
    private long headCache;
    /** The producer's tail (producer only; published to {@code ends[TAIL]}). */
    private long tail;

    /**
     * @param capacity records it holds, a power of two
     */
    public SpscLongRing(int capacity) {
        checkArgument(capacity > 0 && Integer.bitCount(capacity) == 1, "capacity %s is not a power of two", capacity);
        this.capacity = capacity;
        this.mask = capacity - 1;
        this.data = new long[capacity * WIDTH];
    }

    /** The number of records it holds at most. */
    public int capacity() {
        return capacity;
    }

    /**
     * Adds a record (producer only).
     *
     * @return false if the ring is full (nothing was added)
     */
    public boolean offer(long a, long b, long c) {
        final long t = tail;
        if (t - headCache >= capacity) {
            headCache = (long) LONGS.getAcquire(ends, HEAD);
            if (t - headCache >= capacity) {
                return false;
            }
        }
        final int p = (int) (t & mask) * WIDTH;
        data[p] = a;
        data[p + 1] = b;
        data[p + 2] = c;
        tail = t + 1;
        LONGS.setRelease(ends, TAIL, t + 1);
        return true;
    }

    /**
     * Receives one record with a context the consumer passes to {@link #drain(ContextHandler, Object, int)}.
     *
     * @param <C> the context's type
     */
    @FunctionalInterface
    public interface ContextHandler<C> {
        /** One record, with the drain's context. */
        void onRecord(C context, long a, long b, long c);
    }

    /**
     * Takes up to {@code max} records, oldest first (consumer only).
     *
     * @return how many were taken
     */
    public int drain(MpscLongRing.RecordHandler handler, int max) {
        return drain(PLAIN, handler, max);
    }

    private static final ContextHandler<MpscLongRing.RecordHandler> PLAIN = (h, a, b, c) -> h.onRecord(a, b, c);

    /**
     * Takes up to {@code max} records, oldest first, handing each to {@code handler} with
     * {@code context} (consumer only). The context saves a consumer from keeping its per-drain
     * state in a field for a handler object to read: a reference stored in a long-lived object
     * costs a G1 write barrier, whose card check takes a StoreLoad fence.
     *
     * @return how many were taken
     */
    public <C> int drain(ContextHandler<C> handler, C context, int max) {
        long h = (long) LONGS.getOpaque(ends, HEAD);
        final long t = (long) LONGS.getAcquire(ends, TAIL);
        int n = 0;
        while (n < max && h != t) {
            final int p = (int) (h & mask) * WIDTH;
            final long a = data[p];
            final long b = data[p + 1];
            final long c = data[p + 2];
            h++;
            // released before the handler runs: the slot is free, and the handler may make the
            // producer run (a reply applied on the same thread) which then sees the room
            LONGS.setRelease(ends, HEAD, h);
            n++;
            handler.onRecord(context, a, b, c);
        }
        return n;
    }

    /** Records queued and not yet taken (any thread; an estimate while either end runs). */
    public int size() {
        final long h = (long) LONGS.getAcquire(ends, HEAD);
        final long t = (long) LONGS.getAcquire(ends, TAIL);
        return (int) Math.max(0, Math.min(capacity, t - h));
    }
}
