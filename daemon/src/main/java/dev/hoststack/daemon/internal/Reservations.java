package dev.hoststack.daemon.internal;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import dev.hoststack.api.Endpoint;
import dev.hoststack.protocol.Errors;
import dev.hoststack.protocol.ProtocolException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Who owned each application name and each listened TCP port, kept in the control directory's
 * state file ({@value Startup#STATE_FILE}) so that after a restart, for a grace period, only
 * their owners may take them again: a squatter of another uid gets {@link Errors#RESERVED}.
 *
 * <p>The file is rewritten (a new file renamed over the old one) 20 ms after a change, so a
 * daemon killed with SIGKILL remembers what it held up to then; a daemon that stops saves it at
 * once. Event-loop thread only.
 */
final class Reservations {

    private static final long SAVE_DELAY_MS = 20;

    private final Core core;
    private final Path file;
    private final Duration grace;
    private final Map<String, Integer> apps;
    private final Map<Integer, Integer> ports;
    private final String note;
    private long untilNanos;
    private Instant untilWall;
    private boolean saveScheduled;
    private boolean frozen;
    private int saveFailuresLogged;

    Reservations(Core core, Startup.State state, Duration grace) {
        this.core = core;
        this.file = core.config.controlDir().resolve(Startup.STATE_FILE);
        this.grace = grace;
        this.apps = new LinkedHashMap<>(state.apps());
        this.ports = new LinkedHashMap<>(state.ports());
        this.note = state.note();
    }

    /** Logs what is reserved and schedules the end of the grace period. */
    void start() {
        if (note != null) {
            core.log(note);
        }
        if (grace.isZero() || apps.isEmpty() && ports.isEmpty()) {
            apps.clear();
            ports.clear();
            return;
        }
        untilNanos = System.nanoTime() + grace.toNanos();
        untilWall = Instant.now().plus(grace);
        core.log("reserved for their owners for " + grace.toSeconds() + " s after the restart: " + apps.size()
                + " application name(s), " + ports.size() + " port(s) (from " + file + ")");
        core.loop.schedule(this::expire, grace.toMillis(), TimeUnit.MILLISECONDS);
    }

    private void expire() {
        if (!apps.isEmpty() || !ports.isEmpty()) {
            core.log("the reservations' grace period ended: " + apps.size() + " application name(s) and " + ports.size()
                    + " port(s) not taken back by their owners are free");
        }
        apps.clear();
        ports.clear();
        changed();
    }

    private boolean active() {
        return untilNanos != 0 && System.nanoTime() < untilNanos;
    }

    /** @throws ProtocolException {@link Errors#RESERVED} when the name is another uid's for the grace period */
    void checkApp(String name, int uid) {
        Integer owner = active() ? apps.get(name) : null;
        if (owner != null && owner != uid) {
            throw new ProtocolException(Errors.RESERVED, "application name '" + name + "' belonged to uid " + owner
                    + " when the daemon stopped and is kept for it until " + untilWall + " (" + left() + " s)",
                    "use another name, or wait until the grace period after the daemon's restart ends");
        }
    }

    /** @throws ProtocolException {@link Errors#RESERVED} when the port is another uid's for the grace period */
    void checkListen(Endpoint ep, int uid) {
        Integer owner = active() ? ports.get(ep.port()) : null;
        if (owner != null && owner != uid) {
            throw new ProtocolException(Errors.RESERVED, "port " + ep.port() + " (" + ep.toUri() + ") was listened on by uid "
                    + owner + " when the daemon stopped and is kept for it until " + untilWall + " (" + left() + " s)",
                    "listen on another port, or wait until the grace period after the daemon's restart ends");
        }
    }

    private long left() {
        return Math.max(0, TimeUnit.NANOSECONDS.toSeconds(untilNanos - System.nanoTime()));
    }

    /** Something the file records changed: it is saved shortly. */
    void changed() {
        if (saveScheduled || frozen) {
            return;
        }
        saveScheduled = true;
        core.loop.schedule(() -> {
            saveScheduled = false;
            if (!frozen) {
                save(); // not after the stop's own save: the workers leaving then must not erase the record
            }
        }, SAVE_DELAY_MS, TimeUnit.MILLISECONDS);
    }

    /** Saves now and no more after (the daemon stops: its workers leaving must not erase the record). */
    void saveNow() {
        if (!frozen) {
            save();
            frozen = true;
        }
    }

    /** What is live (application names, listened ports, each with its owner), plus reservations still running. */
    JsonObject snapshot() {
        Map<String, Integer> a = new LinkedHashMap<>();
        for (Map.Entry<String, List<WorkerConn>> e : core.apps.entrySet()) {
            if (!e.getValue().isEmpty()) {
                a.put(e.getKey(), e.getValue().get(0).uid);
            }
        }
        Map<Integer, Integer> p = new LinkedHashMap<>();
        Map<Integer, String> uris = new LinkedHashMap<>();
        for (WorkerConn w : core.byGlobal.values()) {
            for (Endpoint ep : w.listens) {
                p.putIfAbsent(ep.port(), w.uid);
                uris.putIfAbsent(ep.port(), ep.toUri());
            }
        }
        if (active()) {
            apps.forEach(a::putIfAbsent);
            ports.forEach(p::putIfAbsent);
        }
        JsonObject o = new JsonObject();
        o.addProperty("version", 1);
        o.addProperty("saved", Instant.now().toString());
        o.addProperty("daemon_pid", ProcessHandle.current().pid());
        JsonArray as = new JsonArray();
        a.forEach((name, owner) -> {
            JsonObject x = new JsonObject();
            x.addProperty("name", name);
            x.addProperty("owner", owner);
            as.add(x);
        });
        JsonArray ps = new JsonArray();
        p.forEach((port, owner) -> {
            JsonObject x = new JsonObject();
            x.addProperty("port", port);
            x.addProperty("owner", owner);
            if (uris.containsKey(port)) {
                x.addProperty("uri", uris.get(port));
            }
            ps.add(x);
        });
        o.add("apps", as);
        o.add("ports", ps);
        // kernel groups run on without the daemon: the next one takes them over from their handles
        JsonArray ks = new JsonArray();
        for (RealListener real : core.listeners.all()) {
            if (real.kernel != null) {
                try {
                    ks.add(real.kernel.state());
                } catch (RuntimeException e) {
                    // a closed group: nothing to take over
                }
            }
        }
        for (KernelGroup.KernelState k : core.recovered.values()) {
            ks.add(KernelGroup.stateJson(k));
        }
        o.add("kernel", ks);
        return o;
    }

    /** The reservations still running, for show. */
    JsonObject json() {
        JsonObject o = new JsonObject();
        boolean on = active();
        o.addProperty("grace_ms", grace.toMillis());
        o.addProperty("active", on);
        o.addProperty("seconds_left", on ? left() : 0);
        o.addProperty("apps", on ? apps.size() : 0);
        o.addProperty("ports", on ? ports.size() : 0);
        return o;
    }

    private void save() {
        Path tmp = file.resolveSibling("." + Startup.STATE_FILE + ".tmp");
        try {
            Files.deleteIfExists(tmp);
            Files.createFile(tmp, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            Files.writeString(tmp, snapshot().toString() + "\n", StandardCharsets.UTF_8, StandardOpenOption.WRITE,
                    StandardOpenOption.TRUNCATE_EXISTING, LinkOption.NOFOLLOW_LINKS);
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException | RuntimeException e) {
            if (saveFailuresLogged++ < 5) {
                core.log("could not save " + file + ": " + e);
            }
        }
    }
}
