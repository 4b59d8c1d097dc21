package dev.hoststack.reuseport.bpf;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * What the lookup-table program selects from: {@code table[hash % size]} is a socket array slot,
 * where {@code hash} is the kernel's hash of the connection's 4-tuple
 * ({@code sk_reuseport_md.hash}, the same hash the kernel's own selection uses). A Maglev table,
 * or any table mapping hash buckets to sockets, fits. Immutable.
 *
 * <h2>Map value layout</h2>
 * One {@code ARRAY} element, little-endian {@code u32}s: {@code 0: size}, {@code 4: 0},
 * {@code 8 + 4*i: entry[i]} for {@code i < maxTable}.
 */
public final class LookupTable {

    static final int SIZE = 0;
    static final int ENTRIES = 8;

    private final int[] slots;

    private LookupTable(int[] slots) {
        this.slots = slots;
    }

    /** A table whose entry {@code i} is the socket array slot for hash bucket {@code i}. */
    public static LookupTable of(int... slots) {
        if (slots.length == 0) {
            throw new IllegalArgumentException("a lookup table needs at least one entry");
        }
        for (int s : slots) {
            if (s < 0) {
                throw new IllegalArgumentException("socket slots must be >= 0, got " + s);
            }
        }
        return new LookupTable(slots.clone());
    }

    /** Number of entries. */
    public int size() {
        return slots.length;
    }

    /** Entry {@code i}'s slot. */
    public int slot(int i) {
        return slots[i];
    }

    /** Size of the map value for {@code limits}. */
    public static int valueSize(DispatchLimits limits) {
        return ENTRIES + 4 * limits.maxTable();
    }

    byte[] encode(DispatchLimits limits) {
        if (slots.length > limits.maxTable()) {
            throw new KernelDispatchException(KernelDispatchException.Code.LIMIT_EXCEEDED, "lookup table has " + slots.length
                    + " entries, beyond the group's maxTable " + limits.maxTable() + " (DispatchLimits, fixed when the group's maps were made)");
        }
        ByteBuffer b = ByteBuffer.allocate(valueSize(limits)).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(SIZE, slots.length);
        for (int i = 0; i < slots.length; i++) {
            if (slots[i] >= limits.maxSockets()) {
                throw new KernelDispatchException(KernelDispatchException.Code.LIMIT_EXCEEDED,
                        "lookup table entry " + i + " is slot " + slots[i] + ", beyond the group's maxSockets " + limits.maxSockets());
            }
            b.putInt(ENTRIES + 4 * i, slots[i]);
        }
        return b.array();
    }
}
