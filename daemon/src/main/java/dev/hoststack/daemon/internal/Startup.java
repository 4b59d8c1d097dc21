package dev.hoststack.daemon.internal;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.hoststack.daemon.DaemonConfig;
import dev.hoststack.protocol.Names;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What the daemon finds when it starts: its descriptor limit and how many it has open, its own
 * uid, and what its state file remembers of the last run.
 *
 * @param descriptorLimit the soft RLIMIT_NOFILE (a large number when unknown)
 * @param openDescriptors descriptors open now
 * @param uid             the daemon's effective uid
 * @param state           the owners of application names and ports when the daemon last stopped
 */
public record Startup(long descriptorLimit, long openDescriptors, int uid, State state) {

    /** The state file's name in the control directory. */
    public static final String STATE_FILE = "hoststack.state";
    /** A larger state file is not read. */
    static final long MAX_STATE_BYTES = 4L << 20;

    /**
     * The owners of application names and TCP ports as the last run saved them.
     *
     * @param apps   application name → owner uid
     * @param ports  TCP port → owner uid
     * @param note   what happened reading the file, for the log (null: nothing to say)
     */
    public record State(Map<String, Integer> apps, Map<Integer, Integer> ports, String note,
                        java.util.List<KernelGroup.KernelState> kernel) {
        /** Without kernel groups. */
        public State(Map<String, Integer> apps, Map<Integer, Integer> ports, String note) {
            this(apps, ports, note, java.util.List.of());
        }

        /** Nothing remembered. */
        public static State empty(String note) {
            return new State(Map.of(), Map.of(), note);
        }
    }

    /** Measures everything now; reads the state file of {@code config}'s control directory. */
    public static Startup measure(DaemonConfig config) {
        long limit = UidLimits.descriptorLimit();
        int uid = effectiveUid();
        return new Startup(limit < 0 ? 1 << 20 : limit, countOpenDescriptors(), uid,
                readState(config.controlDir().resolve(STATE_FILE), uid));
    }

    /** This process's effective uid (the owner of {@code /proc/self}), or -1. */
    public static int effectiveUid() {
        try {
            return (Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid");
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    static long countOpenDescriptors() {
        try (var s = Files.list(Path.of("/proc/self/fd"))) {
            return s.count() - 1;
        } catch (IOException | RuntimeException e) {
            return 64;
        }
    }

    /**
     * Reads a state file: only a regular file (no link) owned by {@code uid} that no one else may
     * write, at most {@value #MAX_STATE_BYTES} bytes; entries that do not parse are skipped. Never throws.
     */
    static State readState(Path file, int uid) {
        try {
            if (!Files.exists(file, LinkOption.NOFOLLOW_LINKS)) {
                return State.empty(null);
            }
            PosixFileAttributes a = Files.readAttributes(file, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
            if (!a.isRegularFile()) {
                return State.empty(file + " is not a regular file: ignored");
            }
            int owner = (Integer) Files.getAttribute(file, "unix:uid", LinkOption.NOFOLLOW_LINKS);
            if (owner != uid || a.permissions().contains(PosixFilePermission.GROUP_WRITE)
                    || a.permissions().contains(PosixFilePermission.OTHERS_WRITE)) {
                return State.empty(file + " belongs to uid " + owner + " or others may write it: ignored");
            }
            if (a.size() > MAX_STATE_BYTES) {
                return State.empty(file + " is larger than " + MAX_STATE_BYTES + " bytes: ignored");
            }
            JsonObject o = JsonParser.parseString(Files.readString(file, StandardCharsets.UTF_8)).getAsJsonObject();
            Map<String, Integer> apps = new LinkedHashMap<>();
            Map<Integer, Integer> ports = new LinkedHashMap<>();
            int skipped = 0;
            if (o.has("apps")) {
                for (JsonElement e : o.getAsJsonArray("apps")) {
                    try {
                        String name = e.getAsJsonObject().get("name").getAsString();
                        int by = e.getAsJsonObject().get("owner").getAsInt();
                        if (Names.problem(name) == null) {
                            apps.put(name, by);
                        } else {
                            skipped++;
                        }
                    } catch (RuntimeException ex) {
                        skipped++;
                    }
                }
            }
            if (o.has("ports")) {
                for (JsonElement e : o.getAsJsonArray("ports")) {
                    try {
                        int port = e.getAsJsonObject().get("port").getAsInt();
                        int by = e.getAsJsonObject().get("owner").getAsInt();
                        if (port > 0 && port <= 0xFFFF) {
                            ports.put(port, by);
                        } else {
                            skipped++;
                        }
                    } catch (RuntimeException ex) {
                        skipped++;
                    }
                }
            }
            java.util.List<KernelGroup.KernelState> kernel = new java.util.ArrayList<>();
            if (o.has("kernel")) {
                for (JsonElement e : o.getAsJsonArray("kernel")) {
                    KernelGroup.KernelState k = e.isJsonObject() ? KernelGroup.parseState(e.getAsJsonObject()) : null;
                    if (k != null) {
                        kernel.add(k);
                    } else {
                        skipped++;
                    }
                }
            }
            return new State(apps, ports, skipped == 0 ? null : skipped + " entries of " + file + " did not parse: skipped",
                    kernel);
        } catch (IOException | RuntimeException e) {
            return State.empty(file + " could not be read (" + e + "): ignored");
        }
    }
}
