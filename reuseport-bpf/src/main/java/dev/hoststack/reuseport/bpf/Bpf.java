package dev.hoststack.reuseport.bpf;

import com.sun.jna.Memory;
import com.sun.jna.Pointer;
import dev.hoststack.reuseport.bpf.internal.Errno;
import dev.hoststack.reuseport.bpf.internal.LibC;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The {@code bpf(2)} system call: the commands this module uses and their constants, on raw
 * descriptors.
 *
 * <p>Most callers want the owning wrappers {@link BpfMap} and {@link BpfProgram}; these static
 * methods are the layer under them. Each returns a new descriptor the caller owns (and must
 * close), or throws {@link KernelDispatchException} naming the command, the kernel's error and,
 * for a refused permission, why. x86-64 Linux only (system call 321). Stateless; safe from any
 * thread.
 *
 * <p>The attribute block ({@code union bpf_attr}) is laid out by hand from
 * {@code include/uapi/linux/bpf.h}; fields this module does not set stay zero, which the kernel
 * requires of every byte past the fields it knows.
 */
public final class Bpf {

    /** {@code __NR_bpf} on x86-64. */
    public static final int SYSCALL_BPF = 321;

    // commands (enum bpf_cmd)
    public static final int BPF_MAP_CREATE = 0;
    public static final int BPF_MAP_LOOKUP_ELEM = 1;
    public static final int BPF_MAP_UPDATE_ELEM = 2;
    public static final int BPF_MAP_DELETE_ELEM = 3;
    public static final int BPF_PROG_LOAD = 5;
    public static final int BPF_PROG_GET_FD_BY_ID = 13;
    public static final int BPF_MAP_GET_FD_BY_ID = 14;
    public static final int BPF_OBJ_GET_INFO_BY_FD = 15;

    // map types (enum bpf_map_type)
    public static final int BPF_MAP_TYPE_ARRAY = 2;
    public static final int BPF_MAP_TYPE_ARRAY_OF_MAPS = 12;
    public static final int BPF_MAP_TYPE_REUSEPORT_SOCKARRAY = 20;

    // update flags
    public static final long BPF_ANY = 0;
    public static final long BPF_NOEXIST = 1;
    public static final long BPF_EXIST = 2;

    /** {@code BPF_PROG_TYPE_SK_REUSEPORT}. */
    public static final int BPF_PROG_TYPE_SK_REUSEPORT = 21;
    /** {@code BPF_SK_REUSEPORT_SELECT}: the program picks a socket for each new connection request. */
    public static final int BPF_SK_REUSEPORT_SELECT = 39;
    /** {@code BPF_SK_REUSEPORT_SELECT_OR_MIGRATE}: also picks where a closed listener's queued connections go. */
    public static final int BPF_SK_REUSEPORT_SELECT_OR_MIGRATE = 40;

    /** Size of the attribute block passed; large enough for every field set here, all else zero. */
    private static final int ATTR_SIZE = 128;
    /** {@code BPF_OBJ_NAME_LEN}: object names keep 15 characters and a terminating zero. */
    private static final int OBJ_NAME_LEN = 16;
    /** Verifier log buffer: enough for the programs here at log level 1, several times over. */
    private static final int LOG_SIZE = 1 << 20;

    private Bpf() {
    }

    /**
     * {@code BPF_MAP_CREATE}: a new map; returns its descriptor (owned by the caller).
     *
     * @param innerMapFd for a map-of-maps type, a map of the shape every inner map will have; else -1
     */
    public static int mapCreate(int type, int keySize, int valueSize, int maxEntries, int flags, int innerMapFd, String name) {
        try (Memory attr = attr()) {
            attr.setInt(0, type);
            attr.setInt(4, keySize);
            attr.setInt(8, valueSize);
            attr.setInt(12, maxEntries);
            attr.setInt(16, flags);
            attr.setInt(20, innerMapFd < 0 ? 0 : innerMapFd);
            putName(attr, 28, name);
            return (int) call(BPF_MAP_CREATE, attr, "BPF_MAP_CREATE(" + mapTypeName(type) + " " + name + ", " + valueSize + "-byte values x " + maxEntries + ")");
        }
    }

