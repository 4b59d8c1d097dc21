package dev.hoststack.cli;

import com.sun.jna.Library;
import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.Pointer;
import com.sun.jna.StringArray;
import com.sun.jna.ptr.IntByReference;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Starts a process with one inherited descriptor as its descriptor 3, systemd's socket-activation
 * convention ({@code LISTEN_FDS=1}, {@code LISTEN_PID} its own pid), and waits for it.
 *
 * <p>Hand-written on {@code posix_spawnp(3)} through JNA because {@link ProcessBuilder} cannot pass
 * a descriptor: the JDK's launcher closes every descriptor above 2 in the child. The file actions
 * {@code dup2} the socket to 3 (which clears close-on-exec) and, where glibc has it (2.34+),
 * close every other descriptor from 4 up, so nothing else of this JVM leaks into the server.
 * {@code LISTEN_PID} must name the server's own pid, unknown before the spawn: the child is
 * {@code /bin/sh -c 'LISTEN_PID=$$; export LISTEN_PID; exec "$@"'}, which becomes the command
 * with the same pid.
 *
 * <p>Linux only. Thread-safe; {@link #waitFor} blocks its caller.
 */
final class Spawn {

    /** The libc calls used here. */
    interface LibC extends Library {
        LibC C = Native.load("c", LibC.class);

        int posix_spawn_file_actions_init(Pointer actions);

        int posix_spawn_file_actions_adddup2(Pointer actions, int fd, int newfd);

        int posix_spawn_file_actions_destroy(Pointer actions);

        int posix_spawnp(IntByReference pid, String file, Pointer actions, Pointer attr, StringArray argv, StringArray envp);

        int waitpid(int pid, IntByReference status, int options);

        int kill(int pid, int signal);

        int dup(int fd);

        int close(int fd);
    }

    /** glibc 2.34+'s closefrom file action, or null where it is missing. */
    interface CloseFrom extends Library {
        int posix_spawn_file_actions_addclosefrom_np(Pointer actions, int from);
    }

    private static final CloseFrom CLOSE_FROM = closeFrom();

    private static CloseFrom closeFrom() {
        try {
            CloseFrom c = Native.load("c", CloseFrom.class);
            com.sun.jna.NativeLibrary.getInstance("c").getFunction("posix_spawn_file_actions_addclosefrom_np");
            return c;
        } catch (UnsatisfiedLinkError e) {
            return null;
        }
    }

    /** The descriptor the child gets its socket on (systemd's SD_LISTEN_FDS_START). */
    static final int LISTEN_FD = 3;

    private Spawn() {
    }

    /**
     * Starts {@code command} with {@code fd} as its descriptor 3 and {@code env} added to this
     * process's environment (plus {@code LISTEN_FDS=1} and {@code LISTEN_PID}).
     *
     * @return the child's pid
     * @throws IOException with the errno's name when the spawn fails (a command not found: ENOENT)
     */
    static int start(List<String> command, int fd, Map<String, String> env) throws IOException {
        List<String> argv = new ArrayList<>(List.of("/bin/sh", "-c", "LISTEN_PID=$$; export LISTEN_PID; exec \"$@\"",
                "hoststack-serve"));
        argv.addAll(command);
        Map<String, String> all = new java.util.TreeMap<>(System.getenv());
        all.keySet().removeIf(k -> k.startsWith("LISTEN_"));
        all.putAll(env);
        all.put("LISTEN_FDS", "1");
        List<String> envp = new ArrayList<>();
        all.forEach((k, v) -> envp.add(k + "=" + v));
        // dup2(3, 3) would leave close-on-exec set: move the socket off 3 first
        int source = fd;
        if (fd == LISTEN_FD) {
            source = LibC.C.dup(fd);
            if (source < 0) {
                throw new IOException("dup of the listening socket failed: errno " + Native.getLastError());
            }
        }
        Memory actions = new Memory(256); // posix_spawn_file_actions_t is 80 bytes on glibc x86-64
        actions.clear();
        try {
            check(LibC.C.posix_spawn_file_actions_init(actions), "posix_spawn_file_actions_init");
            try {
                check(LibC.C.posix_spawn_file_actions_adddup2(actions, source, LISTEN_FD), "posix_spawn_file_actions_adddup2");
                if (CLOSE_FROM != null) {
                    check(CLOSE_FROM.posix_spawn_file_actions_addclosefrom_np(actions, LISTEN_FD + 1),
                            "posix_spawn_file_actions_addclosefrom_np");
                }
                IntByReference pid = new IntByReference();
                int r = LibC.C.posix_spawnp(pid, argv.get(0), actions, Pointer.NULL, new StringArray(argv.toArray(String[]::new)),
                        new StringArray(envp.toArray(String[]::new)));
                if (r != 0) {
                    throw new IOException("could not start " + String.join(" ", command) + ": " + errno(r));
                }
                return pid.getValue();
            } finally {
                LibC.C.posix_spawn_file_actions_destroy(actions);
            }
        } finally {
            if (source != fd) {
                LibC.C.close(source);
            }
        }
    }

    /**
     * Waits for child {@code pid} to end.
     *
     * @return its exit code, or 128 + the signal that ended it
     */
    static int waitFor(int pid) {
        IntByReference status = new IntByReference();
        while (true) {
            int r = LibC.C.waitpid(pid, status, 0);
            if (r == pid) {
                int s = status.getValue();
                return (s & 0x7f) == 0 ? (s >> 8) & 0xff : 128 + (s & 0x7f);
            }
            if (r < 0 && Native.getLastError() != 4 /* EINTR */) {
                return -1;
            }
        }
    }

    /** Sends {@code signal} to {@code pid}; false if it is gone. */
    static boolean signal(int pid, int signal) {
        return LibC.C.kill(pid, signal) == 0;
    }

    private static void check(int r, String what) throws IOException {
        if (r != 0) {
            throw new IOException(what + " failed: " + errno(r));
        }
    }

    private static String errno(int e) {
        return switch (e) {
            case 2 -> "ENOENT (no such file or directory)";
            case 13 -> "EACCES (permission denied)";
            case 12 -> "ENOMEM (out of memory)";
            case 8 -> "ENOEXEC (not an executable)";
            default -> "errno " + e;
        };
    }
}
