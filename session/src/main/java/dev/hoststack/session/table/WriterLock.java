package dev.hoststack.session.table;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * The lock that serialises a {@link SessionHashTable}'s writers: one compare-and-set to take it,
 * a release store to give it back.
 *
 * <p>Why not {@code synchronized} or {@link java.util.concurrent.locks.ReentrantLock}: on the SYN
 * path every connection writes the table twice (the SYN's insert, the close's removal). An
 * uncontended {@code synchronized} block costs two atomic instructions on HotSpot (monitor enter
 * and exit each swap the object header), and {@code ReentrantLock} releases with a volatile store,
 * a full fence on x86; each is a full barrier that waits for the store buffer, with a SYN's worth of
 * stores in it. This lock has one atomic instruction per write. Writers are data threads whose
 * critical sections are short (a probe and a few stores; a rehash, rare, copies the table), so a
 * waiter spins briefly ({@link Thread#onSpinWait}) and then yields its core instead of parking.
 *
 * <p>Threading: any thread; not reentrant (a holder that takes it again waits forever, so the
 * table never calls out while holding it).
 */
final class WriterLock {

    private static final VarHandle HELD;

    static {
        try {
            HELD = MethodHandles.lookup().findVarHandle(WriterLock.class, "held", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** Spins before a waiter starts yielding its core. */
    private static final int SPINS = 64;

    @SuppressWarnings("unused") // through HELD
    private volatile int held;

    /** Takes the lock, waiting while another thread holds it. */
    void lock() {
        if (!HELD.compareAndSet(this, 0, 1)) {
            lockContended();
        }
    }

    private void lockContended() {
        for (int spins = 0; ; spins++) {
            if ((int) HELD.getOpaque(this) == 0 && HELD.compareAndSet(this, 0, 1)) {
                return;
            }
            if (spins < SPINS) {
                Thread.onSpinWait();
            } else {
                Thread.yield();
            }
        }
    }

    /** Gives the lock back: every write made while holding it is visible to the next holder. */
    void unlock() {
        HELD.setRelease(this, 0);
    }

    /** Whether some thread holds it now (tests). */
    boolean isHeld() {
        return (int) HELD.getVolatile(this) != 0;
    }
}
