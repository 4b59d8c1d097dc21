package dev.hoststack.reuseport.bpf;

import dev.hoststack.reuseport.bpf.internal.LibC;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A loaded eBPF program, owning its descriptor.
 *
 * <p>Attaching the program to a reuseport group ({@link ReuseportSockets#attachProgram}) makes the
 * group hold its own reference: the program keeps running after {@link #close()} until it is
 * replaced, detached, or the group's last socket closes. Immutable apart from {@code close()};
 * safe to share.
 */
public final class BpfProgram implements AutoCloseable {

    private final AtomicInteger fd;
    private final String name;
    private final int expectedAttachType;
    private final String listing;

    private BpfProgram(int fd, String name, int expectedAttachType, String listing) {
        this.fd = new AtomicInteger(fd);
        this.name = name;
        this.expectedAttachType = expectedAttachType;
        this.listing = listing;
    }

    /**
     * Loads an {@code SK_REUSEPORT} program (license GPL, which {@code bpf_sk_select_reuseport} does
     * not need but costs nothing).
     *
     * @param expectedAttachType {@link Bpf#BPF_SK_REUSEPORT_SELECT} or {@link Bpf#BPF_SK_REUSEPORT_SELECT_OR_MIGRATE}
     * @throws KernelDispatchException {@code VERIFIER_REJECTED}: a first line saying what failed
     *     (errno) and what to do, then the verifier's log and the program's listing; {@code NOT_PERMITTED} with what privilege is missing
     */
    public static BpfProgram loadSkReuseport(String name, int expectedAttachType, BpfAssembler program) {
        byte[] code = program.assemble();
        boolean corrupted = Boolean.getBoolean(TEST_REJECT_PROPERTY);
        if (corrupted) {
            code = withUninitialisedRead(code);
        }
        try {
            int fd = Bpf.progLoad(Bpf.BPF_PROG_TYPE_SK_REUSEPORT, expectedAttachType, code, "GPL", name);
            return new BpfProgram(fd, name, expectedAttachType, program.listing());
        } catch (KernelDispatchException e) {
            if (e.code() == KernelDispatchException.Code.VERIFIER_REJECTED) {
                // the first line says what failed and what to do; the verifier's log and the listing follow
                String m = e.getMessage();
                int nl = m.indexOf('\n');
                String first = nl < 0 ? m : m.substring(0, nl);
                String rest = nl < 0 ? "" : m.substring(nl);
                throw new KernelDispatchException(e.code(), first + " " + WHAT_TO_DO + " This kernel is Linux "
                        + Bpf.sysctl("/proc/sys/kernel/osrelease") + "." + rest
                        + (corrupted ? "\n(This program was corrupted on purpose: the test hook -D" + TEST_REJECT_PROPERTY
                        + "=true put `r0 = r9` before its first instruction, so the verifier's instruction numbers are"
                        + " one more than the listing's.)" : "")
                        + "\nProgram:\n" + program.listing(), e.errno(), e.verifierLog());
            }
            throw e;
        }
    }

    /**
     * The system property of the test hook that makes the kernel refuse every program this class
     * loads: {@code -Dhoststack.bpf.testRejectPrograms=true}. <b>For tests only</b> (of what a
     * daemon does when its program does not load): each program is loaded with one instruction
     * put before its first, {@code r0 = r9}, which reads a register nothing wrote, so the kernel's
     * verifier itself refuses it ({@code R9 !read_ok}, {@code EACCES}); nothing is simulated. Read
     * at each load.
     */
    public static final String TEST_REJECT_PROPERTY = "hoststack.bpf.testRejectPrograms";

    /** What a user does about a refused program; part of every {@code VERIFIER_REJECTED} message of this class. */
    static final String WHAT_TO_DO = "What to do: hoststack's programs need Linux 5.14 or later (atomic fetch-and-add,"
            + " 5.12; SK_REUSEPORT_SELECT_OR_MIGRATE, 5.14). Use the hand-off path meanwhile (hoststack daemon --dispatch"
            + " handoff; --dispatch auto falls back to it by itself), and if this kernel is that recent, report the"
            + " verifier's log below with the kernel's version.";

    /** {@code code} with {@code r0 = r9} (BPF_ALU64 | BPF_MOV | BPF_X, src r9) before its first instruction. */
    private static byte[] withUninitialisedRead(byte[] code) {
        byte[] out = new byte[code.length + BpfInsn.SIZE];
        out[0] = (byte) 0xbf;          // BPF_ALU64 | BPF_X | BPF_MOV
        out[1] = (byte) (9 << 4);      // dst r0, src r9
        System.arraycopy(code, 0, out, BpfInsn.SIZE, code.length);
        return out;
    }

    /**
     * Opens the live program with kernel id {@code id} (from {@link #id()}); its listing is not
     * known to this process. Needs CAP_SYS_ADMIN.
     */
    public static BpfProgram openById(int id, String name, int expectedAttachType) {
        int fd;
        try {
            fd = Bpf.fdById(Bpf.BPF_PROG_GET_FD_BY_ID, id);
        } catch (KernelDispatchException e) {
            if (e.errno() == dev.hoststack.reuseport.bpf.internal.Errno.ENOENT) {
                throw new KernelDispatchException(KernelDispatchException.Code.BPF_FAILED, "program " + name + " (id " + id
                        + ") no longer exists: a group's program is freed when its last socket closes or it is replaced", e.errno(), "");
            }
            throw e;
        }
        int type = java.nio.ByteBuffer.wrap(Bpf.objInfo(fd, 8)).order(java.nio.ByteOrder.LITTLE_ENDIAN).getInt(0);
        if (type != Bpf.BPF_PROG_TYPE_SK_REUSEPORT) {
            LibC.close(fd);
            throw new KernelDispatchException(KernelDispatchException.Code.BPF_FAILED, "program id " + id + " is of type " + type
                    + ", not SK_REUSEPORT: the group's program is gone and the id was reused");
        }
        return new BpfProgram(fd, name, expectedAttachType, "(reopened by id " + id + "; listing not available)\n");
    }

    /** The program's kernel id: global while the program lives, unlike a descriptor. */
    public int id() {
        return java.nio.ByteBuffer.wrap(Bpf.objInfo(fd(), 8)).order(java.nio.ByteOrder.LITTLE_ENDIAN).getInt(4);
    }

    /** The program's descriptor; owned by this object. */
    public int fd() {
        int f = fd.get();
        if (f < 0) {
            throw new KernelDispatchException(KernelDispatchException.Code.CLOSED, "program " + name + " is closed");
        }
        return f;
    }

    /** The name given at load. */
    public String name() {
        return name;
    }

    /** The expected attach type it was loaded with. */
    public int expectedAttachType() {
        return expectedAttachType;
    }

    /** The program's instructions as text, numbered as the verifier numbers them. */
    public String listing() {
        return listing;
    }

    /** Closes this descriptor; an attached program keeps running. Idempotent. */
    @Override
    public void close() {
        int f = fd.getAndSet(-1);
        if (f >= 0) {
            LibC.close(f);
        }
    }
}