    private static String mapTypeName(int type) {
        switch (type) {
            case BPF_MAP_TYPE_ARRAY: return "ARRAY";
            case BPF_MAP_TYPE_ARRAY_OF_MAPS: return "ARRAY_OF_MAPS";
            case BPF_MAP_TYPE_REUSEPORT_SOCKARRAY: return "REUSEPORT_SOCKARRAY";
            default: return "type " + type;
        }
    }

    /** {@code BPF_MAP_UPDATE_ELEM} with a caller-filled key and value in native memory. */
    public static void mapUpdate(int mapFd, Pointer key, Pointer value, long flags) {
        try (Memory attr = attr()) {
            attr.setInt(0, mapFd);
            attr.setLong(8, Pointer.nativeValue(key));
            attr.setLong(16, Pointer.nativeValue(value));
            attr.setLong(24, flags);
            call(BPF_MAP_UPDATE_ELEM, attr, "BPF_MAP_UPDATE_ELEM(map fd " + mapFd + ")");
        }
    }

    /**
     * {@code BPF_MAP_LOOKUP_ELEM} into caller memory; returns false where the kernel answers
     * ENOENT (no such element), throws on any other error.
     */
    public static boolean mapLookup(int mapFd, Pointer key, Pointer value) {
        try (Memory attr = attr()) {
            attr.setInt(0, mapFd);
            attr.setLong(8, Pointer.nativeValue(key));
            attr.setLong(16, Pointer.nativeValue(value));
            long r = LibC.syscall(SYSCALL_BPF, BPF_MAP_LOOKUP_ELEM, attr, ATTR_SIZE);
            if (r >= 0) {
                return true;
            }
            int errno = LibC.errno();
            if (errno == Errno.ENOENT) {
                return false;
            }
            throw failure("BPF_MAP_LOOKUP_ELEM(map fd " + mapFd + ")", errno);
        }
    }

    /** {@code BPF_MAP_DELETE_ELEM}; returns false where there was no such element (ENOENT). */
    public static boolean mapDelete(int mapFd, Pointer key) {
        try (Memory attr = attr()) {
            attr.setInt(0, mapFd);
            attr.setLong(8, Pointer.nativeValue(key));
            long r = LibC.syscall(SYSCALL_BPF, BPF_MAP_DELETE_ELEM, attr, ATTR_SIZE);
            if (r >= 0) {
                return true;
            }
            int errno = LibC.errno();
            if (errno == Errno.ENOENT) {
                return false;
            }
            throw failure("BPF_MAP_DELETE_ELEM(map fd " + mapFd + ")", errno);
        }
    }

    /**
     * {@code BPF_PROG_LOAD} with the verifier log at level 1; returns the program's descriptor
     * (owned by the caller). A refusal throws {@link KernelDispatchException.Code#VERIFIER_REJECTED}
     * with the log in the message and in {@link KernelDispatchException#verifierLog()}.
     */
    public static int progLoad(int progType, int expectedAttachType, byte[] instructions, String license, String name) {
        if (instructions.length == 0 || instructions.length % BpfInsn.SIZE != 0) {
            throw new IllegalArgumentException("instructions must be a non-empty multiple of " + BpfInsn.SIZE + " bytes, got " + instructions.length);
        }
        byte[] lic = (license + "\0").getBytes(StandardCharsets.US_ASCII);
        try (Memory attr = attr();
             Memory insns = new Memory(instructions.length);
             Memory lic0 = new Memory(lic.length);
             Memory log = new Memory(LOG_SIZE)) {
            insns.write(0, instructions, 0, instructions.length);
            lic0.write(0, lic, 0, lic.length);
            log.setByte(0, (byte) 0);
            attr.setInt(0, progType);
            attr.setInt(4, instructions.length / BpfInsn.SIZE);
            attr.setLong(8, Pointer.nativeValue(insns));
            attr.setLong(16, Pointer.nativeValue(lic0));
            attr.setInt(24, 1);
            attr.setInt(28, LOG_SIZE);
            attr.setLong(32, Pointer.nativeValue(log));
            putName(attr, 48, name);
            attr.setInt(68, expectedAttachType);
            long fd = LibC.syscall(SYSCALL_BPF, BPF_PROG_LOAD, attr, ATTR_SIZE);
            if (fd >= 0) {
                return (int) fd;
            }
            int errno = LibC.errno();
            String text = log.getString(0, StandardCharsets.US_ASCII.name()).strip();
            String what = "BPF_PROG_LOAD(" + name + ", " + instructions.length / BpfInsn.SIZE + " instructions, type "
                    + progType + ", attach type " + expectedAttachType + ")";
            if (!text.isEmpty() && (errno == Errno.EINVAL || errno == Errno.EACCES || errno == Errno.ENOSPC || errno == Errno.E2BIG)) {
                throw new KernelDispatchException(KernelDispatchException.Code.VERIFIER_REJECTED,
                        what + " failed: " + Errno.describe(errno) + ": the verifier refused the program.\nVerifier log:\n" + text,
                        errno, text);
            }
            throw failure(what, errno);
        }
    }

