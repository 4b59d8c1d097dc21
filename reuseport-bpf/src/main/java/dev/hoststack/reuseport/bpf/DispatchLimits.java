package dev.hoststack.reuseport.bpf;

/**
 * The sizes a group's maps are created with; fixed for the group's life.
 *
 * <p>The programs check every index against these limits (the verifier insists), and a table
 * or a socket beyond them is refused with {@link KernelDispatchException.Code#LIMIT_EXCEEDED}
 * before anything reaches the kernel. Immutable.
 *
 * @param maxSockets slots of the group's socket array: sockets (one per worker) the group can hold.
 *     At most 65,535, the kernel's own reuseport group capacity ({@code U16_MAX} in
 *     {@code reuseport_grow}).
 * @param maxApps applications in a sequence table, and rotor ids (0 to {@code maxApps - 1})
 * @param maxSequence entries of a sequence table's repeating sequence
 * @param maxTable entries of a lookup table
 */
public record DispatchLimits(int maxSockets, int maxApps, int maxSequence, int maxTable) {

    /** The kernel's reuseport group capacity: {@code reuseport_grow} stops at {@code U16_MAX} sockets. */
    public static final int KERNEL_GROUP_CAPACITY = 65_535;

    /** 1,024 sockets, 256 applications, sequences of 4,096, lookup tables of 65,537 (Maglev's M). */
    public static final DispatchLimits DEFAULT = new DispatchLimits(1024, 256, 4096, 65_537);

    /** Checks each limit's range. */
    public DispatchLimits {
        check("maxSockets", maxSockets, KERNEL_GROUP_CAPACITY);
        check("maxApps", maxApps, 65_535);
        check("maxSequence", maxSequence, 1 << 20);
        check("maxTable", maxTable, 1 << 20);
    }

    private static void check(String name, int value, int max) {
        if (value < 1 || value > max) {
            throw new IllegalArgumentException(name + " must be 1.." + max + ", got " + value);
        }
    }
}
