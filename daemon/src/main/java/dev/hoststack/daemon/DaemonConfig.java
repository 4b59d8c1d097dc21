package dev.hoststack.daemon;

import static java.util.Objects.requireNonNull;

import dev.hoststack.protocol.Protocol;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Everything a daemon is started with, validated once by {@link Builder#build()}.
 *
 * @param controlDir      the directory holding the control socket ({@link Protocol#SOCKET_NAME})
 * @param socketMode      the control socket's permission bits, e.g. {@code 0660}
 * @param maxWindow       the most descriptors in flight (sent, not yet taken) per worker
 * @param defaultSelector the default selector's name, or null for the stack's
 * @param hashSecret      the hash selector's secret
 * @param backlog         the listen backlog of each real listening socket
 * @param namespaces      namespaces to add besides {@code default} (name, secret, FIB)
 */
public record DaemonConfig(Path controlDir, int socketMode, int maxWindow, String defaultSelector,
                           int hashSecret, int backlog, List<Namespace> namespaces) {

    /** The default socket mode: the daemon's user and group may connect. */
    public static final int DEFAULT_SOCKET_MODE = 0660;
    /** The default cap of descriptors in flight per worker (well under a Unix socket's ~278). */
    public static final int DEFAULT_MAX_WINDOW = 128;

    /**
     * A namespace to add at start.
     *
     * @param name   its name
     * @param secret its secret
     * @param fib    its FIB index
     */
    public record Namespace(String name, long secret, int fib) {

        /**
         * Validates: a name other than {@code default} without spaces or colons, a FIB in 0..65535.
         *
         * @throws IllegalArgumentException naming the namespace and what is wrong
         */
        public Namespace {
            requireNonNull(name, "name");
            if (name.isEmpty() || name.chars().anyMatch(c -> Character.isWhitespace(c) || c == ':')) {
                throw new IllegalArgumentException("namespace '" + name + "': a name is one word without ':'");
            }
            if (name.equals("default")) {
                throw new IllegalArgumentException("namespace 'default' always exists (secret 0, FIB 0); add another name");
            }
            if (fib < 0 || fib > 0xFFFF) {
                throw new IllegalArgumentException("namespace '" + name + "': FIB " + fib + " is not in 0..65535");
            }
        }

        /**
         * Parses {@code NAME:SECRET:FIB}; SECRET is decimal or {@code 0x} hex (64 bits), FIB decimal.
         *
         * @throws IllegalArgumentException naming the form expected
         */
        public static Namespace parse(String text) {
            String[] p = text.split(":", -1);
            if (p.length != 3) {
                throw new IllegalArgumentException("namespace '" + text + "': expected NAME:SECRET:FIB, e.g. blue:42:1");
            }
            long secret;
            try {
                secret = p[1].startsWith("0x") || p[1].startsWith("0X") ? Long.parseUnsignedLong(p[1].substring(2), 16)
                        : Long.parseLong(p[1]);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("namespace '" + text + "': SECRET '" + p[1]
                        + "' is not a 64-bit number (decimal, or 0x and up to 16 hex digits)", e);
            }
            int fib;
            try {
                fib = Integer.parseInt(p[2]);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("namespace '" + text + "': FIB '" + p[2] + "' is not a number in 0..65535", e);
            }
            return new Namespace(p[0], secret, fib);
        }
    }

    /** Validates. */
    public DaemonConfig {
        requireNonNull(controlDir, "controlDir");
        if ((socketMode & ~0777) != 0) {
            throw new IllegalArgumentException("socket mode " + Integer.toOctalString(socketMode) + " is not in 0..0777");
        }
        if (maxWindow < 1 || maxWindow > 200) {
            throw new IllegalArgumentException("max window " + maxWindow + " is not in 1..200 (a Unix socket holds about 278 descriptors)");
        }
        if (backlog < 1) {
            throw new IllegalArgumentException("backlog " + backlog + " is not positive");
        }
        namespaces = List.copyOf(namespaces);
        Set<String> names = new HashSet<>();
        for (Namespace ns : namespaces) {
            if (!names.add(ns.name())) {
                throw new IllegalArgumentException("namespace '" + ns.name() + "' is given twice");
            }
        }
    }

    /** The control socket's path. */
    public Path socketPath() {
        return controlDir.resolve(Protocol.SOCKET_NAME);
    }

    /** A builder with the defaults. */
    public static Builder builder(Path controlDir) {
        return new Builder(controlDir);
    }

    /** Builds a {@link DaemonConfig}. */
    public static final class Builder {
        private final Path controlDir;
        private int socketMode = DEFAULT_SOCKET_MODE;
        private int maxWindow = DEFAULT_MAX_WINDOW;
        private String defaultSelector;
        private int hashSecret;
        private int backlog = 4096;
        private final List<Namespace> namespaces = new ArrayList<>();

        private Builder(Path controlDir) {
            this.controlDir = requireNonNull(controlDir, "controlDir");
        }

        /** The control socket's permission bits. */
        public Builder socketMode(int mode) {
            this.socketMode = mode;
            return this;
        }

        /** The cap of descriptors in flight per worker. */
        public Builder maxWindow(int n) {
            this.maxWindow = n;
            return this;
        }

        /** The default selector's name. */
        public Builder defaultSelector(String name) {
            this.defaultSelector = name;
            return this;
        }

        /** The hash selector's secret. */
        public Builder hashSecret(int secret) {
            this.hashSecret = secret;
            return this;
        }

        /** The listen backlog of real sockets. */
        public Builder backlog(int n) {
            this.backlog = n;
            return this;
        }

        /** Adds a namespace. */
        public Builder namespace(Namespace ns) {
            namespaces.add(requireNonNull(ns));
            return this;
        }

        /** Validates and builds. */
        public DaemonConfig build() {
            return new DaemonConfig(controlDir, socketMode, maxWindow, defaultSelector, hashSecret, backlog, namespaces);
        }
    }
}