    /**
     * {@code BPF_OBJ_GET_INFO_BY_FD}: the first {@code size} bytes of the object's info
     * ({@code struct bpf_map_info}: type at 0, id at 4, key size 8, value size 12, max entries 16,
     * flags 20, name 24; {@code struct bpf_prog_info}: type at 0, id at 4).
     */
    public static byte[] objInfo(int fd, int size) {
        try (Memory attr = attr(); Memory info = new Memory(size)) {
            info.clear();
            attr.setInt(0, fd);
            attr.setInt(4, size);
            attr.setLong(8, Pointer.nativeValue(info));
            call(BPF_OBJ_GET_INFO_BY_FD, attr, "BPF_OBJ_GET_INFO_BY_FD(fd " + fd + ")");
            return info.getByteArray(0, size);
        }
    }

    /**
     * {@code BPF_MAP_GET_FD_BY_ID} or {@code BPF_PROG_GET_FD_BY_ID}: a new descriptor (owned by the
     * caller) for the live object with kernel id {@code id}. Needs CAP_SYS_ADMIN. ENOENT means the
     * object is gone.
     */
    public static int fdById(int cmd, int id) {
        try (Memory attr = attr()) {
            attr.setInt(0, id);
            return (int) call(cmd, attr, (cmd == BPF_MAP_GET_FD_BY_ID ? "BPF_MAP_GET_FD_BY_ID(" : "BPF_PROG_GET_FD_BY_ID(") + id + ")");
        }
    }

    /** Runs a command on {@code attr}; returns its non-negative result or throws naming {@code what}. */
    static long call(int cmd, Memory attr, String what) {
        long r = LibC.syscall(SYSCALL_BPF, cmd, attr, ATTR_SIZE);
        if (r < 0) {
            throw failure(what, LibC.errno());
        }
        return r;
    }

    /** The exception for a failed bpf command: privilege problems say what is missing on this machine. */
    static KernelDispatchException failure(String what, int errno) {
        String head = "bpf(" + what + ") failed: " + Errno.describe(errno);
        if (errno == Errno.EPERM || errno == Errno.EACCES) {
            return new KernelDispatchException(KernelDispatchException.Code.NOT_PERMITTED,
                    head + ". Kernel dispatch needs root, or the capabilities CAP_BPF and CAP_NET_ADMIN (CAP_SYS_ADMIN on"
                            + " kernels before 5.8); " + privilegeReport() + ". " + privilegeAdvice(),
                    errno, "");
        }
        if (errno == Errno.ENOSYS) {
            return new KernelDispatchException(KernelDispatchException.Code.UNSUPPORTED,
                    head + ": this kernel has no bpf(2) (built without CONFIG_BPF_SYSCALL)", errno, "");
        }
        if (errno == Errno.E2BIG || errno == Errno.ENOMEM) {
            return new KernelDispatchException(KernelDispatchException.Code.LIMIT_EXCEEDED,
                    head + ": the kernel refused the size asked for (map entries, value size or the memory limit)", errno, "");
        }
        return new KernelDispatchException(KernelDispatchException.Code.BPF_FAILED, head, errno, "");
    }

