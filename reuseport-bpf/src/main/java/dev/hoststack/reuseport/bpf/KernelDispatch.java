package dev.hoststack.reuseport.bpf;

import dev.hoststack.reuseport.bpf.internal.Errno;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.BitSet;

/**
 * One reuseport group's selection, run by the kernel: an {@code SK_REUSEPORT} program, the
 * group's socket array, and the table the program reads, which a daemon replaces at run time
 * without re-attaching anything.
 *
 * <h2>Objects in the kernel</h2>
 * <ul>
 *   <li>{@code sockets}: a {@code REUSEPORT_SOCKARRAY} of {@link DispatchLimits#maxSockets()}
 *       slots. {@link #addSocket} puts a listening socket in the lowest free slot; the slot is
 *       the socket's name in every table. A socket can be in one slot of one array at a time
 *       (the kernel marks it through {@code sk_user_data}), and leaves its slot by itself when it
 *       stops listening.</li>
 *   <li>{@code table A} and {@code table B}: two one-element {@code ARRAY} maps, each holding a
 *       whole table ({@link SequenceTable} or {@link LookupTable} layout).</li>
 *   <li>{@code switch}: a one-slot {@code ARRAY_OF_MAPS} pointing at the current table.</li>
 *   <li>{@code rotors} (sequence kind): one {@code ARRAY} element of {@code u64}s; rotor 0 walks
 *       the sequence, rotor {@code 1 + r} an application's workers. Programs advance them with
 *       atomic fetch-add; they survive table changes.</li>
 * </ul>
 *
 * <h2>Publishing a table, consistently</h2>
 * {@link #publish} writes the whole new table into the table map the switch does not point at,
 * then points the switch at it. The switch update is one pointer swap, and the kernel returns from
 * it only after an RCU grace period ({@code maybe_wait_bpf_programs} in {@code kernel/bpf/syscall.c}):
 * every program run that could still see the old table has finished. A SYN therefore sees the old
 * table or the new one, never a mix, and the next publish may rewrite the old table in place.
 * Membership changes keep this order: a joining socket goes into its slot <em>before</em> a table
 * names it; a leaving socket leaves the table first (publish) and its slot after
 * ({@link #removeSocket}). A slot a table names but that holds no socket (or an index out of
 * range) selects nothing, and the kernel falls back to its hash over every listening socket of
 * the group.
 *
 * <h2>Lifecycle and threading</h2>
 * {@link #attach} installs the program on the group through any of its listening sockets. The
 * group keeps the program, and the program its maps, while any socket of the group lives — after
 * this object is closed, and after this process exits. {@link #close()} closes this process's
 * descriptors only. A later process takes the group over with {@link #reopen} from the
 * {@link #handle()} this one saved. Methods are synchronized: one control thread at a time; {@link #publish}
 * blocks for a grace period (milliseconds).
 */
public final class KernelDispatch implements AutoCloseable {

    /** Which program a group runs. */
    public enum Kind {
        /** {@link SequenceTable}: round robin over applications then workers, or any repeating sequence. */
        SEQUENCE,
        /** {@link LookupTable}: {@code table[hash % size]}. */
        LOOKUP_TABLE,
        /**
         * The kernel's own hash over the group's sockets: no table. With migration on, a two-instruction
         * {@code SELECT_OR_MIGRATE} program that selects nothing, so that the group migrates closed
         * listeners' connections; without, no program at all.
         */
        KERNEL_HASH
    }

    private final Kind kind;
    private final DispatchLimits limits;
    private final boolean migrate;
    private final BpfMap sockets;
    private final BpfMap[] tables;
    private final BpfMap switchMap;
    private final BpfMap rotors;
    private final BpfProgram program;
    private final BitSet used = new BitSet();
    private InetSocketAddress groupAddress;
    private int current;
    private long publishes;
    private boolean closed;

    private KernelDispatch(Kind kind, DispatchLimits limits, boolean migrate, BpfMap sockets, BpfMap[] tables, BpfMap switchMap,
            BpfMap rotors, BpfProgram program) {
        this.kind = kind;
        this.limits = limits;
        this.migrate = migrate;
        this.sockets = sockets;
        this.tables = tables;
        this.switchMap = switchMap;
        this.rotors = rotors;
        this.program = program;
    }

