package dev.hoststack.daemon;

import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;

/**
 * The control directory's safety rules, checked before the daemon puts its socket there.
 *
 * <p>A directory that another user owns, or that others may write, lets them replace the socket
 * with their own (and receive the hello of a worker that trusts it) or turn the socket's mode
 * change onto another file through a symbolic link. So the daemon uses a directory only when:
 * <ul>
 *   <li>it is a directory (not a link to one) owned by the daemon's own user, that neither its
 *       group nor others may write; a missing one is made with {@link #modeFor(int) the mode the
 *       socket's mode needs} (owner rwx, r-x for the classes that may connect);</li>
 *   <li>each directory above it is owned by root or the daemon's user and, if others or its group
 *       may write it, has the sticky bit (as {@code /tmp}), so that no one else can rename the
 *       control directory away and put their own in its place.</li>
 * </ul>
 * Otherwise {@link #prepare} refuses with a message that says what is wrong and what to do.
 */
public final class ControlDirectory {

    private ControlDirectory() {
    }

    /** The mode of a directory the daemon makes: rwx for itself, r-x for the group and others if the socket admits them. */
    public static int modeFor(int socketMode) {
        int m = 0700;
        if ((socketMode & 0070) != 0) {
            m |= 0050;
        }
        if ((socketMode & 0007) != 0) {
            m |= 0005;
        }
        return m;
    }

    /**
     * Makes the directory if it is missing, then checks it and every directory above it.
     *
     * @param uid the daemon's effective uid
     * @return the directory's real path
     * @throws IOException saying what is unsafe and what to do
     */
    public static Path prepare(Path dir, int socketMode, int uid) throws IOException {
        Path abs = dir.toAbsolutePath().normalize();
        Path parent = abs.getParent();
        if (parent != null && !Files.isDirectory(parent)) {
            Files.createDirectories(parent);
        }
        if (parent != null) {
            checkAncestors(parent.toRealPath(), uid, abs);
        }
        if (!Files.exists(abs, LinkOption.NOFOLLOW_LINKS)) {
            try {
                Files.createDirectory(abs, PosixFilePermissions.asFileAttribute(Daemon.mode(modeFor(socketMode))));
                // the umask may have taken bits away: set exactly the mode wanted (nobody else can enter it yet)
                Files.setPosixFilePermissions(abs, Daemon.mode(modeFor(socketMode)));
            } catch (FileAlreadyExistsException e) {
                // made meanwhile: checked below like any existing one
            }
        }
        PosixFileAttributes a = Files.readAttributes(abs, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        if (a.isSymbolicLink()) {
            throw new IOException(abs + " is a symbolic link: the daemon's control directory must be a real directory"
                    + " (use its target, " + abs.toRealPath() + ", as --control if it is safe)");
        }
        if (!a.isDirectory()) {
            throw new IOException(abs + " exists and is not a directory; use another --control directory");
        }
        int owner = owner(abs);
        if (owner != uid) {
            throw new IOException(abs + " is owned by uid " + owner + ", not by the daemon's user (uid " + uid + "):"
                    + " its owner could replace the socket with their own or redirect the daemon's writes. Remove it"
                    + " (the daemon makes a missing directory itself, mode " + String.format("%04o", modeFor(socketMode))
                    + ") or give --control a directory of uid " + uid);
        }
        Set<PosixFilePermission> p = a.permissions();
        if (p.contains(PosixFilePermission.GROUP_WRITE) || p.contains(PosixFilePermission.OTHERS_WRITE)) {
            throw new IOException(abs + " has mode " + PosixFilePermissions.toString(p) + ": its group or others may write"
                    + " it, and so replace the socket. Run chmod go-w " + abs + " (connecting needs only the socket's own"
                    + " mode, --socket-mode, and search permission on the directory)");
        }
        return abs.toRealPath();
    }

    private static void checkAncestors(Path parent, int uid, Path dir) throws IOException {
        for (Path p = parent; p != null; p = p.getParent()) {
            PosixFileAttributes a = Files.readAttributes(p, PosixFileAttributes.class);
            int owner = owner(p);
            if (owner != 0 && owner != uid) {
                throw new IOException(p + ", above the control directory " + dir + ", is owned by uid " + owner
                        + " (neither root nor the daemon's uid " + uid + "): its owner could move the control directory"
                        + " away and put their own in its place. Use a --control directory under a path of root or uid " + uid);
            }
            Set<PosixFilePermission> perms = a.permissions();
            boolean othersWrite = perms.contains(PosixFilePermission.OTHERS_WRITE) || perms.contains(PosixFilePermission.GROUP_WRITE);
            if (othersWrite && !sticky(p)) {
                throw new IOException(p + ", above the control directory " + dir + ", has mode "
                        + PosixFilePermissions.toString(perms) + " without the sticky bit: others could rename the control"
                        + " directory and put their own in its place. Run chmod +t " + p + " or chmod go-w " + p
                        + ", or use a --control directory elsewhere (e.g. /run/hoststack)");
            }
        }
    }

    private static int owner(Path p) throws IOException {
        return (Integer) Files.getAttribute(p, "unix:uid", LinkOption.NOFOLLOW_LINKS);
    }

    private static boolean sticky(Path p) throws IOException {
        return ((Integer) Files.getAttribute(p, "unix:mode") & 01000) != 0;
    }
}
