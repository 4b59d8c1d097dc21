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
     * @throws KernelDispatchException {@code VERIFIER_REJECTED} with the verifier's log and the
     *     program's listing, {@code NOT_PERMITTED} with what privilege is missing
     */
    public static BpfProgram loadSkReuseport(String name, int expectedAttachType, BpfAssembler program) {
        byte[] code = program.assemble();
        try {
            int fd = Bpf.progLoad(Bpf.BPF_PROG_TYPE_SK_REUSEPORT, expectedAttachType, code, "GPL", name);
            return new BpfProgram(fd, name, expectedAttachType, program.listing());
        } catch (KernelDispatchException e) {
            if (e.code() == KernelDispatchException.Code.VERIFIER_REJECTED) {
                throw new KernelDispatchException(e.code(), e.getMessage() + "\nProgram:\n" + program.listing(), e.errno(), e.verifierLog());
            }
            throw e;
        }
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