    /**
     * Creates the maps and loads the program for one group; nothing is attached yet.
     *
     * @param migrate load the program as {@code BPF_SK_REUSEPORT_SELECT_OR_MIGRATE}: when a listener
     *     of the group closes, the connections queued on it (and those still in the handshake) go to
     *     the socket the program picks among the group's other listeners instead of being reset,
     *     whatever {@code net.ipv4.tcp_migrate_req} says
     * @throws KernelDispatchException {@code NOT_PERMITTED} (no root / CAP_BPF + CAP_NET_ADMIN),
     *     {@code VERIFIER_REJECTED}, {@code UNSUPPORTED}, {@code LIMIT_EXCEEDED}; everything made so far is closed
     */
    public static KernelDispatch create(Kind kind, DispatchLimits limits, boolean migrate) {
        int attachType = migrate ? Bpf.BPF_SK_REUSEPORT_SELECT_OR_MIGRATE : Bpf.BPF_SK_REUSEPORT_SELECT;
        if (kind == Kind.KERNEL_HASH) {
            BpfProgram p = migrate ? BpfProgram.loadSkReuseport("hs_hash_migrate", attachType, DispatchPrograms.kernelHash()) : null;
            return new KernelDispatch(kind, limits, migrate, null, new BpfMap[0], null, null, p);
        }
        BpfMap sockets = null;
        BpfMap a = null;
        BpfMap b = null;
        BpfMap sw = null;
        BpfMap rot = null;
        try {
            int valueSize = kind == Kind.SEQUENCE ? SequenceTable.valueSize(limits) : LookupTable.valueSize(limits);
            sockets = BpfMap.reuseportSockarray("hs_sockets", limits.maxSockets());
            a = BpfMap.array("hs_table", valueSize, 1);
            b = BpfMap.array("hs_table", valueSize, 1);
            sw = BpfMap.arrayOfMaps("hs_switch", a, 1);
            sw.updateFd(0, a.fd(), Bpf.BPF_ANY);
            BpfAssembler code;
            if (kind == Kind.SEQUENCE) {
                rot = BpfMap.array("hs_rotors", 8 * (1 + limits.maxApps()), 1);
                code = DispatchPrograms.sequence(sw.fd(), rot.fd(), sockets.fd(), limits);
            } else {
                code = DispatchPrograms.lookupTable(sw.fd(), sockets.fd(), limits);
            }
            BpfProgram p = BpfProgram.loadSkReuseport(kind == Kind.SEQUENCE ? "hs_sequence" : "hs_lookup", attachType, code);
            return new KernelDispatch(kind, limits, migrate, sockets, new BpfMap[] {a, b}, sw, rot, p);
        } catch (RuntimeException e) {
            for (BpfMap m : new BpfMap[] {sockets, a, b, sw, rot}) {
                if (m != null) {
                    m.close();
                }
            }
            throw e;
        }
    }

    /**
     * What a later process needs to take this group over with {@link #reopen}: kind, limits and
     * the kernel ids of the program and maps. Ids are global and outlive this process's
     * descriptors; they are valid while the group's program is attached (while any of its
     * sockets lives). {@link Handle#encode()} makes it one line for a state file.
     */
    public record Handle(Kind kind, DispatchLimits limits, boolean migrate, int programId, int socketsId, int switchId, int rotorsId) {

        /** {@code kind=SEQUENCE limits=1024,256,4096,65537 migrate=false ids=12,5,8,9} (program, sockets, switch, rotors). */
        public String encode() {
            return "kind=" + kind + " limits=" + limits.maxSockets() + "," + limits.maxApps() + "," + limits.maxSequence() + ","
                    + limits.maxTable() + " migrate=" + migrate + " ids=" + programId + "," + socketsId + "," + switchId + "," + rotorsId;
        }

        /** Parses {@link #encode()}'s line. */
        public static Handle parse(String line) {
            try {
                String[] f = line.trim().split("\\s+");
                Kind kind = Kind.valueOf(value(f[0], "kind"));
                String[] l = value(f[1], "limits").split(",");
                boolean migrate = Boolean.parseBoolean(value(f[2], "migrate"));
                String[] i = value(f[3], "ids").split(",");
                return new Handle(kind, new DispatchLimits(Integer.parseInt(l[0]), Integer.parseInt(l[1]), Integer.parseInt(l[2]),
                        Integer.parseInt(l[3])), migrate, Integer.parseInt(i[0]), Integer.parseInt(i[1]), Integer.parseInt(i[2]),
                        Integer.parseInt(i[3]));
            } catch (RuntimeException e) {
                throw new IllegalArgumentException("not a kernel dispatch handle (expected 'kind=K limits=S,A,Q,T migrate=B ids=P,S,W,R'): " + line, e);
            }
        }