    /**
     * One line about this process's privilege for BPF: effective uid, effective capabilities and
     * {@code kernel.unprivileged_bpf_disabled}, read from {@code /proc}.
     */
    public static String privilegeReport() {
        String uid = "?";
        String capEff = "?";
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"), StandardCharsets.US_ASCII)) {
                if (line.startsWith("Uid:")) {
                    String[] f = line.substring(4).trim().split("\\s+");
                    uid = f.length > 1 ? f[1] : f[0];
                } else if (line.startsWith("CapEff:")) {
                    capEff = line.substring(7).trim();
                }
            }
        } catch (IOException | RuntimeException e) {
            // reported as "?"
        }
        String caps = "?";
        if (!"?".equals(capEff)) {
            long mask = Long.parseUnsignedLong(capEff, 16);
            caps = "CAP_BPF " + yes(mask, 39) + ", CAP_NET_ADMIN " + yes(mask, 12) + ", CAP_SYS_ADMIN " + yes(mask, 21);
        }
        return "this process has effective uid " + uid + " (" + caps + ") and kernel.unprivileged_bpf_disabled="
                + sysctl("/proc/sys/kernel/unprivileged_bpf_disabled");
    }

    /** What to do: for root without the capabilities (a container), which ones to grant. */
    private static String privilegeAdvice() {
        String report = privilegeReport();
        if (report.contains("effective uid 0 ")) {
            return "This process is root but lacks those capabilities (a container?): grant CAP_BPF and CAP_NET_ADMIN, or"
                    + " CAP_SYS_ADMIN and CAP_NET_ADMIN (Docker 20.10 does not know CAP_BPF: --cap-add SYS_ADMIN --cap-add NET_ADMIN).";
        }
        String advice = "Run the daemon as root or grant it those capabilities.";
        long bounding = capabilities("CapBnd:");
        boolean allowed = (bounding & (1L << 12)) != 0 && (bounding & ((1L << 39) | (1L << 21))) != 0;
        if (allowed) {
            advice += " This process may hold them (they are in its bounding set) but has none in effect: a user other"
                    + " than root keeps capabilities across exec only as ambient ones (setpriv --inh-caps +bpf,+net_admin"
                    + " --ambient-caps +bpf,+net_admin; systemd AmbientCapabilities=CAP_BPF CAP_NET_ADMIN). Docker's"
                    + " --cap-add gives them to root in the container only: run the daemon's container as root (-u 0).";
        }
        return advice;
    }

    /** A capability mask of {@code /proc/self/status} ({@code key} is e.g. {@code CapBnd:}), or 0. */
    private static long capabilities(String key) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"), StandardCharsets.US_ASCII)) {
                if (line.startsWith(key)) {
                    return Long.parseUnsignedLong(line.substring(key.length()).trim(), 16);
                }
            }
        } catch (IOException | RuntimeException e) {
            // unknown: no advice about it
        }
        return 0;
    }

    private static String yes(long mask, int bit) {
        return (mask & (1L << bit)) != 0 ? "yes" : "no";
    }

    static String sysctl(String path) {
        try {
            return Files.readString(Path.of(path), StandardCharsets.US_ASCII).strip();
        } catch (IOException | RuntimeException e) {
            return "unreadable";
        }
    }

    private static Memory attr() {
        Memory attr = new Memory(ATTR_SIZE);
        attr.clear();
        return attr;
    }

    private static void putName(Memory attr, long offset, String name) {
        if (name == null) {
            return;
        }
        byte[] b = name.getBytes(StandardCharsets.US_ASCII);
        int n = 0;
        for (int i = 0; i < b.length && n < OBJ_NAME_LEN - 1; i++) {
            byte c = b[i];
            // the kernel accepts [A-Za-z0-9_.] only
            if (Character.isLetterOrDigit(c) || c == '_' || c == '.') {
                attr.setByte(offset + n++, c);
            }
        }
    }
}
