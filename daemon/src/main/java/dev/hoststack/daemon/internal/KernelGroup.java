package dev.hoststack.daemon.internal;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import dev.hoststack.api.Endpoint;
import dev.hoststack.api.spi.ReuseportGroupView;
import dev.hoststack.api.spi.SelectionData;
import dev.hoststack.protocol.Errors;
import dev.hoststack.protocol.ProtocolException;
import dev.hoststack.reuseport.ReuseportGroup;
import dev.hoststack.reuseport.bpf.DispatchLimits;
import dev.hoststack.reuseport.bpf.KernelDispatch;
import dev.hoststack.reuseport.bpf.KernelDispatchException;
import dev.hoststack.reuseport.bpf.LookupTable;
import dev.hoststack.reuseport.bpf.ReuseportSockets;
import dev.hoststack.reuseport.bpf.SequenceTable;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One reuseport group whose selection the kernel runs: a socket of the daemon's making per
 * listening worker, all bound to the endpoint with SO_REUSEPORT (so every socket of the group has
 * the daemon's uid as owner, whoever holds a copy), the {@code SK_REUSEPORT} program attached once,
 * and the table it reads published again at every change of the model group's view.
 *
 * <p>The model ({@link ReuseportGroup} of the session layer) stays the authority on who may join:
 * a worker gets a socket here only after its listen passed there, and leaves the table before its
 * socket leaves the group. The order of every change is the one {@link KernelDispatch} documents:
 * a joining socket takes its slot, then a table names it; a leaving one leaves the table
 * (published), then its slot, then it is shut down, which stops every copy of it (the worker's,
 * and any process the worker passed it to) and makes the kernel move the connections queued on
 * it to the sockets the program picks ({@code SELECT_OR_MIGRATE}).
 *
 * <p>Each worker's socket goes to a version-2 worker once, over its data connection; a version-1
 * worker cannot take a listening socket, so the daemon accepts on that worker's socket itself (a
 * {@link RealListener} of its own) and hands it the connections the kernel chose for it.
 *
 * <p>Event-loop thread only. {@link #publish} blocks for one RCU grace period (milliseconds).
 */
final class KernelGroup {

    /** One worker's socket in the group. */
    static final class Member {
        final WorkerConn worker;
        final Endpoint endpoint;
        /** The daemon's own copy of the worker's listening socket (for a version-1 worker, the proxy's). */
        final int fd;
        /** Its slot in the socket array, or -1 (kernel hash: no array). */
        final int slot;
        final long cookie;
        /** The daemon's accepting socket for a version-1 worker, or null. */
        RealListener proxy;
        boolean congested;
        long congestionOuts;
        int queued;
        int backlog;
        int maxQueued;

        Member(WorkerConn worker, Endpoint endpoint, int fd, int slot, long cookie) {
            this.worker = worker;
            this.endpoint = endpoint;
            this.fd = fd;
            this.slot = slot;
            this.cookie = cookie;
        }
    }

    /** A worker's socket of the group as the daemon that ran before a restart left it (from the state file). */
    record Legacy(int slot, long cookie, String app, int worker) {
    }

    private final Core core;
    final RealListener real;
    final int groupIndex;
    final KernelDispatch dispatch;
    final KernelDispatch.Kind kind;
    /** Members by worker, in the order they joined. */
    final Map<WorkerConn, Member> members = new LinkedHashMap<>();
    /** Application name → rotor id (sequence kind). */
    final Map<String, Integer> rotors = new HashMap<>();
    private final BitSet rotorUsed = new BitSet();
    /** Sockets of the daemon before a restart, not yet replaced by their worker's new one. */
    final List<Legacy> legacy = new ArrayList<>();
    boolean attached;
    boolean reopened;
    long publishes;
    long congestionOuts;
    String lastTable = "";
    private boolean closed;

    private KernelGroup(Core core, RealListener real, int groupIndex, KernelDispatch dispatch) {
        this.core = core;
        this.real = real;
        this.groupIndex = groupIndex;
        this.dispatch = dispatch;
        this.kind = dispatch.kind();
    }

    /** The kernel program kind that runs {@code data}. */
    static KernelDispatch.Kind kindOf(SelectionData data) {
        if (data instanceof SelectionData.Sequence) {
            return KernelDispatch.Kind.SEQUENCE;
        }
        if (data instanceof SelectionData.Lookup) {
            return KernelDispatch.Kind.LOOKUP_TABLE;
        }
        return KernelDispatch.Kind.KERNEL_HASH;
    }

    /**
     * The limits of the daemon's kernel groups: sockets and applications as configured; sequences
     * of 65,536 (256 applications of weight 256, one period); lookup tables as large as a Maglev
     * table for that many sockets (at least 100 entries per socket: 65,537 up to 655 sockets,
     * 262,147 up to 2,621, else the module's largest). A table past them is refused with
     * {@code KERNEL_GROUP_FULL}.
     */
    static DispatchLimits limits(Core core) {
        int sockets = core.config.kernel().maxSockets();
        int table = sockets * 100L <= 65_537 ? 65_537 : sockets * 100L <= 262_147 ? 262_147 : 1 << 20;
        return new DispatchLimits(sockets, core.config.kernel().maxApps(), 65_536, table);
    }

    /**
     * Makes the group's maps and program, or takes over the group a daemon before a restart left
     * ({@code recovered}, from the state file) when its objects are still there and of the same kind.
     *
     * @throws KernelDispatchException when the kernel refuses (the caller falls back to the hand-off path)
     */
    static KernelGroup create(Core core, RealListener real, int groupIndex, SelectionData data, KernelState recovered) {
        KernelDispatch.Kind kind = kindOf(data);
        if (recovered != null && recovered.handle().kind() == kind && recovered.handle().limits().equals(limits(core))) {
            try {
                KernelDispatch d = KernelDispatch.reopen(recovered.handle());
                KernelGroup g = new KernelGroup(core, real, groupIndex, d);
                g.attached = true;
                g.reopened = true;
                recovered.rotors().forEach((app, id) -> {
                    g.rotors.put(app, id);
                    g.rotorUsed.set(id);
                });
                for (Legacy l : recovered.slots()) {
                    if (kind != KernelDispatch.Kind.KERNEL_HASH && l.slot() >= 0 && d.slotCookie(l.slot()) == l.cookie()) {
                        g.legacy.add(l);
                    }
                }
                core.log("took over the kernel group of " + real.endpoint.toUri() + " that the daemon before this one left ("
                        + recovered.handle().encode() + "): " + g.legacy.size() + " of its sockets still listen");
                return g;
            } catch (KernelDispatchException e) {
                core.log("could not take over the kernel group of " + real.endpoint.toUri() + " left by the daemon before"
                        + " this one (" + e.getMessage() + "): making a new one; the old sockets get no new connections and"
                        + " hand what they hold to the new ones as they close");
            }
        } else if (recovered != null) {
            core.log("the kernel group of " + real.endpoint.toUri() + " left by the daemon before this one is a "
                    + recovered.handle().kind() + " group; this selector needs " + kind + ": making a new one");
        }
        KernelDispatch d = KernelDispatch.create(kind, limits(core), true);
        return new KernelGroup(core, real, groupIndex, d);
    }

    /** The model group. */
    ReuseportGroup model() {
        return core.stack.reuseport().group(groupIndex);
    }

    /**
     * Makes worker {@code w}'s socket (or takes {@code boundFd}, a socket bound for a port-0
     * listen), puts it in the group and publishes a table that names it; attaches the program with
     * the first socket. Returns the member; on failure nothing of it is left.
     *
     * @throws ProtocolException {@link Errors#KERNEL_GROUP_FULL} past the group's limits,
     *     {@link Errors#KERNEL_DISPATCH_FAILED} when the kernel refuses
     */
    Member join(WorkerConn w, int boundFd) {
        Endpoint ep = real.endpoint;
        int fd = boundFd;
        int slot = -1;
        boolean newRotor = false;
        try {
            if (fd < 0) {
                fd = ReuseportSockets.openListener(new InetSocketAddress(ep.address(), ep.port()), core.config.backlog());
            }
            if (kind == KernelDispatch.Kind.SEQUENCE && !rotors.containsKey(w.app)) {
                int id = rotorUsed.nextClearBit(0);
                if (id >= dispatch.limits().maxApps()) {
                    throw full("it holds " + rotors.size() + " applications, as many as its maps were made for"
                            + " (--kernel-max-apps " + dispatch.limits().maxApps() + ")");
                }
                rotors.put(w.app, id);
                rotorUsed.set(id);
                newRotor = true;
                dispatch.resetRotor(id);
            }
            if (kind != KernelDispatch.Kind.KERNEL_HASH) {
                slot = dispatch.addSocket(fd);
            }
            Member m = new Member(w, ep, fd, slot, ReuseportSockets.cookie(fd));
            members.put(w, m);
            // a worker that comes back after a restart replaces its old socket: the old one leaves the table (the worker
            // closes it once it has the new one, and the kernel moves what is queued on it)
            legacy.removeIf(l -> l.app().equals(w.app) && l.worker() == w.workerIndex);
            publish(true);
            if (!attached) {
                dispatch.attach(fd);
                attached = true;
            }
            return m;
        } catch (KernelDispatchException e) {
            Member m = members.remove(w);
            if (slot >= 0) {
                removeQuietly(slot);
            }
            if (fd >= 0) {
                ReuseportSockets.close(fd);
            }
            if (newRotor) {
                rotorUsed.clear(rotors.remove(w.app));
            }
            if (m != null) {
                publishQuietly();
            }
            if (e.code() == KernelDispatchException.Code.LIMIT_EXCEEDED) {
                throw full(e.getMessage());
            }
            throw new ProtocolException(Errors.KERNEL_DISPATCH_FAILED, "the kernel refused " + w.label() + "'s socket in the"
                    + " group of " + ep.toUri() + ": " + e.getMessage(), "see the daemon's log; restart the daemon with"
                    + " --dispatch handoff to keep the kernel out of it");
        } catch (ProtocolException e) {
            if (newRotor) {
                rotorUsed.clear(rotors.remove(w.app));
            }
            if (fd >= 0 && !members.containsKey(w)) {
                ReuseportSockets.close(fd);
            }
            throw e;
        }
    }

    private ProtocolException full(String why) {
        return new ProtocolException(Errors.KERNEL_GROUP_FULL, "the kernel group of " + real.endpoint.toUri() + " is full: "
                + why, "listen on another endpoint, or start the daemon with larger --kernel-max-sockets / --kernel-max-apps");
    }

    /**
     * Worker {@code w} left (its listen ended, or it died): a table without it is published, its
     * slot emptied, its socket shut down (every copy stops; the kernel moves what was queued on it
     * to the sockets the program picks) and the daemon's copy closed.
     *
     * @return the member that left, or null if it had none
     */
    Member leave(WorkerConn w) {
        Member m = members.remove(w);
        if (m == null) {
            return null;
        }
        publishQuietly();
        if (m.slot >= 0) {
            removeQuietly(m.slot);
        }
        if (kind == KernelDispatch.Kind.SEQUENCE && members.keySet().stream().noneMatch(x -> x.app.equals(w.app))
                && legacy.stream().noneMatch(l -> l.app().equals(w.app))) {
            Integer id = rotors.remove(w.app);
            if (id != null) {
                rotorUsed.clear(id);
            }
        }
        stop(m);
        return m;
    }

    /** Shuts a member's socket down (every copy stops listening; its queue migrates) and closes the daemon's copy. */
    private void stop(Member m) {
        try {
            ReuseportSockets.shutdown(m.fd);
        } catch (KernelDispatchException e) {
            core.log("shutting down " + m.worker.label() + "'s socket of " + m.endpoint.toUri() + ": " + e.getMessage());
        }
        if (m.proxy != null) {
            core.listeners.closeProxy(m.proxy); // its channel owns the daemon's copy
        } else {
            ReuseportSockets.close(m.fd);
        }
    }

    private void removeQuietly(int slot) {
        try {
            dispatch.removeSocket(slot);
        } catch (RuntimeException e) {
            core.log("emptying slot " + slot + " of " + real.endpoint.toUri() + ": " + e.getMessage());
        }
    }

    private void publishQuietly() {
        try {
            publish(true);
        } catch (KernelDispatchException | IllegalArgumentException e) {
            core.log("publishing the table of " + real.endpoint.toUri() + " failed: " + e.getMessage());
        }
    }

    /**
     * Publishes the table of the model group's current view: its members and workers mapped to
     * their sockets' slots, without the congested workers (unless every one is), with the sockets
     * of a daemon before a restart whose workers have not come back yet. Restarts the rotation over
     * applications when {@code membershipChanged} (as the model's round robin does).
     */
    void publish(boolean membershipChanged) {
        if (kind == KernelDispatch.Kind.KERNEL_HASH || closed) {
            return;
        }
        ReuseportGroup g = model();
        SelectionData data = g == null ? null : g.selectionData();
        ReuseportGroupView view = g == null ? null : g.currentView();
        if (data == null || view == null) {
            return;
        }
        if (kindOf(data) != kind) {
            core.log("the selector of " + real.endpoint.toUri() + " changed the shape of its data (" + kindOf(data) + ", the"
                    + " group runs " + kind + "): the table stays as it was");
            return;
        }
        int[] slotOf = new int[view.workerCount()];
        boolean[] congested = new boolean[view.workerCount()];
        int live = 0;
        for (int s = 0; s < slotOf.length; s++) {
            WorkerConn wc = core.worker(view.member(view.slotMember(s)).appName(), view.slotWorker(s));
            Member m = wc == null ? null : members.get(wc);
            slotOf[s] = m == null ? -1 : m.slot;
            congested[s] = m != null && m.congested;
            if (m != null && !m.congested) {
                live++;
            }
        }
        boolean skipCongested = live > 0;
        if (data instanceof SelectionData.Sequence seq) {
            publishSequence(view, seq, slotOf, congested, skipCongested);
        } else if (data instanceof SelectionData.Lookup lookup) {
            publishLookup(lookup, slotOf, congested, skipCongested);
        }
        if (membershipChanged && kind == KernelDispatch.Kind.SEQUENCE) {
            dispatch.resetRotor(-1);
        }
    }

    private void publishSequence(ReuseportGroupView view, SelectionData.Sequence seq, int[] slotOf, boolean[] congested,
                                 boolean skipCongested) {
        SequenceTable.Builder b = SequenceTable.builder();
        int[] tableIndex = new int[view.memberCount()];
        int apps = 0;
        StringBuilder desc = new StringBuilder();
        List<String> inTable = new ArrayList<>();
        for (int p = 0; p < view.memberCount(); p++) {
            String app = view.member(p).appName();
            List<int[]> workerSlots = new ArrayList<>(); // {worker index, slot}
            int first = view.memberFirstSlot(p);
            for (int k = 0; k < view.memberWorkerCount(p); k++) {
                int s = first + k;
                if (slotOf[s] >= 0 && !(skipCongested && congested[s])) {
                    workerSlots.add(new int[] {view.slotWorker(s), slotOf[s]});
                }
            }
            for (Legacy l : legacy) {
                if (l.app().equals(app)) {
                    workerSlots.add(new int[] {l.worker(), l.slot()});
                }
            }
            Integer rotor = rotors.get(app);
            if (workerSlots.isEmpty() || rotor == null) {
                tableIndex[p] = -1;
                continue;
            }
            workerSlots.sort((x, y) -> Integer.compare(x[0], y[0]));
            b.application(rotor, workerSlots.stream().mapToInt(x -> x[1]).toArray());
            tableIndex[p] = apps++;
            inTable.add(app);
            desc.append(desc.length() == 0 ? "" : ", ").append(app).append(workerSlots.stream().map(x -> "w" + x[0] + "@" + x[1])
                    .toList());
        }
        // applications of the daemon before a restart that have not come back: after the others, once each
        Map<String, List<Legacy>> legacyOnly = new LinkedHashMap<>();
        for (Legacy l : legacy) {
            if (!inTable.contains(l.app()) && rotors.containsKey(l.app())) {
                legacyOnly.computeIfAbsent(l.app(), a -> new ArrayList<>()).add(l);
            }
        }
        List<Integer> extra = new ArrayList<>();
        for (Map.Entry<String, List<Legacy>> e : legacyOnly.entrySet()) {
            List<Legacy> ls = new ArrayList<>(e.getValue());
            ls.sort((x, y) -> Integer.compare(x.worker(), y.worker()));
            b.application(rotors.get(e.getKey()), ls.stream().mapToInt(Legacy::slot).toArray());
            extra.add(apps++);
            desc.append(desc.length() == 0 ? "" : ", ").append(e.getKey()).append(" (before the restart)");
        }
        if (apps == 0) {
            return;
        }
        List<Integer> sequence = new ArrayList<>();
        for (int i = 0; i < seq.length(); i++) {
            int t = tableIndex[seq.at(i)];
            if (t >= 0) {
                sequence.add(t);
            }
        }
        sequence.addAll(extra);
        if (sequence.isEmpty()) {
            return;
        }
        b.sequence(sequence.stream().mapToInt(Integer::intValue).toArray());
        SequenceTable t = b.build();
        dispatch.publish(t);
        publishes++;
        lastTable = "sequence of " + sequence.size() + " over " + desc;
    }

    private void publishLookup(SelectionData.Lookup lookup, int[] slotOf, boolean[] congested, boolean skipCongested) {
        int n = slotOf.length;
        int[] entries = new int[lookup.size()];
        for (int i = 0; i < entries.length; i++) {
            int s = lookup.slot(i);
            int chosen = -1;
            for (int k = 0; k < n && chosen < 0; k++) {
                int c = (s + k) % n;
                if (slotOf[c] >= 0 && !(skipCongested && congested[c])) {
                    chosen = slotOf[c];
                }
            }
            if (chosen < 0) {
                return; // no socket yet
            }
            entries[i] = chosen;
        }
        dispatch.publish(LookupTable.of(entries));
        publishes++;
        lastTable = "lookup table of " + entries.length + " entries over " + n + " sockets";
    }

    /**
     * Reads each member's accept queue on the daemon's copy; one past the congestion threshold
     * leaves the table until it is under half of it. Republishes when that changed anything.
     */
    void sweep() {
        int pct = core.config.kernel().congestedPercent();
        boolean changed = false;
        for (Member m : members.values()) {
            try {
                int[] q = ReuseportSockets.acceptQueue(m.fd);
                m.queued = q[0];
                m.backlog = q[1];
                m.maxQueued = Math.max(m.maxQueued, q[0]);
            } catch (KernelDispatchException e) {
                continue;
            }
            if (pct == 0 || kind == KernelDispatch.Kind.KERNEL_HASH || m.proxy != null) {
                continue;
            }
            long threshold = (long) m.backlog * pct / 100;
            if (!m.congested && m.queued > threshold) {
                m.congested = true;
                m.congestionOuts++;
                congestionOuts++;
                changed = true;
                if (congestionOuts <= 20) {
                    core.log(m.worker.label() + " is not accepting on " + m.endpoint.toUri() + " (" + m.queued + " queued, backlog "
                            + m.backlog + "): out of the table until it takes them");
                }
            } else if (m.congested && m.queued <= threshold / 2) {
                m.congested = false;
                changed = true;
            }
        }
        if (!legacy.isEmpty() && kind != KernelDispatch.Kind.KERNEL_HASH) {
            int before = legacy.size();
            legacy.removeIf(l -> dispatch.slotCookie(l.slot()) != l.cookie());
            changed |= legacy.size() != before;
        }
        if (changed) {
            publishQuietly();
        }
    }

    /** Whether any member is a version-1 worker's socket the daemon accepts on. */
    boolean hasProxies() {
        return members.values().stream().anyMatch(m -> m.proxy != null);
    }

    /**
     * The group's last listen ended: every socket left stops and the daemon's descriptors of the
     * program and maps close (the kernel frees them with the last socket).
     */
    void close() {
        if (closed) {
            return;
        }
        for (Member m : List.copyOf(members.values())) {
            members.remove(m.worker);
            stop(m);
        }
        closed = true;
        dispatch.close();
    }

    /**
     * The daemon stops: its own descriptors close, the workers' sockets stay in the group and the
     * program goes on selecting with the last table, so that no connection is refused until a new
     * daemon takes the group over (its handle is in the state file). A version-1 worker's socket,
     * which only the daemon held, stops (its queue moves to the others).
     */
    void detachFromDaemon() {
        if (closed) {
            return;
        }
        closed = true;
        for (Member m : members.values()) {
            if (m.proxy != null) {
                stop(m);
            } else {
                ReuseportSockets.close(m.fd);
            }
        }
        dispatch.close();
    }

    /** What the state file keeps of the group, for the daemon after a restart. */
    JsonObject state() {
        List<Legacy> slots = new ArrayList<>();
        for (Member m : members.values()) {
            if (m.proxy == null) { // a version-1 worker's socket is the daemon's alone: it does not outlive the daemon
                slots.add(new Legacy(m.slot, m.cookie, m.worker.app, m.worker.workerIndex));
            }
        }
        slots.addAll(legacy);
        return stateJson(new KernelState(real.endpoint.toUri(), dispatch.handle(), rotors, slots));
    }

    /** A group's state as the state file writes it. */
    static JsonObject stateJson(KernelState k) {
        JsonObject o = new JsonObject();
        o.addProperty("uri", k.uri());
        o.addProperty("handle", k.handle().encode());
        JsonObject r = new JsonObject();
        k.rotors().forEach(r::addProperty);
        o.add("rotors", r);
        JsonArray slots = new JsonArray();
        for (Legacy l : k.slots()) {
            JsonObject s = new JsonObject();
            s.addProperty("slot", l.slot());
            s.addProperty("cookie", l.cookie());
            s.addProperty("app", l.app());
            s.addProperty("worker", l.worker());
            slots.add(s);
        }
        o.add("slots", slots);
        return o;
    }

    /** Parses {@link #stateJson}; null when it does not parse. */
    static KernelState parseState(JsonObject o) {
        try {
            Map<String, Integer> rotors = new LinkedHashMap<>();
            for (var e : o.getAsJsonObject("rotors").entrySet()) {
                rotors.put(e.getKey(), e.getValue().getAsInt());
            }
            List<Legacy> slots = new ArrayList<>();
            for (var e : o.getAsJsonArray("slots")) {
                JsonObject s = e.getAsJsonObject();
                slots.add(new Legacy(s.get("slot").getAsInt(), s.get("cookie").getAsLong(), s.get("app").getAsString(),
                        s.get("worker").getAsInt()));
            }
            return new KernelState(o.get("uri").getAsString(), KernelDispatch.Handle.parse(o.get("handle").getAsString()),
                    rotors, slots);
        } catch (RuntimeException e) {
            return null;
        }
    }

    /** The group's figures for {@code show}. */
    JsonObject json() {
        JsonObject o = new JsonObject();
        o.addProperty("kind", kind.name().toLowerCase(java.util.Locale.ROOT));
        try {
            var h = dispatch.handle();
            o.addProperty("program_id", h.programId());
        } catch (RuntimeException e) {
            o.addProperty("program_id", 0);
        }
        o.addProperty("sockets", members.size());
        o.addProperty("publishes", publishes);
        o.addProperty("congestion_outs", congestionOuts);
        o.addProperty("taken_over", reopened);
        o.addProperty("sockets_before_restart", legacy.size());
        if (kind == KernelDispatch.Kind.SEQUENCE && !closed) {
            try {
                long[] r = dispatch.rotors();
                o.addProperty("selections", r[0]);
                JsonObject per = new JsonObject();
                rotors.forEach((app, id) -> per.addProperty(app, r[1 + id]));
                o.add("selections_by_app", per);
            } catch (RuntimeException e) {
                o.addProperty("selections", -1);
            }
        }
        o.addProperty("table", lastTable);
        return o;
    }

    /** A member's figures for {@code show}. */
    static JsonObject json(Member m) {
        JsonObject o = new JsonObject();
        o.addProperty("uri", m.endpoint.toUri());
        o.addProperty("slot", m.slot);
        o.addProperty("queued", m.queued);
        o.addProperty("backlog", m.backlog);
        o.addProperty("max_queued", m.maxQueued);
        o.addProperty("congested", m.congested);
        o.addProperty("congestion_outs", m.congestionOuts);
        o.addProperty("accepted_by", m.proxy != null ? "daemon" : "worker");
        return o;
    }

    /**
     * A group as the state file keeps it.
     *
     * @param uri    the endpoint
     * @param handle the kernel objects
     * @param rotors application → rotor id
     * @param slots  the workers' sockets
     */
    record KernelState(String uri, KernelDispatch.Handle handle, Map<String, Integer> rotors, List<Legacy> slots) {
    }
}