        private static String value(String field, String key) {
            if (!field.startsWith(key + "=")) {
                throw new IllegalArgumentException("expected " + key + "=...");
            }
            return field.substring(key.length() + 1);
        }
    }

    /** This group's handle, for a process that takes it over after this one (see {@link #reopen}). */
    public synchronized Handle handle() {
        open();
        if (kind == Kind.KERNEL_HASH) {
            return new Handle(kind, limits, migrate, program == null ? 0 : program.id(), 0, 0, 0);
        }
        return new Handle(kind, limits, migrate, program.id(), sockets.id(), switchMap.id(), rotors == null ? 0 : rotors.id());
    }

    /**
     * Takes over a group whose program is still attached — made by another process, for example a
     * daemon before its restart — from its {@link Handle}: the same socket array (its sockets
     * stay in their slots), tables, rotors and program, so nothing about selection changes and
     * there is no window in which the kernel's hash decides. A new process could not put the
     * sockets in a new socket array while the old one holds them (EBUSY) short of detaching the
     * old program first. Slots in use are those the kernel reports non-empty; the group address
     * is learnt from the next {@link #addSocket}. Needs CAP_SYS_ADMIN (opening objects by id).
     *
     * @throws KernelDispatchException {@code BPF_FAILED} when the group's objects are gone (its last
     *     socket closed) or an id now names something else
     */
    public static KernelDispatch reopen(Handle h) {
        int attachType = h.migrate() ? Bpf.BPF_SK_REUSEPORT_SELECT_OR_MIGRATE : Bpf.BPF_SK_REUSEPORT_SELECT;
        if (h.kind() == Kind.KERNEL_HASH) {
            BpfProgram p = h.programId() == 0 ? null : BpfProgram.openById(h.programId(), "hs_hash_migrate", attachType);
            return new KernelDispatch(h.kind(), h.limits(), h.migrate(), null, new BpfMap[0], null, null, p);
        }
        int valueSize = h.kind() == Kind.SEQUENCE ? SequenceTable.valueSize(h.limits()) : LookupTable.valueSize(h.limits());
        java.util.List<AutoCloseable> opened = new java.util.ArrayList<>();
        try {
            BpfProgram p = BpfProgram.openById(h.programId(), h.kind() == Kind.SEQUENCE ? "hs_sequence" : "hs_lookup", attachType);
            opened.add(p);
            BpfMap sockets = BpfMap.openById(h.socketsId(), Bpf.BPF_MAP_TYPE_REUSEPORT_SOCKARRAY, 8, h.limits().maxSockets(), "hs_sockets");
            opened.add(sockets);
            BpfMap sw = BpfMap.openById(h.switchId(), Bpf.BPF_MAP_TYPE_ARRAY_OF_MAPS, 4, 1, "hs_switch");
            opened.add(sw);
            BpfMap rot = null;
            if (h.kind() == Kind.SEQUENCE) {
                rot = BpfMap.openById(h.rotorsId(), Bpf.BPF_MAP_TYPE_ARRAY, 8 * (1 + h.limits().maxApps()), 1, "hs_rotors");
                opened.add(rot);
            }
            // the switch reads back as the current table's id
            byte[] cur = sw.lookup(0);
            if (cur == null) {
                throw new KernelDispatchException(KernelDispatchException.Code.BPF_FAILED, "the group's switch map (id " + h.switchId() + ") points at no table");
            }
            BpfMap current = BpfMap.openById(ByteBuffer.wrap(cur).order(ByteOrder.LITTLE_ENDIAN).getInt(), Bpf.BPF_MAP_TYPE_ARRAY, valueSize, 1, "hs_table");
            opened.add(current);
            BpfMap spare = BpfMap.array("hs_table", valueSize, 1);
            opened.add(spare);
            KernelDispatch d = new KernelDispatch(h.kind(), h.limits(), h.migrate(), sockets, new BpfMap[] {current, spare}, sw, rot, p);
            d.current = 0;
            for (int slot = 0; slot < h.limits().maxSockets(); slot++) {
                if (sockets.lookup(slot) != null) {
                    d.used.set(slot);
                }
            }
            return d;
        } catch (RuntimeException e) {
            for (AutoCloseable c : opened) {
                try {
                    c.close();
                } catch (Exception suppressed) {
                    e.addSuppressed(suppressed);
                }
            }
            throw e;
        }
    }

