package dev.hoststack.reuseport.bpf.internal;

import com.sun.jna.Native;
import com.sun.jna.NativeLibrary;
import com.sun.jna.Platform;
import com.sun.jna.Pointer;

/**
 * The few C library calls Java 17 cannot make, bound with JNA's direct mapping.
 *
 * <p>Hand-written rather than taken from {@code jna-platform}: that artifact maps none of
 * {@code bpf(2)}, {@code SO_REUSEPORT} sockets or {@code accept4}, and would add 3 MB for the
 * dozen functions used here. Direct mapping ({@link Native#register}) calls through JNI without
 * the reflective proxy of an interface mapping.
 *
 * <p>Every function returns -1 on failure and leaves the error number for {@link #errno()}, which
 * must be read on the same thread straight after the call. Stateless and safe from any thread.
 */
public final class LibC {

    static {
        Native.register(NativeLibrary.getInstance(Platform.C_LIBRARY_NAME));
    }

    private LibC() {
    }

    /** {@code syscall(2)} with the shape {@code bpf(2)} uses: command, attribute block, its size. */
    public static native long syscall(long number, int cmd, Pointer attr, int size);

    public static native int socket(int domain, int type, int protocol);

    public static native int setsockopt(int fd, int level, int name, Pointer value, int length);

    public static native int getsockopt(int fd, int level, int name, Pointer value, Pointer length);

    public static native int bind(int fd, Pointer address, int length);

    public static native int listen(int fd, int backlog);

    public static native int getsockname(int fd, Pointer address, Pointer length);

    public static native int accept4(int fd, Pointer address, Pointer length, int flags);

    public static native int shutdown(int fd, int how);

    public static native int close(int fd);

    public static native int dup(int fd);

    public static native int fcntl(int fd, int command, int argument);

    public static native int poll(Pointer fds, long count, int timeoutMillis);

    public static native String strerror(int errno);

    /** The error number the last native call on this thread left. */
    public static int errno() {
        return Native.getLastError();
    }
}
