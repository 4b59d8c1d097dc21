package dev.hoststack.reuseport.bpf;

import com.sun.jna.Memory;
import dev.hoststack.reuseport.bpf.internal.Errno;
import dev.hoststack.reuseport.bpf.internal.LibC;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;

/**
 * Listening TCP sockets with {@code SO_REUSEPORT} on raw descriptors, and the socket options of a
 * reuseport group that Java 17 cannot set: attaching a selection program, reading a socket's cookie.
 *
 * <h2>Descriptors and ownership</h2>
 * Descriptors are plain {@code int}s. Whoever receives one from {@link #openListener},
 * {@link #accept} or {@link #dup} owns it and closes it exactly once with {@link #close}. Passing
 * a descriptor to another owner transfers it: Netty's {@code new EpollServerSocketChannel(fd)}
 * (netty-transport-classes-epoll) takes a listening descriptor made here and closes it when the
 * channel closes; sending it to another process (SCM_RIGHTS) gives that process its own
 * descriptor for the same socket, and the socket lives until every copy is closed. The socket's
 * owner uid, which the kernel compares when another socket joins the group, is that of the
 * process that created it, wherever its copies go. Flags such as {@code O_NONBLOCK} belong to the
 * shared open file and so to every copy.
 *
 * <p>Stateless; safe from any thread. Linux, x86-64.
 */
public final class ReuseportSockets {

    static final int AF_INET = 2;
    static final int AF_INET6 = 10;
    static final int SOCK_STREAM = 1;
    static final int SOCK_NONBLOCK = 0x800;
    static final int SOCK_CLOEXEC = 0x80000;
    static final int SOL_SOCKET = 1;
    static final int SO_REUSEPORT = 15;
    static final int SO_ACCEPTCONN = 30;
    /** {@code SO_ATTACH_REUSEPORT_EBPF}: the value is a program descriptor. */
    public static final int SO_ATTACH_REUSEPORT_EBPF = 52;
    /** {@code SO_COOKIE}: the socket's 64-bit cookie, unique while the kernel runs. */
    public static final int SO_COOKIE = 57;
    /** {@code SO_DETACH_REUSEPORT_BPF}: the group goes back to the kernel's hash. */
    public static final int SO_DETACH_REUSEPORT_BPF = 68;
    static final int IPPROTO_TCP = 6;
    static final int TCP_INFO = 11;
    static final int IPPROTO_IPV6 = 41;
    static final int IPV6_V6ONLY = 26;
    static final int SHUT_RDWR = 2;
    static final int F_GETFL = 3;
    static final int O_NONBLOCK = 0x800;
    static final short POLLIN = 1;

    private ReuseportSockets() {
    }

    /**
     * A non-blocking, close-on-exec TCP socket with {@code SO_REUSEPORT}, bound to {@code address}
     * (port 0: the kernel picks one) and listening; IPv6 sockets are IPv6-only. Returns the
     * descriptor, owned by the caller.
     *
     * @throws KernelDispatchException {@code SOCKET_FAILED} naming the call, the address and the error
     */
    public static int openListener(InetSocketAddress address, int backlog) {
        return openListener(address, backlog, true, true);
    }

    /**
     * As {@link #openListener(InetSocketAddress, int)}, choosing blocking mode and, for IPv6,
     * whether the socket also takes IPv4 (dual stack: {@code v6Only} false). Sockets of one group
     * must agree on the address family and, for IPv6, on {@code v6Only}.
     */
    public static int openListener(InetSocketAddress address, int backlog, boolean nonBlocking, boolean v6Only) {
        if (address.isUnresolved()) {
            throw new IllegalArgumentException("address " + address + " is unresolved");
        }
        boolean v6 = address.getAddress() instanceof Inet6Address;
        int type = SOCK_STREAM | SOCK_CLOEXEC | (nonBlocking ? SOCK_NONBLOCK : 0);
        int fd = LibC.socket(v6 ? AF_INET6 : AF_INET, type, 0);
        if (fd < 0) {
            throw socketFailure("socket(" + (v6 ? "AF_INET6" : "AF_INET") + ", SOCK_STREAM)", LibC.errno(), "");
        }
        try {
            setInt(fd, SOL_SOCKET, SO_REUSEPORT, 1, "SO_REUSEPORT");
            if (v6) {
                setInt(fd, IPPROTO_IPV6, IPV6_V6ONLY, v6Only ? 1 : 0, "IPV6_V6ONLY");
            }
            try (Memory sa = sockaddr(address)) {
                if (LibC.bind(fd, sa, (int) sa.size()) < 0) {
                    int errno = LibC.errno();
                    throw socketFailure("bind(" + render(address) + ")", errno, errno == Errno.EADDRINUSE
                            ? ": a socket without SO_REUSEPORT, or one created by another uid, holds this address and port"
                            : "");
                }
            }
            if (LibC.listen(fd, backlog) < 0) {
                throw socketFailure("listen(" + render(address) + ", " + backlog + ")", LibC.errno(), "");
            }
            return fd;
        } catch (RuntimeException e) {
            LibC.close(fd);
            throw e;
        }
    }