    /** The program kind. */
    public Kind kind() {
        return kind;
    }

    /** The limits the maps were made with. */
    public DispatchLimits limits() {
        return limits;
    }

    /** Whether the program was loaded as {@code SELECT_OR_MIGRATE}. */
    public boolean migrates() {
        return migrate;
    }

    /** The loaded program, or null for {@link Kind#KERNEL_HASH} without migration. */
    public synchronized BpfProgram program() {
        return program;
    }

    /**
     * Puts the listening socket {@code fd} in the lowest free slot of the socket array and returns
     * the slot. The caller keeps ownership of {@code fd}; the array holds the socket (not the
     * descriptor) until {@link #removeSocket} or until the socket stops listening. Every socket
     * must be bound to the same address and port: the first one added fixes it.
     *
     * @throws KernelDispatchException {@code LIMIT_EXCEEDED} when all {@code maxSockets} slots are
     *     taken; {@code BAD_SOCKET} when the kernel refuses the socket (with why)
     */
    public synchronized int addSocket(int fd) {
        open();
        if (kind == Kind.KERNEL_HASH) {
            throw new IllegalStateException("a KERNEL_HASH group has no socket array: the kernel's hash picks among all its sockets");
        }
        InetSocketAddress local = ReuseportSockets.localAddress(fd);
        if (groupAddress != null && !groupAddress.equals(local)) {
            throw new KernelDispatchException(KernelDispatchException.Code.BAD_SOCKET,
                    "socket fd " + fd + " is bound to " + local + ", this group is " + groupAddress + ": a program selects within its own group only");
        }
        int slot = used.nextClearBit(0);
        if (slot >= limits.maxSockets()) {
            throw new KernelDispatchException(KernelDispatchException.Code.LIMIT_EXCEEDED,
                    "group " + local + " is full: all " + limits.maxSockets() + " socket slots are taken (DispatchLimits.maxSockets,"
                            + " fixed when the group's maps were made; the kernel's own limit is " + DispatchLimits.KERNEL_GROUP_CAPACITY + ")");
        }
        try {
            sockets.updateFd(slot, fd, Bpf.BPF_NOEXIST);
        } catch (KernelDispatchException e) {
            throw badSocket(fd, local, e);
        }
        used.set(slot);
        if (groupAddress == null) {
            groupAddress = local;
        }
        return slot;
    }

    /**
     * Empties {@code slot}. Publish a table that no longer names the slot first, so that no SYN
     * selects an empty slot (which would fall back to the kernel's hash). Returns false where the
     * slot was already empty in the kernel (its socket stopped listening).
     */
    public synchronized boolean removeSocket(int slot) {
        open();
        if (slot < 0 || slot >= limits.maxSockets() || !used.get(slot)) {
            throw new IllegalArgumentException("slot " + slot + " was not given by addSocket (or was removed already)");
        }
        used.clear(slot);
        return sockets.delete(slot);
    }

    /**
     * The cookie of the socket in {@code slot} as the kernel sees it (compare with
     * {@link ReuseportSockets#cookie}), or 0 where the slot is empty — for example because its
     * socket was closed.
     */
    public synchronized long slotCookie(int slot) {
        open();
        byte[] v = sockets.lookup(slot);
        return v == null ? 0 : ByteBuffer.wrap(v).order(ByteOrder.LITTLE_ENDIAN).getLong();
    }

    /** Publishes a sequence table (see the class comment for why SYNs in flight see old or new, never a mix). */
    public synchronized void publish(SequenceTable table) {
        open();
        requireKind(Kind.SEQUENCE);
        swapIn(table.encode(limits));
    }

    /** Publishes a lookup table (see the class comment for why SYNs in flight see old or new, never a mix). */
    public synchronized void publish(LookupTable table) {
        open();
        requireKind(Kind.LOOKUP_TABLE);
        swapIn(table.encode(limits));
    }

