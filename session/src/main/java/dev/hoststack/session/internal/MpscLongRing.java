package dev.hoststack.session.internal;

import static com.google.common.base.Preconditions.checkArgument;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A bounded many-producer, one-consumer queue of fixed-width records of {@code long}s, with no
 * allocation per record: D. Vyukov's bounded queue with a sequence number per slot.
 *
 * <p>Written by hand rather than taken from a library: Agrona's {@code ManyToOneRingBuffer} does
 * this over {@code sun.misc.Unsafe}, which JDK 24+ warns about at run time, and JCTools' queues
 * hold objects (a boxed record per event).
 *
 * <p>Threading: {@link #offer} from any number of threads at once; {@link #drain} from one
 * thread at a time. {@link #size()} from any thread (an estimate while producers run).
 */
public final class MpscLongRing {

    /** Receives one record. */
    @FunctionalInterface
    public interface RecordHandler {
        /** One record; {@code record[0..width)} is valid only during the call. */
        void onRecord(long a, long b, long c);
    }

    private static final VarHandle SEQ = MethodHandles.arrayElementVarHandle(long[].class);

    private final int capacity;
    private final int mask;
    private final int width;
    private final long[] sequence;
    private final long[] data;
    private final AtomicLong tail = new AtomicLong();
    /** Written by the consumer only, with release stores; read by anyone for {@link #size()}. */
    private volatile long head;
    private static final VarHandle HEAD;

    static {
        try {
            HEAD = MethodHandles.lookup().findVarHandle(MpscLongRing.class, "head", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /**
     * @param capacity records it holds, a power of two
     * @param width    longs per record, 1 to 3
     */
    public MpscLongRing(int capacity, int width) {
        checkArgument(capacity > 0 && Integer.bitCount(capacity) == 1, "capacity %s is not a power of two", capacity);
        checkArgument(width >= 1 && width <= 3, "width %s is not in 1..3", width);
        this.capacity = capacity;
        this.mask = capacity - 1;
        this.width = width;
        this.sequence = new long[capacity];
        for (int i = 0; i < capacity; i++) {
            sequence[i] = i;
        }
        this.data = new long[capacity * width];
    }

    /** The number of records it holds at most. */
    public int capacity() {
        return capacity;
    }

    /**
     * Adds a record; unused trailing fields are ignored.
     *
     * @return false if the ring is full (nothing was added)
     */
    public boolean offer(long a, long b, long c) {
        for (;;) {
            final long t = tail.get();
            final int slot = (int) (t & mask);
            final long s = (long) SEQ.getAcquire(sequence, slot);
            if (s == t) {
                if (tail.compareAndSet(t, t + 1)) {
                    final int p = slot * width;
                    data[p] = a;
                    if (width > 1) {
                        data[p + 1] = b;
                    }
                    if (width > 2) {
                        data[p + 2] = c;
                    }
                    SEQ.setRelease(sequence, slot, t + 1);
                    return true;
                }
            } else if (s < t) {
                return false;
            } else {
                Thread.onSpinWait();
            }
        }
    }

    /**
     * Takes up to {@code max} records, oldest first. One consumer thread at a time.
     *
     * @return how many were taken
     */
    public int drain(RecordHandler handler, int max) {
        long h = head;
        int n = 0;
        while (n < max) {
            final int slot = (int) (h & mask);
            if ((long) SEQ.getAcquire(sequence, slot) != h + 1) {
                break;
            }
            final int p = slot * width;
            final long a = data[p];
            final long b = width > 1 ? data[p + 1] : 0;
            final long c = width > 2 ? data[p + 2] : 0;
            SEQ.setRelease(sequence, slot, h + capacity);
            h++;
            // a release store, not a volatile one: producers synchronise through the slot's
            // sequence, and head is only read for size estimates (a volatile store is a full
            // fence per record on x86)
            HEAD.setRelease(this, h);
            n++;
            handler.onRecord(a, b, c);
        }
        return n;
    }

    /** Records queued and not yet drained. */
    public int size() {
        long h = head;
        long t = tail.get();
        return (int) Math.max(0, Math.min(capacity, t - h));
    }

    /** Records ever offered (the tail's position; an estimate while producers run). */
    public long tailPosition() {
        return tail.get();
    }

    /**
     * Records ever drained (the head's position): every record offered at a position below it has
     * been handed over. A plain read, for the consumer's own thread.
     */
    public long headPosition() {
        return (long) HEAD.get(this);
    }

    /** Whether no record is queued (cheap: one volatile read of each end). */
    public boolean isEmpty() {
        return tail.get() == head;
    }
}