    /** The address and port {@code fd} is bound to ({@code getsockname}). */
    public static InetSocketAddress localAddress(int fd) {
        try (Memory sa = new Memory(128); Memory len = new Memory(4)) {
            sa.clear();
            len.setInt(0, 128);
            if (LibC.getsockname(fd, sa, len) < 0) {
                throw socketFailure("getsockname(fd " + fd + ")", LibC.errno(), "");
            }
            int family = sa.getShort(0) & 0xffff;
            int port = Short.toUnsignedInt(Short.reverseBytes(sa.getShort(2)));
            try {
                if (family == AF_INET) {
                    return new InetSocketAddress(InetAddress.getByAddress(sa.getByteArray(4, 4)), port);
                }
                if (family == AF_INET6) {
                    return new InetSocketAddress(InetAddress.getByAddress(sa.getByteArray(8, 16)), port);
                }
            } catch (UnknownHostException e) {
                throw new IllegalStateException("kernel returned a malformed address", e);
            }
            throw new KernelDispatchException(KernelDispatchException.Code.BAD_SOCKET, "fd " + fd + " is not an IPv4 or IPv6 socket (family " + family + ")");
        }
    }

    /** The socket's cookie ({@code SO_COOKIE}): what a reuseport socket array returns for a slot on lookup. */
    public static long cookie(int fd) {
        try (Memory v = new Memory(8); Memory len = new Memory(4)) {
            v.clear();
            len.setInt(0, 8);
            if (LibC.getsockopt(fd, SOL_SOCKET, SO_COOKIE, v, len) < 0) {
                throw socketFailure("getsockopt(fd " + fd + ", SO_COOKIE)", LibC.errno(), "");
            }
            return v.getLong(0);
        }
    }

