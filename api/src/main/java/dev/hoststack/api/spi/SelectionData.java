package dev.hoststack.api.spi;

import java.util.Arrays;

/**
 * A selector's policy for one group view written down as data, for an engine that runs it without
 * calling the selector: the kernel, through an {@code SK_REUSEPORT} program over tables a daemon
 * publishes (module {@code reuseport-bpf}, {@code docs/kernel-dispatch.md}). Three shapes, each
 * what such a program can do per connection in a few instructions:
 *
 * <ul>
 *   <li>{@link Sequence}: a repeating sequence of members; the member that comes up gives the
 *       connection to its next worker in turn. Round robin is the sequence {@code 0, 1, ..., n-1};
 *       a weighted round robin names member {@code i} {@code w_i} times.</li>
 *   <li>{@link Lookup}: a table of worker slots indexed by a hash of the connection's 4-tuple
 *       (consistent hashing such as Maglev).</li>
 *   <li>{@link KernelHash}: the engine's own hash over every worker of the group (the kernel's
 *       SO_REUSEPORT choice).</li>
 * </ul>
 *
 * <p>Slots and member positions are those of the {@link ReuseportGroupView} the data was made
 * for. Values are immutable (the arrays are copied in and out) and safe to share.
 */
public sealed interface SelectionData permits SelectionData.Sequence, SelectionData.Lookup, SelectionData.KernelHash {

    /**
     * A repeating sequence of member positions: connection {@code c} goes to member
     * {@code sequence[c % length]}, which gives it to its next worker in ascending worker order
     * (each member keeps its own worker rotation for as long as it stays a member).
     *
     * @param sequence member positions, each in {@code 0..memberCount()-1}, at least one
     */
    record Sequence(int[] sequence) implements SelectionData {

        /** Copies and checks that it is not empty and has no negative position. */
        public Sequence {
            if (sequence == null || sequence.length == 0) {
                throw new IllegalArgumentException("a sequence needs at least one member position");
            }
            sequence = sequence.clone();
            for (int m : sequence) {
                if (m < 0) {
                    throw new IllegalArgumentException("member positions are >= 0, got " + m);
                }
            }
        }

        /** Round robin over {@code members} members in join order: {@code 0, 1, ..., members-1}. */
        public static Sequence roundRobin(int members) {
            int[] s = new int[members];
            for (int i = 0; i < members; i++) {
                s[i] = i;
            }
            return new Sequence(s);
        }

        /** The sequence (a copy). */
        @Override
        public int[] sequence() {
            return sequence.clone();
        }

        /** Its length. */
        public int length() {
            return sequence.length;
        }

        /** The member position at {@code i}. */
        public int at(int i) {
            return sequence[i];
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Sequence s && Arrays.equals(sequence, s.sequence);
        }

        @Override
        public int hashCode() {
            return Arrays.hashCode(sequence);
        }

        @Override
        public String toString() {
            return "Sequence" + (sequence.length <= 32 ? Arrays.toString(sequence) : "[" + sequence.length + " entries]");
        }
    }

    /**
     * A table of worker slots: a connection goes to {@code slots[b]}, where {@code b} is the
     * engine's hash of the 4-tuple mapped onto the table's size (the kernel: its own
     * {@code sk_reuseport_md.hash} modulo the size). Which flow lands in which bucket is the
     * engine's; what the table gives is the share of each slot and, for a consistent-hashing table,
     * how few buckets change owner when membership changes.
     *
     * @param slots worker slots, each in {@code 0..workerCount()-1}, at least one
     */
    record Lookup(int[] slots) implements SelectionData {

        /** Copies and checks that it is not empty and has no negative slot. */
        public Lookup {
            if (slots == null || slots.length == 0) {
                throw new IllegalArgumentException("a lookup table needs at least one entry");
            }
            slots = slots.clone();
            for (int s : slots) {
                if (s < 0) {
                    throw new IllegalArgumentException("worker slots are >= 0, got " + s);
                }
            }
        }

        /** The table (a copy). */
        @Override
        public int[] slots() {
            return slots.clone();
        }

        /** Its size. */
        public int size() {
            return slots.length;
        }

        /** The slot of bucket {@code i}. */
        public int slot(int i) {
            return slots[i];
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Lookup l && Arrays.equals(slots, l.slots);
        }

        @Override
        public int hashCode() {
            return Arrays.hashCode(slots);
        }

        @Override
        public String toString() {
            return "Lookup[" + slots.length + " entries]";
        }
    }

    /** The engine's own hash of the 4-tuple over every worker of the group, as the kernel's SO_REUSEPORT picks. */
    record KernelHash() implements SelectionData {
    }

    /** The one {@link KernelHash}. */
    KernelHash KERNEL_HASH = new KernelHash();

    /**
     * Checks {@code data} against the view it was made for: member positions below
     * {@code memberCount()}, slots below {@code workerCount()}.
     *
     * @return {@code data}
     * @throws IllegalArgumentException naming the first entry out of range
     */
    static SelectionData check(SelectionData data, ReuseportGroupView view) {
        if (data instanceof Sequence s) {
            for (int i = 0; i < s.length(); i++) {
                if (s.at(i) >= view.memberCount()) {
                    throw new IllegalArgumentException("sequence entry " + i + " is member " + s.at(i) + "; the view has "
                            + view.memberCount() + " members");
                }
            }
        } else if (data instanceof Lookup l) {
            for (int i = 0; i < l.size(); i++) {
                if (l.slot(i) >= view.workerCount()) {
                    throw new IllegalArgumentException("lookup entry " + i + " is slot " + l.slot(i) + "; the view has "
                            + view.workerCount() + " worker slots");
                }
            }
        }
        return data;
    }
}