    private void swapIn(byte[] value) {
        int next = 1 - current;
        tables[next].update(0, value, Bpf.BPF_ANY);
        switchMap.updateFd(0, tables[next].fd(), Bpf.BPF_ANY); // returns after a grace period
        current = next;
        publishes++;
    }

    /** Number of tables published so far. */
    public synchronized long publishes() {
        return publishes;
    }

    /**
     * Rotor values as the kernel holds them (sequence kind): element 0 counts program runs that
     * reached the sequence; element {@code 1 + r} counts selections through rotor id {@code r}.
     * The kernel runs the program for connection requests, migrations with {@code migrate}, and
     * also for any other segment that misses the established table and reaches the group's
     * listener lookup (a stray ACK or RST of a connection already gone), so the counts are
     * program runs, not connections: each stray segment takes one turn of the sequence.
     */
    public synchronized long[] rotors() {
        open();
        requireKind(Kind.SEQUENCE);
        ByteBuffer b = ByteBuffer.wrap(rotors.lookup(0)).order(ByteOrder.LITTLE_ENDIAN);
        long[] out = new long[1 + limits.maxApps()];
        for (int i = 0; i < out.length; i++) {
            out[i] = b.getLong();
        }
        return out;
    }

    /**
     * Sets rotor {@code 1 + rotorId} (or the sequence rotor, for {@code rotorId} -1) to 0: a new
     * application given a rotor id that another used before starts at its first worker. Not atomic
     * with SYNs in flight: a selection racing with it may use the old value once.
     */
    public synchronized void resetRotor(int rotorId) {
        open();
        requireKind(Kind.SEQUENCE);
        if (rotorId < -1 || rotorId >= limits.maxApps()) {
            throw new IllegalArgumentException("rotor id must be -1.." + (limits.maxApps() - 1) + ", got " + rotorId);
        }
        byte[] v = rotors.lookup(0);
        ByteBuffer.wrap(v).order(ByteOrder.LITTLE_ENDIAN).putLong(8 * (rotorId + 1), 0);
        rotors.update(0, v, Bpf.BPF_ANY);
    }

    /**
     * Installs this group's program through the listening socket {@code fd} (any socket of the
     * group), replacing whatever program the group had; for {@link Kind#KERNEL_HASH} without
     * migration, detaches any program instead.
     */
    public synchronized void attach(int fd) {
        open();
        if (program == null) {
            ReuseportSockets.detachProgram(fd);
        } else {
            ReuseportSockets.attachProgram(fd, program);
        }
    }

    /**
     * Closes this process's descriptors of the program and maps. An attached program keeps
     * selecting with the last published table while the group lives. Idempotent.
     */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (program != null) {
            program.close();
        }
        for (BpfMap m : new BpfMap[] {sockets, switchMap, rotors}) {
            if (m != null) {
                m.close();
            }
        }
        for (BpfMap m : tables) {
            m.close();
        }
    }

    private void open() {
        if (closed) {
            throw new KernelDispatchException(KernelDispatchException.Code.CLOSED, "this kernel dispatch (" + kind + ") is closed");
        }
    }

    private void requireKind(Kind k) {
        if (kind != k) {
            throw new IllegalStateException("this group runs the " + kind + " program; that operation is for " + k);
        }
    }

    private static KernelDispatchException badSocket(int fd, InetSocketAddress local, KernelDispatchException e) {
        String why;
        switch (e.errno()) {
            case Errno.EINVAL:
                why = "it is not listening with SO_REUSEPORT (the kernel takes only hashed, listening SO_REUSEPORT sockets)";
                break;
            case Errno.EBUSY:
                why = "it is already in a reuseport socket array (a socket can be in one slot of one array at a time)";
                break;
            case Errno.ENOTSUPP:
            case Errno.EOPNOTSUPP:
                why = "it is not a TCP or UDP socket of IPv4 or IPv6";
                break;
            case Errno.EBADF:
            case Errno.ENOTSOCK:
                why = "it is not an open socket descriptor";
                break;
            default:
                return e;
        }
        return new KernelDispatchException(e.code() == KernelDispatchException.Code.NOT_PERMITTED ? e.code() : KernelDispatchException.Code.BAD_SOCKET,
                "socket fd " + fd + " (" + local + ") cannot join the group's socket array: " + why + "; kernel said " + e.errnoName(),
                e.errno(), "");
    }
}
