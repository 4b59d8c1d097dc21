package dev.hoststack.reuseport.bpf;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * What the sequence program selects from: applications, each with its sockets in worker order
 * and a rotor, and a repeating sequence of applications.
 *
 * <p>For each connection request the program takes the next position of the sequence (a shared
 * rotor, atomic fetch-add), then the next worker of that application (the application's own
 * rotor), and selects that worker's socket. The identity sequence {@code 0, 1, ..., n-1} is the
 * design note's round robin over applications, then over that application's workers
 * ({@link #roundRobin}); a sequence in which application {@code i} appears {@code w_i} times is a
 * weighted round robin (a smooth one from {@link #smoothWeightedSequence}).
 *
 * <p>Rotor ids are the caller's: give each application a rotor it keeps while it stays in the
 * group, so a membership change does not restart the others' worker rotation. Immutable.
 *
 * <h2>Map value layout</h2>
 * One {@code ARRAY} element, little-endian {@code u32}s, sized by {@link DispatchLimits}:
 * <pre>
 *   0                 app_count
 *   4                 seq_len
 *   8 + 16*a          apps[a] = { rotor, first, count, 0 }   a &lt; maxApps
 *   MEMBERS + 4*m     members[m] = socket array slot          m &lt; maxSockets
 *   SEQ + 4*i         seq[i] = application index              i &lt; maxSequence
 * </pre>
 * where {@code MEMBERS = 8 + 16*maxApps} and {@code SEQ = MEMBERS + 4*maxSockets}. Application
 * {@code a}'s worker {@code w} is the socket in slot {@code members[apps[a].first + w]}.
 */
public final class SequenceTable {

    static final int APP_COUNT = 0;
    static final int SEQ_LEN = 4;
    static final int APPS = 8;
    static final int APP_SIZE = 16;
    static final int APP_ROTOR = 0;
    static final int APP_FIRST = 4;
    static final int APP_COUNT_FIELD = 8;

    private final int[] rotors;
    private final int[][] slots;
    private final int[] sequence;

    private SequenceTable(int[] rotors, int[][] slots, int[] sequence) {
        this.rotors = rotors;
        this.slots = slots;
        this.sequence = sequence;
    }

    /** A builder: add applications in order, then optionally a sequence (default: each application once, in order). */
    public static Builder builder() {
        return new Builder();
    }

    /** Round robin over applications, then over each one's workers; application {@code i} gets rotor {@code i}. */
    public static SequenceTable roundRobin(int[]... slotsPerApp) {
        Builder b = builder();
        for (int i = 0; i < slotsPerApp.length; i++) {
            b.application(i, slotsPerApp[i]);
        }
        return b.build();
    }

    /**
     * The repeating sequence of smooth weighted round robin (nginx's upstream algorithm): per pick
     * every member adds its weight to its current value, the largest current wins (ties: the
     * first) and loses the total weight. One period is {@code sum(weights)} long; weights 5, 1, 1
     * give {@code 0, 0, 1, 0, 2, 0, 0}.
     */
    public static int[] smoothWeightedSequence(int... weights) {
        long total = 0;
        for (int w : weights) {
            if (w < 0) {
                throw new IllegalArgumentException("weights must be >= 0, got " + Arrays.toString(weights));
            }
            total += w;
        }
        if (total == 0 || total > (1 << 20)) {
            throw new IllegalArgumentException("weights must add up to 1..1048576, got " + total);
        }
        int[] out = new int[(int) total];
        long[] current = new long[weights.length];
        for (int k = 0; k < out.length; k++) {
            int best = -1;
            for (int i = 0; i < weights.length; i++) {
                if (weights[i] == 0) {
                    continue;
                }
                current[i] += weights[i];
                if (best < 0 || current[i] > current[best]) {
                    best = i;
                }
            }
            current[best] -= total;
            out[k] = best;
        }
        return out;
    }

    /** Number of applications. */
    public int applications() {
        return slots.length;
    }

    /** Application {@code app}'s socket array slots, in worker order (a copy). */
    public int[] slots(int app) {
        return slots[app].clone();
    }

    /** Application {@code app}'s rotor id. */
    public int rotor(int app) {
        return rotors[app];
    }

    /** The repeating sequence of application indices (a copy). */
    public int[] sequence() {
        return sequence.clone();
    }

    /** Byte offset of {@code members[]} in the map value. */
    static int membersOffset(DispatchLimits l) {
        return APPS + APP_SIZE * l.maxApps();
    }

    /** Byte offset of {@code seq[]} in the map value. */
    static int sequenceOffset(DispatchLimits l) {
        return membersOffset(l) + 4 * l.maxSockets();
    }

    /** Size of the map value for {@code limits}. */
    public static int valueSize(DispatchLimits limits) {
        return sequenceOffset(limits) + 4 * limits.maxSequence();
    }

    /** The map value, after checking the table against {@code limits}. */
    byte[] encode(DispatchLimits limits) {
        if (slots.length > limits.maxApps()) {
            throw limit(slots.length + " applications", "maxApps " + limits.maxApps());
        }
        if (sequence.length > limits.maxSequence()) {
            throw limit("a sequence of " + sequence.length, "maxSequence " + limits.maxSequence());
        }
        int members = 0;
        for (int[] s : slots) {
            members += s.length;
        }
        if (members > limits.maxSockets()) {
            throw limit(members + " worker sockets", "maxSockets " + limits.maxSockets());
        }
        ByteBuffer b = ByteBuffer.allocate(valueSize(limits)).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(APP_COUNT, slots.length);
        b.putInt(SEQ_LEN, sequence.length);
        int m = 0;
        int membersAt = membersOffset(limits);
        for (int a = 0; a < slots.length; a++) {
            if (rotors[a] >= limits.maxApps()) {
                throw limit("rotor id " + rotors[a], "maxApps " + limits.maxApps() + " (rotor ids are 0.." + (limits.maxApps() - 1) + ")");
            }
            int at = APPS + APP_SIZE * a;
            b.putInt(at + APP_ROTOR, rotors[a]);
            b.putInt(at + APP_FIRST, m);
            b.putInt(at + APP_COUNT_FIELD, slots[a].length);
            for (int s : slots[a]) {
                if (s >= limits.maxSockets()) {
                    throw limit("socket slot " + s, "maxSockets " + limits.maxSockets());
                }
                b.putInt(membersAt + 4 * m++, s);
            }
        }
        int seqAt = sequenceOffset(limits);
        for (int i = 0; i < sequence.length; i++) {
            b.putInt(seqAt + 4 * i, sequence[i]);
        }
        return b.array();
    }

    private static KernelDispatchException limit(String what, String limit) {
        return new KernelDispatchException(KernelDispatchException.Code.LIMIT_EXCEEDED,
                "sequence table has " + what + ", beyond the group's " + limit + " (DispatchLimits, fixed when the group's maps were made)");
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("SequenceTable[");
        for (int a = 0; a < slots.length; a++) {
            sb.append(a == 0 ? "" : ", ").append("app").append(a).append("(rotor ").append(rotors[a]).append(") slots ").append(Arrays.toString(slots[a]));
        }
        return sb.append("; sequence ").append(Arrays.toString(sequence)).append(']').toString();
    }

    /** Builds a {@link SequenceTable}; not thread-safe. */
    public static final class Builder {
        private final List<int[]> slots = new ArrayList<>();
        private final List<Integer> rotors = new ArrayList<>();
        private int[] sequence;

        private Builder() {
        }

        /**
         * Adds an application with rotor id {@code rotor} and its workers' socket array slots in
         * worker order; its index is the number of applications added before it.
         */
        public Builder application(int rotor, int... workerSlots) {
            if (rotor < 0) {
                throw new IllegalArgumentException("rotor id must be >= 0, got " + rotor);
            }
            if (rotors.contains(rotor)) {
                throw new IllegalArgumentException("rotor id " + rotor + " is already used by application " + rotors.indexOf(rotor));
            }
            if (workerSlots.length == 0) {
                throw new IllegalArgumentException("application with rotor " + rotor + " has no worker socket");
            }
            for (int s : workerSlots) {
                if (s < 0) {
                    throw new IllegalArgumentException("socket slots must be >= 0, got " + s);
                }
            }
            slots.add(workerSlots.clone());
            rotors.add(rotor);
            return this;
        }

        /** The repeating sequence of application indices (each below the number of applications). */
        public Builder sequence(int... appIndices) {
            this.sequence = appIndices.clone();
            return this;
        }

        /** The table; checks that every sequence entry names an application. */
        public SequenceTable build() {
            int n = slots.size();
            int[] seq = sequence;
            if (seq == null) {
                seq = new int[n];
                for (int i = 0; i < n; i++) {
                    seq[i] = i;
                }
            }
            for (int a : seq) {
                if (a < 0 || a >= n) {
                    throw new IllegalArgumentException("sequence entry " + a + " names no application (there are " + n + ")");
                }
            }
            int[] r = new int[n];
            for (int i = 0; i < n; i++) {
                r[i] = rotors.get(i);
            }
            return new SequenceTable(r, slots.toArray(new int[0][]), seq);
        }
    }
}
