package dev.hoststack.daemon;

import static java.util.Objects.requireNonNull;

import dev.hoststack.protocol.Protocol;
import java.nio.file.Path;
import java.time.Duration;
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
 * @param limits          what one user, and all together, may hold; timeouts of idle and slow connections
 * @param reservationGrace how long after a start the endpoints and application names of the state
 *                        file stay reserved for their owners ({@link Duration#ZERO}: not at all)
 * @param kernel          who picks the worker of a reuseport group's connections: the kernel
 *                        (an {@code SK_REUSEPORT} program over tables the daemon publishes) or the
 *                        daemon (accept, select, hand the descriptor over), and the kernel groups' sizes
 */
public record DaemonConfig(Path controlDir, int socketMode, int maxWindow, String defaultSelector,
                           int hashSecret, int backlog, List<Namespace> namespaces, Limits limits,
                           Duration reservationGrace, Kernel kernel) {

    /** Where the worker of a reuseport group's new connection is chosen. */
    public enum Dispatch {
        /**
         * In the kernel: each worker accepts on a listening socket of its own that the daemon made
         * in the endpoint's SO_REUSEPORT group, and an {@code SK_REUSEPORT} program runs the group's
         * selector as data; the daemon is out of the data path. The daemon refuses to start where
         * the kernel cannot (no privilege, no support), saying why.
         */
        KERNEL,
        /** In the daemon: it accepts every connection, runs the selector and hands the descriptor over (SCM_RIGHTS). */
        HANDOFF,
        /** The kernel where a probe at start-up passes, else the daemon; one log line says which and why. */
        AUTO;

        /** Parses {@code kernel}, {@code handoff} or {@code auto}. */
        public static Dispatch parse(String text) {
            for (Dispatch d : values()) {
                if (d.name().equalsIgnoreCase(text)) {
                    return d;
                }
            }
            throw new IllegalArgumentException("--dispatch '" + text + "': expected kernel, handoff or auto");
        }
    }

    /**
     * Kernel dispatch settings.
     *
     * @param dispatch          kernel, handoff, or auto (the default)
     * @param maxSockets        sockets (workers) a kernel group's maps hold; a listen past it is refused
     *                          with {@code KERNEL_GROUP_FULL}. 1..65,535 (the kernel's own group capacity)
     * @param maxApps           applications a kernel group's maps hold (each has a rotor); past it, {@code KERNEL_GROUP_FULL}
     * @param congestedPercent  a worker whose accept queue holds more than this percentage of its backlog is taken
     *                          out of its group's table (it gets no new connections) until it is under half of that;
     *                          0 turns this off
     */
    public record Kernel(Dispatch dispatch, int maxSockets, int maxApps, int congestedPercent) {

        /** Auto, 1,024 sockets, 256 applications, 50 %. */
        public static final Kernel DEFAULTS = new Kernel(Dispatch.AUTO, 1024, 256, 50);

        /** Validates. */
        public Kernel {
            requireNonNull(dispatch, "dispatch");
            if (maxSockets < 1 || maxSockets > 65_535) {
                throw new IllegalArgumentException("kernel max sockets " + maxSockets + " is not in 1..65535 (the kernel's"
                        + " own reuseport group capacity)");
            }
            if (maxApps < 1 || maxApps > 65_535) {
                throw new IllegalArgumentException("kernel max applications " + maxApps + " is not in 1..65535");
            }
            if (congestedPercent < 0 || congestedPercent > 100) {
                throw new IllegalArgumentException("kernel congestion threshold " + congestedPercent + "% is not in 0..100");
            }
        }

        /** The same with another dispatch mode. */
        public Kernel withDispatch(Dispatch d) {
            return new Kernel(d, maxSockets, maxApps, congestedPercent);
        }
    }

    /** The default reservation grace after a restart. */
    public static final Duration DEFAULT_RESERVATION_GRACE = Duration.ofSeconds(60);

    /**
     * What the daemon lets its clients hold, and how long it waits for them. Every refusal has its
     * own error code and is counted in {@code show}'s {@code refused}.
     *
     * @param maxConnections        control-socket connections at most, all users together (0: derived at
     *                              start from the descriptor limit, {@code RLIMIT_NOFILE}); the last
     *                              {@value #PRIVILEGED_RESERVE} are kept for root and the daemon's own user
     * @param connectionsPerUid     connections one uid may hold (0: half of {@code maxConnections}, at most 512)
     * @param appsPerUid            applications one uid may have attached
     * @param workersPerUid         app workers one uid may have, over all its applications
     * @param listensPerUid         listens (worker × endpoint) one uid may hold
     * @param maxPendingOutput      replies a connection may leave unread, in bytes, before the daemon stops
     *                              reading its requests
     * @param helloTimeout          a new connection's first request ({@code hello} or {@code data}) must be
     *                              complete within this
     * @param requestTimeout        a request line, once begun, must be complete within this
     * @param idleTimeout           a connection that is no app worker and sends no request for this long is closed
     * @param writeTimeout          a connection that leaves its replies unread this long is closed
     */
    public record Limits(int maxConnections, int connectionsPerUid, int appsPerUid, int workersPerUid,
                         int listensPerUid, int maxPendingOutput, Duration helloTimeout, Duration requestTimeout,
                         Duration idleTimeout, Duration writeTimeout) {

        /** Connections kept for root and the daemon's own user when the others have taken the rest. */
        public static final int PRIVILEGED_RESERVE = 8;

        /** The defaults. */
        public static final Limits DEFAULTS = new Limits(0, 0, 64, 256, 256, 256 * 1024, Duration.ofSeconds(10),
                Duration.ofSeconds(10), Duration.ofSeconds(60), Duration.ofSeconds(30));

        /** Validates. */
        public Limits {
            check(maxConnections >= 0, "max connections " + maxConnections + " is negative");
            check(maxConnections == 0 || maxConnections > PRIVILEGED_RESERVE, "max connections " + maxConnections
                    + " leaves nothing past the " + PRIVILEGED_RESERVE + " kept for root and the daemon's user");
            check(connectionsPerUid >= 0, "connections per uid " + connectionsPerUid + " is negative");
            check(appsPerUid >= 1, "applications per uid " + appsPerUid + " is not positive");
            check(workersPerUid >= 1, "workers per uid " + workersPerUid + " is not positive");
            check(listensPerUid >= 1, "listens per uid " + listensPerUid + " is not positive");
            check(maxPendingOutput >= 4096, "max pending output " + maxPendingOutput + " is below 4096 bytes");
            for (Duration d : new Duration[] {requireNonNull(helloTimeout, "helloTimeout"),
                requireNonNull(requestTimeout, "requestTimeout"), requireNonNull(idleTimeout, "idleTimeout"),
                requireNonNull(writeTimeout, "writeTimeout")}) {
                check(!d.isNegative() && !d.isZero(), "timeout " + d + " is not positive");
            }
        }

        private static void check(boolean ok, String message) {
            if (!ok) {
                throw new IllegalArgumentException(message);
            }
        }

        /** These limits with {@code n} connections at most, all users together. */
        public Limits withMaxConnections(int n) {
            return toBuilder().maxConnections(n).build();
        }

        /** A builder starting from these limits. */
        public Builder toBuilder() {
            return new Builder(this);
        }

        /** A builder starting from the defaults. */
        public static Builder builder() {
            return new Builder(DEFAULTS);
        }

        /** Builds {@link Limits}; {@link #build()} validates. */
        public static final class Builder {
            private int maxConnections;
            private int connectionsPerUid;
            private int appsPerUid;
            private int workersPerUid;
            private int listensPerUid;
            private int maxPendingOutput;
            private Duration helloTimeout;
            private Duration requestTimeout;
            private Duration idleTimeout;
            private Duration writeTimeout;

            private Builder(Limits l) {
                maxConnections = l.maxConnections;
                connectionsPerUid = l.connectionsPerUid;
                appsPerUid = l.appsPerUid;
                workersPerUid = l.workersPerUid;
                listensPerUid = l.listensPerUid;
                maxPendingOutput = l.maxPendingOutput;
                helloTimeout = l.helloTimeout;
                requestTimeout = l.requestTimeout;
                idleTimeout = l.idleTimeout;
                writeTimeout = l.writeTimeout;
            }

            /** See {@link Limits#maxConnections()}. */
            public Builder maxConnections(int n) {
                maxConnections = n;
                return this;
            }

            /** See {@link Limits#connectionsPerUid()}. */
            public Builder connectionsPerUid(int n) {
                connectionsPerUid = n;
                return this;
            }

            /** See {@link Limits#appsPerUid()}. */
            public Builder appsPerUid(int n) {
                appsPerUid = n;
                return this;
            }

            /** See {@link Limits#workersPerUid()}. */
            public Builder workersPerUid(int n) {
                workersPerUid = n;
                return this;
            }

            /** See {@link Limits#listensPerUid()}. */
            public Builder listensPerUid(int n) {
                listensPerUid = n;
                return this;
            }

            /** See {@link Limits#maxPendingOutput()}. */
            public Builder maxPendingOutput(int bytes) {
                maxPendingOutput = bytes;
                return this;
            }

            /** See {@link Limits#helloTimeout()}. */
            public Builder helloTimeout(Duration d) {
                helloTimeout = d;
                return this;
            }

            /** See {@link Limits#requestTimeout()}. */
            public Builder requestTimeout(Duration d) {
                requestTimeout = d;
                return this;
            }

            /** See {@link Limits#idleTimeout()}. */
            public Builder idleTimeout(Duration d) {
                idleTimeout = d;
                return this;
            }

            /** See {@link Limits#writeTimeout()}. */
            public Builder writeTimeout(Duration d) {
                writeTimeout = d;
                return this;
            }

            /** Validates and builds. */
            public Limits build() {
                return new Limits(maxConnections, connectionsPerUid, appsPerUid, workersPerUid, listensPerUid,
                        maxPendingOutput, helloTimeout, requestTimeout, idleTimeout, writeTimeout);
            }
        }
    }

    /** The configuration of before the limits existed (no limits given: the defaults). */
    public DaemonConfig(Path controlDir, int socketMode, int maxWindow, String defaultSelector,
                        int hashSecret, int backlog, List<Namespace> namespaces) {
        this(controlDir, socketMode, maxWindow, defaultSelector, hashSecret, backlog, namespaces, Limits.DEFAULTS,
                DEFAULT_RESERVATION_GRACE, Kernel.DEFAULTS);
    }

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
        requireNonNull(limits, "limits");
        requireNonNull(reservationGrace, "reservationGrace");
        requireNonNull(kernel, "kernel");
        if (reservationGrace.isNegative()) {
            throw new IllegalArgumentException("reservation grace " + reservationGrace + " is negative");
        }
    }

    /**
     * Parses a duration as the command line writes it: {@code 500ms}, {@code 10s}, {@code 2m}, or a
     * plain number of seconds.
     *
     * @throws IllegalArgumentException naming the option and the forms accepted
     */
    public static Duration parseDuration(String option, String text) {
        try {
            String t = text.trim();
            if (t.endsWith("ms")) {
                return Duration.ofMillis(Long.parseLong(t.substring(0, t.length() - 2)));
            }
            if (t.endsWith("s")) {
                return Duration.ofSeconds(Long.parseLong(t.substring(0, t.length() - 1)));
            }
            if (t.endsWith("m")) {
                return Duration.ofMinutes(Long.parseLong(t.substring(0, t.length() - 1)));
            }
            return Duration.ofSeconds(Long.parseLong(t));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(option + " '" + text + "': expected a duration such as 500ms, 10s or 2m", e);
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
        private Limits limits = Limits.DEFAULTS;
        private Duration reservationGrace = DEFAULT_RESERVATION_GRACE;
        private Kernel kernel = Kernel.DEFAULTS;

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

        /** The limits and timeouts. */
        public Builder limits(Limits l) {
            this.limits = requireNonNull(l);
            return this;
        }

        /** How long a restarted daemon reserves the endpoints and names of its state file for their owners. */
        public Builder reservationGrace(Duration d) {
            this.reservationGrace = requireNonNull(d);
            return this;
        }

        /** Kernel dispatch: the mode and the kernel groups' sizes. */
        public Builder kernel(Kernel k) {
            this.kernel = requireNonNull(k);
            return this;
        }

        /** The dispatch mode (kernel, handoff, auto), other kernel settings unchanged. */
        public Builder dispatch(Dispatch d) {
            this.kernel = kernel.withDispatch(d);
            return this;
        }

        /** Validates and builds. */
        public DaemonConfig build() {
            return new DaemonConfig(controlDir, socketMode, maxWindow, defaultSelector, hashSecret, backlog, namespaces,
                    limits, reservationGrace, kernel);
        }
    }
}
