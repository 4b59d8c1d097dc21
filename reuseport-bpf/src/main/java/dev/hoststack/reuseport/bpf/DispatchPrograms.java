package dev.hoststack.reuseport.bpf;

import static dev.hoststack.reuseport.bpf.BpfInsn.*;

/**
 * The {@code SK_REUSEPORT} programs, assembled for a group's maps.
 *
 * <p>Every program reads its table through a one-slot {@code ARRAY_OF_MAPS} (the "switch"), so a
 * new table is published by swapping one pointer, and ends with {@code SK_PASS}: if it selected
 * nothing (empty table, an index out of range, an empty socket array slot), the kernel falls back
 * to its own hash over the group's listening sockets ({@code reuseport_select_sock} in
 * {@code net/core/sock_reuseport.c}). The programs never return {@code SK_DROP}. Each index read
 * from a map is checked against the {@link DispatchLimits} the maps were made with before it is
 * used as an offset, which is also what lets the verifier accept the variable offsets.
 * Stateless.
 */
public final class DispatchPrograms {

    /** Offset of {@code hash} in {@code struct sk_reuseport_md}. */
    public static final int MD_HASH = 32;

    private DispatchPrograms() {
    }

    /**
     * The sequence program (and so round robin): next sequence position from rotor 0, that
     * application's next worker from its rotor, select {@code members[first + worker]}.
     *
     * <pre>
     * stack: fp-4 = key 0 for every one-slot lookup, fp-8 = the selected slot
     * r6 ctx, r7 table (inner map value), r8 rotors (u64[1 + maxApps])
     * </pre>
     */
    public static BpfAssembler sequence(int switchMapFd, int rotorsMapFd, int socketsMapFd, DispatchLimits l) {
        BpfAssembler a = new BpfAssembler();
        BpfAssembler.Label pass = a.label("pass");
        int members = SequenceTable.membersOffset(l);
        int seq = SequenceTable.sequenceOffset(l);
        int app = SequenceTable.APPS;
        table(a, switchMapFd, pass);
        a.ldMapFd(R1, rotorsMapFd).movReg(R2, R10).add(R2, -4).call(FUNC_MAP_LOOKUP_ELEM, "map_lookup_elem")
                .jeq(R0, 0, pass)
                .movReg(R8, R0)                                   // r8 = rotors
                .ldxW(R2, R7, SequenceTable.SEQ_LEN)              // r2 = seq_len
                .jeq(R2, 0, pass)
                .mov(R3, 1)
                .atomicFetchAddDW(R8, 0, R3)                      // r3 = rotors[0]++ (the sequence rotor)
                .modReg(R3, R2)                                   // r3 = position in the sequence
                .jge(R3, l.maxSequence(), pass)
                .lsh(R3, 2)
                .movReg(R1, R7).addReg(R1, R3).add(R1, seq)       // (a value offset can pass 16 bits: added, not in the load)
                .ldxW(R4, R1, 0)                                  // r4 = seq[position] = application
                .ldxW(R2, R7, SequenceTable.APP_COUNT)
                .jgeReg(R4, R2, pass)
                .jge(R4, l.maxApps(), pass)
                .lsh(R4, 4)
                .movReg(R9, R7).addReg(R9, R4)                    // r9 = &apps[application] - APPS
                .ldxW(R5, R9, app + SequenceTable.APP_COUNT_FIELD) // r5 = its worker count
                .jeq(R5, 0, pass)
                .ldxW(R3, R9, app + SequenceTable.APP_ROTOR)      // r3 = its rotor id
                .jge(R3, l.maxApps(), pass)
                .ldxW(R9, R9, app + SequenceTable.APP_FIRST)      // r9 = its first member
                .lsh(R3, 3)
                .movReg(R1, R8).addReg(R1, R3)
                .mov(R2, 1)
                .atomicFetchAddDW(R1, 8, R2)                      // r2 = rotors[1 + rotor]++
                .modReg(R2, R5)                                   // r2 = worker
                .addReg(R2, R9)                                   // r2 = member index
                .jge(R2, l.maxSockets(), pass)
                .lsh(R2, 2)
                .movReg(R1, R7).addReg(R1, R2).add(R1, members)
                .ldxW(R2, R1, 0);                                 // r2 = members[first + worker] = slot
        select(a, socketsMapFd, pass);
        return a;
    }

    /**
     * The lookup-table program: select {@code entry[md->hash % size]}.
     *
     * <pre>
     * stack: fp-4 = key 0, fp-8 = the selected slot;  r6 ctx, r7 table
     * </pre>
     */
    public static BpfAssembler lookupTable(int switchMapFd, int socketsMapFd, DispatchLimits l) {
        BpfAssembler a = new BpfAssembler();
        BpfAssembler.Label pass = a.label("pass");
        table(a, switchMapFd, pass);
        a.ldxW(R2, R7, LookupTable.SIZE)                          // r2 = size
                .jeq(R2, 0, pass)
                .ldxW(R3, R6, MD_HASH)                            // r3 = md->hash
                .modReg(R3, R2)
                .jge(R3, l.maxTable(), pass)
                .lsh(R3, 2)
                .movReg(R1, R7).addReg(R1, R3)
                .ldxW(R2, R1, LookupTable.ENTRIES);               // r2 = entry[hash % size] = slot
        select(a, socketsMapFd, pass);
        return a;
    }

    /** Selects nothing: the kernel's hash decides. Useful with {@code SELECT_OR_MIGRATE} to turn on migration for one group. */
    public static BpfAssembler kernelHash() {
        return new BpfAssembler().mov(R0, SK_PASS).exit();
    }

    /** r6 = ctx; r7 = the table the switch points at; to {@code pass} if there is none. */
    private static void table(BpfAssembler a, int switchMapFd, BpfAssembler.Label pass) {
        a.movReg(R6, R1)
                .stW(R10, -4, 0)
                .ldMapFd(R1, switchMapFd).movReg(R2, R10).add(R2, -4).call(FUNC_MAP_LOOKUP_ELEM, "map_lookup_elem")
                .jeq(R0, 0, pass)                                 // r0 = the current table's map
                .movReg(R1, R0).movReg(R2, R10).add(R2, -4).call(FUNC_MAP_LOOKUP_ELEM, "map_lookup_elem")
                .jeq(R0, 0, pass)
                .movReg(R7, R0);                                  // r7 = the table
    }

    /** bpf_sk_select_reuseport(ctx, sockets, &slot in r2, 0); then SK_PASS whatever it returned. */
    private static void select(BpfAssembler a, int socketsMapFd, BpfAssembler.Label pass) {
        a.stxW(R10, -8, R2)
                .movReg(R1, R6)
                .ldMapFd(R2, socketsMapFd)
                .movReg(R3, R10).add(R3, -8)
                .mov(R4, 0)
                .call(FUNC_SK_SELECT_REUSEPORT, "sk_select_reuseport")
                .bind(pass)
                .mov(R0, SK_PASS)
                .exit();
    }
}
