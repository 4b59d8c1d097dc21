package dev.hoststack.api.spi;

/**
 * Packs a selector's answer into one {@code long}: the member's position in the group and the
 * worker's index inside that member's application. No allocation per selection.
 */
public final class Selection {

    /** The answer that drops the SYN (the kernel's {@code SK_DROP} from a reuseport program). */
    public static final long DROP = -1L;

    private Selection() {
    }

    /** Member {@code position}, worker {@code worker} (the worker's index inside its application). */
    public static long of(int position, int worker) {
        return (long) position << 32 | (worker & 0xFFFF_FFFFL);
    }

    /** The member position of a selection. */
    public static int member(long selection) {
        return (int) (selection >> 32);
    }

    /** The worker index of a selection. */
    public static int worker(long selection) {
        return (int) selection;
    }
}
