package dev.hoststack.reuseport.bpf;

import com.sun.jna.Memory;
import dev.hoststack.reuseport.bpf.internal.LibC;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An eBPF map with 4-byte keys, owning its descriptor.
 *
 * <p>The map lives while any descriptor or loaded program refers to it: a program that uses this
 * map keeps it alive after {@link #close()}. Element operations are single {@code bpf(2)} calls
 * and may come from any thread; {@link #close()} must not race with them (close once, after the
 * last use).
 */
public final class BpfMap implements AutoCloseable {

    private final AtomicInteger fd;
    private final int type;
    private final int valueSize;
    private final int maxEntries;
    private final String name;

    private BpfMap(int fd, int type, int valueSize, int maxEntries, String name) {
        this.fd = new AtomicInteger(fd);
        this.type = type;
        this.valueSize = valueSize;
        this.maxEntries = maxEntries;
        this.name = name;
    }

    /** A {@code BPF_MAP_TYPE_ARRAY} of {@code maxEntries} zeroed values of {@code valueSize} bytes. */
    public static BpfMap array(String name, int valueSize, int maxEntries) {
        int fd = Bpf.mapCreate(Bpf.BPF_MAP_TYPE_ARRAY, 4, valueSize, maxEntries, 0, -1, name);
        return new BpfMap(fd, Bpf.BPF_MAP_TYPE_ARRAY, valueSize, maxEntries, name);
    }

    /**
     * A {@code BPF_MAP_TYPE_ARRAY_OF_MAPS}: each element holds a map shaped like {@code innerTemplate}
     * (same type, key, value size and entries). Replacing an element waits for an RCU grace period,
     * so when the update returns no program still reads the map it replaced.
     */
    public static BpfMap arrayOfMaps(String name, BpfMap innerTemplate, int maxEntries) {
        int fd = Bpf.mapCreate(Bpf.BPF_MAP_TYPE_ARRAY_OF_MAPS, 4, 4, maxEntries, 0, innerTemplate.fd(), name);
        return new BpfMap(fd, Bpf.BPF_MAP_TYPE_ARRAY_OF_MAPS, 4, maxEntries, name);
    }

    /**
     * A {@code BPF_MAP_TYPE_REUSEPORT_SOCKARRAY} of {@code maxEntries} slots: written with a
     * listening socket's descriptor, read back as that socket's cookie.
     */
    public static BpfMap reuseportSockarray(String name, int maxEntries) {
        int fd = Bpf.mapCreate(Bpf.BPF_MAP_TYPE_REUSEPORT_SOCKARRAY, 4, 8, maxEntries, 0, -1, name);
        return new BpfMap(fd, Bpf.BPF_MAP_TYPE_REUSEPORT_SOCKARRAY, 8, maxEntries, name);
    }

    /**
     * Opens the live map with kernel id {@code id} (from {@link #id()}, saved by a process that has
     * since exited) and checks that it is the map expected: same type, value size and entries, a name starting with {@code name}.
     *
     * @throws KernelDispatchException {@code BPF_FAILED} when the map is gone or is another map
     */
    public static BpfMap openById(int id, int type, int valueSize, int maxEntries, String name) {
        int fd;
        try {
            fd = Bpf.fdById(Bpf.BPF_MAP_GET_FD_BY_ID, id);
        } catch (KernelDispatchException e) {
            if (e.errno() == dev.hoststack.reuseport.bpf.internal.Errno.ENOENT) {
                throw new KernelDispatchException(KernelDispatchException.Code.BPF_FAILED, "map " + name + " (id " + id
                        + ") no longer exists: a group's program and maps are freed when its last socket closes", e.errno(), "");
            }
            throw e;
        }
        ByteBuffer info = ByteBuffer.wrap(Bpf.objInfo(fd, 40)).order(ByteOrder.LITTLE_ENDIAN);
        String actualName = new String(info.array(), 24, 16, StandardCharsets.US_ASCII).replace("\0", "").trim();
        if (info.getInt(0) != type || info.getInt(12) != valueSize || info.getInt(16) != maxEntries || !actualName.startsWith(name)) {
            LibC.close(fd);
            throw new KernelDispatchException(KernelDispatchException.Code.BPF_FAILED, "map id " + id + " is not the " + name
                    + " expected (type " + info.getInt(0) + ", " + info.getInt(12) + "-byte values x " + info.getInt(16) + ", name '" + actualName
                    + "'; expected type " + type + ", " + valueSize + " x " + maxEntries + "): the group's maps are gone and the id was reused");
        }
        return new BpfMap(fd, type, valueSize, maxEntries, name);
    }

    /** The map's kernel id: global while the map lives, unlike a descriptor. */
    public int id() {
        return ByteBuffer.wrap(Bpf.objInfo(fd(), 8)).order(ByteOrder.LITTLE_ENDIAN).getInt(4);
    }

    /** The map's descriptor; owned by this object. */
    public int fd() {
        int f = fd.get();
        if (f < 0) {
            throw new KernelDispatchException(KernelDispatchException.Code.CLOSED, "map " + name + " is closed");
        }
        return f;
    }

    /** Size of a value in bytes. */
    public int valueSize() {
        return valueSize;
    }

    /** Number of elements the map was created with. */
    public int maxEntries() {
        return maxEntries;
    }

    /** The map's name, as given at creation. */
    public String name() {
        return name;
    }

    /** Writes element {@code key} from {@code value} (exactly {@link #valueSize()} bytes). */
    public void update(int key, byte[] value, long flags) {
        if (value.length != valueSize) {
            throw new IllegalArgumentException("map " + name + " takes " + valueSize + "-byte values, got " + value.length);
        }
        try (Memory k = new Memory(4); Memory v = new Memory(valueSize)) {
            k.setInt(0, key);
            v.write(0, value, 0, value.length);
            Bpf.mapUpdate(fd(), k, v, flags);
        }
    }

    /**
     * Writes a descriptor-valued element: a socket into a reuseport socket array, or an inner map
     * into a map of maps. The kernel takes its own reference; the caller keeps ownership of {@code valueFd}.
     */
    public void updateFd(int key, int valueFd, long flags) {
        try (Memory k = new Memory(4); Memory v = new Memory(8)) {
            k.setInt(0, key);
            v.setLong(0, valueFd);
            Bpf.mapUpdate(fd(), k, v, flags);
        }
    }

    /** Element {@code key}'s value, or null where the kernel has none (an empty socket array slot). */
    public byte[] lookup(int key) {
        try (Memory k = new Memory(4); Memory v = new Memory(Math.max(valueSize, 8))) {
            k.setInt(0, key);
            if (!Bpf.mapLookup(fd(), k, v)) {
                return null;
            }
            return v.getByteArray(0, valueSize);
        }
    }

    /** Deletes element {@code key}; returns false where there was none. Array maps refuse deletion (EINVAL). */
    public boolean delete(int key) {
        try (Memory k = new Memory(4)) {
            k.setInt(0, key);
            return Bpf.mapDelete(fd(), k);
        }
    }

    /** Closes this descriptor; the map itself lives on while a program or another descriptor holds it. Idempotent. */
    @Override
    public void close() {
        int f = fd.getAndSet(-1);
        if (f >= 0) {
            LibC.close(f);
        }
    }

    @Override
    public String toString() {
        return "BpfMap[" + name + ", type " + type + ", " + valueSize + " B x " + maxEntries + ", fd " + fd.get() + "]";
    }
}
