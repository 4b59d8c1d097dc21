package dev.hoststack.client;

import java.util.concurrent.TimeUnit;

/** Waits for a condition on a daemon (tests). */
final class DaemonsWait {

    /** A condition that may throw. */
    interface Check {
        boolean holds() throws Exception;
    }

    private DaemonsWait() {
    }

    /** Polls every 50 ms for at most 20 s; fails saying {@code what} was expected. */
    static void until(Check check, String what) throws Exception {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (!check.holds()) {
            if (System.nanoTime() > end) {
                throw new AssertionError("not within 20 s: " + what);
            }
            Thread.sleep(50);
        }
    }
}