    /** Whether {@code fd} is a listening socket ({@code SO_ACCEPTCONN}). */
    public static boolean isListening(int fd) {
        try (Memory v = new Memory(4); Memory len = new Memory(4)) {
            v.setInt(0, 0);
            len.setInt(0, 4);
            if (LibC.getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, v, len) < 0) {
                throw socketFailure("getsockopt(fd " + fd + ", SO_ACCEPTCONN)", LibC.errno(), "");
            }
            return v.getInt(0) != 0;
        }
    }

    /**
     * The accept queue of the listening socket {@code fd}, as {@code {queued, backlog}}: connections
     * waiting for {@code accept} and the limit {@code listen} set ({@code TCP_INFO}, whose
     * {@code tcpi_unacked} and {@code tcpi_sacked} carry these two for a listener). The kernel
     * queues up to {@code backlog + 1}; a SYN selected for a full queue is dropped and counted in
     * {@code ListenOverflows}. Works on any copy of the socket, so a daemon can watch its workers' queues.
     */
    public static int[] acceptQueue(int fd) {
        try (Memory v = new Memory(256); Memory len = new Memory(4)) {
            v.clear();
            len.setInt(0, 256);
            if (LibC.getsockopt(fd, IPPROTO_TCP, TCP_INFO, v, len) < 0) {
                throw socketFailure("getsockopt(fd " + fd + ", TCP_INFO)", LibC.errno(), "");
            }
            return new int[] {v.getInt(24), v.getInt(28)};
        }
    }

    /** Whether {@code fd}'s open file is non-blocking ({@code O_NONBLOCK}, shared by every copy). */
    public static boolean isNonBlocking(int fd) {
        int flags = LibC.fcntl(fd, F_GETFL, 0);
        if (flags < 0) {
            throw socketFailure("fcntl(fd " + fd + ", F_GETFL)", LibC.errno(), "");
        }
        return (flags & O_NONBLOCK) != 0;
    }

    /**
     * Attaches {@code program} to the reuseport group of the listening socket {@code fd}
     * ({@code SO_ATTACH_REUSEPORT_EBPF}); it then selects for every socket of the group. Replaces
     * a program already attached (one pointer swap in the kernel: SYNs see the old or the new).
     */
    public static void attachProgram(int fd, BpfProgram program) {
        try (Memory v = new Memory(4)) {
            v.setInt(0, program.fd());
            if (LibC.setsockopt(fd, SOL_SOCKET, SO_ATTACH_REUSEPORT_EBPF, v, 4) < 0) {
                int errno = LibC.errno();
                throw new KernelDispatchException(errno == Errno.EPERM ? KernelDispatchException.Code.NOT_PERMITTED : KernelDispatchException.Code.BAD_SOCKET,
                        "setsockopt(fd " + fd + ", SO_ATTACH_REUSEPORT_EBPF, program " + program.name() + ") failed: " + Errno.describe(errno)
                                + (errno == Errno.EINVAL ? ": the socket is not bound with SO_REUSEPORT" : ""), errno, "");
            }
        }
    }

    /**
     * Detaches the group's program ({@code SO_DETACH_REUSEPORT_BPF}): the kernel's own hash selects
     * again. Returns false where no program was attached.
     */
    public static boolean detachProgram(int fd) {
        try (Memory v = new Memory(4)) {
            v.setInt(0, 0);
            if (LibC.setsockopt(fd, SOL_SOCKET, SO_DETACH_REUSEPORT_BPF, v, 4) < 0) {
                int errno = LibC.errno();
                if (errno == Errno.ENOENT) {
                    return false;
                }
                throw socketFailure("setsockopt(fd " + fd + ", SO_DETACH_REUSEPORT_BPF)", errno, "");
            }
            return true;
        }
    }

    /**
     * Accepts one queued connection ({@code accept4}, close-on-exec, non-blocking); returns its
     * descriptor (owned by the caller), or -1 when none is queued on a non-blocking socket.
     */
    public static int accept(int fd) {
        while (true) {
            int c = LibC.accept4(fd, null, null, SOCK_CLOEXEC | SOCK_NONBLOCK);
            if (c >= 0) {
                return c;
            }
            int errno = LibC.errno();
            if (errno == Errno.EAGAIN) {
                return -1;
            }
            if (errno != Errno.EINTR) {
                throw socketFailure("accept4(fd " + fd + ")", errno, "");
            }
        }
    }

    /**
     * Waits up to {@code timeoutMillis} until one of {@code fds} is readable (for a listener: has a
     * connection queued); returns its index in {@code fds}, the lowest if several, or -1 on timeout.
     */
    public static int awaitReadable(int[] fds, int timeoutMillis) {
        try (Memory p = new Memory(8L * fds.length)) {
            for (int i = 0; i < fds.length; i++) {
                p.setInt(8L * i, fds[i]);
                p.setShort(8L * i + 4, POLLIN);
                p.setShort(8L * i + 6, (short) 0);
            }
            int n = LibC.poll(p, fds.length, timeoutMillis);
            if (n < 0) {
                int errno = LibC.errno();
                if (errno == Errno.EINTR) {
                    return -1;
                }
                throw socketFailure("poll(" + fds.length + " fds)", errno, "");
            }
            for (int i = 0; n > 0 && i < fds.length; i++) {
                if ((p.getShort(8L * i + 6) & POLLIN) != 0) {
                    return i;
                }
            }
            return -1;
        }
    }

    /** A second descriptor for the same socket ({@code dup}), owned by the caller. */
    public static int dup(int fd) {
        int d = LibC.dup(fd);
        if (d < 0) {
            throw socketFailure("dup(fd " + fd + ")", LibC.errno(), "");
        }
        return d;
    }

    /**
     * Stops the socket listening for every copy of it, in this process and any other
     * ({@code shutdown(SHUT_RDWR)}): unlike {@link #close}, which only drops this descriptor.
     */
    public static void shutdown(int fd) {
        if (LibC.shutdown(fd, SHUT_RDWR) < 0) {
            throw socketFailure("shutdown(fd " + fd + ")", LibC.errno(), "");
        }
    }

    /** Closes this descriptor; the socket closes with its last copy. Errors other than EBADF are ignored. */
    public static void close(int fd) {
        if (fd >= 0 && LibC.close(fd) < 0 && LibC.errno() == Errno.EBADF) {
            throw new KernelDispatchException(KernelDispatchException.Code.SOCKET_FAILED, "close(fd " + fd + ") failed: EBADF: not an open descriptor (closed twice?)");
        }
    }

    private static void setInt(int fd, int level, int name, int value, String what) {
        try (Memory v = new Memory(4)) {
            v.setInt(0, value);
            if (LibC.setsockopt(fd, level, name, v, 4) < 0) {
                throw socketFailure("setsockopt(" + what + ")", LibC.errno(), "");
            }
        }
    }

    private static Memory sockaddr(InetSocketAddress address) {
        InetAddress a = address.getAddress();
        short port = Short.reverseBytes((short) address.getPort());
        if (a instanceof Inet4Address) {
            Memory m = new Memory(16);
            m.clear();
            m.setShort(0, (short) AF_INET);
            m.setShort(2, port);
            m.write(4, a.getAddress(), 0, 4);
            return m;
        }
        Memory m = new Memory(28);
        m.clear();
        m.setShort(0, (short) AF_INET6);
        m.setShort(2, port);
        m.write(8, a.getAddress(), 0, 16);
        m.setInt(24, ((Inet6Address) a).getScopeId());
        return m;
    }

    private static String render(InetSocketAddress a) {
        String host = a.getAddress().getHostAddress();
        return (a.getAddress() instanceof Inet6Address ? "[" + host + "]" : host) + ":" + a.getPort();
    }

    private static KernelDispatchException socketFailure(String what, int errno, String why) {
        return new KernelDispatchException(KernelDispatchException.Code.SOCKET_FAILED, what + " failed: " + Errno.describe(errno) + why, errno, "");
    }
}
