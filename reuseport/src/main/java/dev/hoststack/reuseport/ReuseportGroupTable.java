package dev.hoststack.reuseport;

import static java.util.Objects.requireNonNull;

import dev.hoststack.api.DropReason;
import dev.hoststack.api.Endpoint;
import dev.hoststack.api.SessionError;
import dev.hoststack.api.SessionException;
import dev.hoststack.api.spi.FlowView;
import dev.hoststack.api.spi.ReuseportGroupView;
import dev.hoststack.api.spi.ReuseportSelector;
import dev.hoststack.api.spi.ReuseportSelectorProvider;
import dev.hoststack.api.spi.SelectorContext;
import dev.hoststack.session.Dispatch;
import dev.hoststack.session.ListenTarget;
import dev.hoststack.session.SessionLayer;
import dev.hoststack.session.internal.ApplicationImpl;
import dev.hoststack.session.internal.ListenSession;
import dev.hoststack.session.internal.ReuseportGroups;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The reuseport groups of a stack, installed into its {@link SessionLayer}.
 *
 * <h2>Rules</h2>
 * <ul>
 *   <li>A group is keyed by its listener table entry: table set (a FIB, or a namespace's local
 *       table), protocol, family, exact address, port. The table value is the group value
 *       {@code 1L << 32 | index}.</li>
 *   <li>Members are listen sessions, one per application; an application's workers share its
 *       listen session, as in VPP.</li>
 *   <li>Who may join: only an application with the group's owner identity (the kernel's same-uid
 *       rule against port hijacking) and namespace; past the group's capacity, no one. A refused
 *       join changes nothing and is counted by its error code.</li>
 *   <li>Members keep join order. A member leaving takes its place out of the order (the kernel
 *       instead moves its last member into the hole); the selector is told, see
 *       {@link dev.hoststack.api.spi.ReuseportSelector#membershipChanged}. The last member leaving
 *       removes the group.</li>
 *   <li>A selector answers a worker slot of the group's view; an answer out of range falls back
 *       to the kernel's hash over all slots, counted; {@link dev.hoststack.api.spi.ReuseportSelector#DROP} drops the
 *       SYN, counted. A selector that throws is counted ({@link ReuseportGroup#selectorErrors()})
 *       and its answer is an out-of-range one: the data thread goes on.</li>
 *   <li>Each member has a weight, 1..256, 1 unless set ({@link #weight}); a change publishes a
 *       new view. A member that leaves and joins again starts at 1.</li>
 * </ul>
 *
 * <p>Threading: as {@link ReuseportGroups} says — {@link #select} on data threads, lock-free and
 * allocation-free; everything else on the control thread.
 */
public final class ReuseportGroupTable {

    private final SessionLayer layer;
    private final SelectorRegistry selectors;
    private final ReuseportConfig config;
    private volatile ReuseportGroup[] groups = new ReuseportGroup[0];
    private volatile int hashSecret;
    private final Map<SessionError, AtomicLong> refusals = new EnumMap<>(SessionError.class);

    /**
     * Creates the table and installs it into the layer (on the control thread).
     */
    public ReuseportGroupTable(SessionLayer layer, SelectorRegistry selectors, ReuseportConfig config) {
        this.layer = requireNonNull(layer, "layer");
        this.selectors = requireNonNull(selectors, "selectors");
        this.config = requireNonNull(config, "config");
        for (SessionError e : SessionError.values()) {
            refusals.put(e, new AtomicLong());
        }
        this.hashSecret = config.hashSecret();
        layer.installReuseport(new SessionSide());
    }

    /** The selector registry. */
    public SelectorRegistry selectors() {
        return selectors;
    }

    /** The configuration. */
    public ReuseportConfig config() {
        return config;
    }

    /** The hash secret given to groups created from now on. */
    public int hashSecret() {
        return hashSecret;
    }

    /** Sets the hash secret for groups created from now on (control thread); existing groups keep theirs. */
    public void hashSecret(int secret) {
        this.hashSecret = secret;
    }

    /** A group by index, or null. */
    public ReuseportGroup group(int index) {
        ReuseportGroup[] g = groups;
        return index >= 0 && index < g.length ? g[index] : null;
    }

    /** Every live group, by index. */
    public List<ReuseportGroup> groups() {
        List<ReuseportGroup> out = new ArrayList<>();
        for (ReuseportGroup g : groups) {
            if (g != null) {
                out.add(g);
            }
        }
        return out;
    }

    /** Refused joins of one error code. */
    public long refusals(SessionError code) {
        return refusals.get(code).get();
    }

    private SessionException refuse(SessionError code, String format, Object... args) {
        refusals.get(code).incrementAndGet();
        return code.exception(format, args);
    }

    private ReuseportGroup require(int groupIndex) {
        ReuseportGroup g = group(groupIndex);
        if (g == null) {
            throw new IllegalStateException("no reuseport group " + groupIndex);
        }
        return g;
    }

    void checkJoin(int groupIndex, ApplicationImpl candidate, String selector) {
        ReuseportGroup g = require(groupIndex);
        Endpoint ep = g.endpoint();
        if (candidate.namespace() != g.namespace()) {
            throw refuse(SessionError.REUSEPORT_NAMESPACE_MISMATCH,
                    "app '%s' of namespace '%s' may not join the reuseport group on %s: its members are of namespace '%s'",
                    candidate.name(), candidate.namespace().name(), ep.toUri(), g.namespace().name());
        }
        if (candidate.owner() != g.owner()) {
            throw refuse(SessionError.REUSEPORT_OWNER_MISMATCH,
                    "app '%s' (owner %s) may not join the reuseport group on %s: its members' owner is %s",
                    candidate.name(), Integer.toUnsignedString(candidate.owner()), ep.toUri(),
                    Integer.toUnsignedString(g.owner()));
        }
        if (selector != null) {
            selectors.provider(selector);
            if (!selector.equals(g.selectorName())) {
                throw refuse(SessionError.SELECTOR_MISMATCH,
                        "app '%s' asked for selector '%s' but the reuseport group on %s uses '%s'",
                        candidate.name(), selector, ep.toUri(), g.selectorName());
            }
        }
        if (g.members.size() >= config.groupCapacity()) {
            throw refuse(SessionError.REUSEPORT_GROUP_FULL,
                    "app '%s' may not join the reuseport group on %s: it has %s members, its capacity",
                    candidate.name(), ep.toUri(), g.members.size());
        }
    }

    int create(ListenSession first, ListenSession.Placement placement, String selector) {
        ReuseportSelectorProvider provider = selectors.provider(selector);
        ReuseportGroup[] cur = groups;
        int index = 0;
        while (index < cur.length && cur[index] != null) {
            index++;
        }
        if (index >= config.maxGroups()) {
            throw refuse(SessionError.LIMIT, "app '%s' on %s: %s reuseport groups exist, the configured maximum",
                    first.app().name(), first.endpoint().toUri(), config.maxGroups());
        }
        final int groupIndex = index;
        final Endpoint endpoint = first.endpoint();
        final int secret = hashSecret;
        SelectorContext ctx = new SelectorContext() {
            @Override
            public int threads() {
                return layer.threadCount();
            }

            @Override
            public int hashSecret() {
                return secret;
            }

            @Override
            public int groupIndex() {
                return groupIndex;
            }

            @Override
            public Endpoint endpoint() {
                return endpoint;
            }
        };
        ReuseportSelector made;
        try {
            made = provider.create(ctx);
        } catch (RuntimeException | LinkageError | AssertionError e) {
            throw refuse(SessionError.SELECTOR_FAILED, "app '%s' on %s: selector '%s' (%s) failed to create a selector: %s",
                    first.app().name(), endpoint.toUri(), provider.name(), provider.getClass().getName(), e);
        }
        if (made == null) {
            throw refuse(SessionError.SELECTOR_FAILED, "app '%s' on %s: selector '%s' (%s) created no selector (null)",
                    first.app().name(), endpoint.toUri(), provider.name(), provider.getClass().getName());
        }
        ReuseportGroup g = new ReuseportGroup(groupIndex, placement.tables(), endpoint, first.app().namespace(),
                first.app().owner(), provider.name(), made, config.migrateDefault(), secret,
                layer.threadCount());
        g.members.add(first);
        g.republish();
        ReuseportGroup[] next = Arrays.copyOf(cur, Math.max(cur.length, groupIndex + 1));
        next[groupIndex] = g;
        groups = next;
        return groupIndex;
    }

    void join(int groupIndex, ListenSession member) {
        ReuseportGroup g = require(groupIndex);
        g.members.add(member);
        g.republish();
    }

    boolean leave(int groupIndex, ListenSession member) {
        ReuseportGroup g = require(groupIndex);
        if (!g.members.remove(member)) {
            throw new IllegalStateException(member + " is not a member of " + g);
        }
        g.forget(member);
        g.republish();
        if (!g.members.isEmpty()) {
            return false;
        }
        ReuseportGroup[] next = groups.clone();
        next[groupIndex] = null;
        groups = next;
        return true;
    }

    void workersChanged(int groupIndex, ListenSession member) {
        require(groupIndex).republish();
    }

    public boolean migrates(int groupIndex) {
        ReuseportGroup g = group(groupIndex);
        return g != null && g.migrate();
    }

    public void countMigration(int groupIndex) {
        ReuseportGroup g = group(groupIndex);
        if (g != null) {
            g.migrations.increment();
        }
    }

    List<ListenSession> members(int groupIndex) {
        return require(groupIndex).members();
    }

    /**
     * Sets the weight of application {@code appName}'s member of group {@code groupIndex}
     * (control thread); a change publishes a new view and tells the selector.
     *
     * @throws SessionException {@link SessionError#INVALID_WEIGHT} for a weight outside
     *         {@value ReuseportGroupView#MIN_WEIGHT}..{@value ReuseportGroupView#MAX_WEIGHT};
     *         {@link SessionError#NO_SUCH_APP} if no such application is attached;
     *         {@link SessionError#NOT_LISTENING} if it is not a member of the group
     */
    public void weight(int groupIndex, String appName, int weight) {
        ReuseportGroup g = require(groupIndex);
        if (weight < ReuseportGroupView.MIN_WEIGHT || weight > ReuseportGroupView.MAX_WEIGHT) {
            throw refuse(SessionError.INVALID_WEIGHT, "weight %s for app '%s' on %s is not in %s..%s",
                    weight, appName, g.endpoint().toUri(), ReuseportGroupView.MIN_WEIGHT, ReuseportGroupView.MAX_WEIGHT);
        }
        for (ListenSession m : g.members) {
            if (m.app().name().equals(appName)) {
                g.weight(m, weight);
                return;
            }
        }
        StringBuilder names = new StringBuilder();
        for (ListenSession m : g.members) {
            names.append(names.length() == 0 ? "" : ", ").append(m.app().name());
        }
        if (layer.app(appName) == null) {
            throw refuse(SessionError.NO_SUCH_APP, "no application '%s' to weigh on %s (members: %s)",
                    appName, g.endpoint().toUri(), names);
        }
        throw refuse(SessionError.NOT_LISTENING, "app '%s' is not a member of the reuseport group on %s (members: %s)",
                appName, g.endpoint().toUri(), names);
    }

    /** The current view of a group (for tests and inspection). */
    public dev.hoststack.api.spi.ReuseportGroupView view(int groupIndex) {
        return require(groupIndex).view();
    }

    public ListenTarget target(int groupIndex) {
        return require(groupIndex);
    }

    public long select(int groupIndex, FlowView flow, int thread) {
        final ReuseportGroup g = live(groupIndex, flow);
        return g == null ? Dispatch.drop(DropReason.LISTENER_GONE) : g.dispatch(flow, thread);
    }

    public long reselect(int groupIndex, FlowView flow, int thread, long rejected, int attempt) {
        final ReuseportGroup g = live(groupIndex, flow);
        return g == null ? Dispatch.drop(DropReason.LISTENER_GONE) : g.redispatch(flow, thread, rejected, attempt);
    }

    /**
     * The group of an index taken from a table value, or null if it is gone or the index now
     * names another group (indices of removed groups are reused at once; the listener index's
     * path holds the group itself and needs no such check).
     */
    private ReuseportGroup live(int groupIndex, FlowView flow) {
        final ReuseportGroup g = group(groupIndex);
        return g == null || g.endpoint().port() != flow.localPort() ? null : g;
    }

    /**
     * The session layer's side of the table, installed into the layer at construction: the
     * session layer calls it on listen, unlisten and the SYN path. Internal wiring, so it is a
     * private adapter rather than the table's own supertype (the table is API; the interface,
     * which takes the layer's internal types, is not).
     */
    private final class SessionSide implements ReuseportGroups {
        @Override
        public void checkJoin(int groupIndex, ApplicationImpl candidate, String selector) {
            ReuseportGroupTable.this.checkJoin(groupIndex, candidate, selector);
        }

        @Override
        public int create(ListenSession first, ListenSession.Placement placement, String selector) {
            return ReuseportGroupTable.this.create(first, placement, selector);
        }

        @Override
        public void join(int groupIndex, ListenSession member) {
            ReuseportGroupTable.this.join(groupIndex, member);
        }

        @Override
        public boolean leave(int groupIndex, ListenSession member) {
            return ReuseportGroupTable.this.leave(groupIndex, member);
        }

        @Override
        public ListenTarget target(int groupIndex) {
            return ReuseportGroupTable.this.target(groupIndex);
        }

        @Override
        public void workersChanged(int groupIndex, ListenSession member) {
            ReuseportGroupTable.this.workersChanged(groupIndex, member);
        }

        @Override
        public long select(int groupIndex, FlowView flow, int thread) {
            return ReuseportGroupTable.this.select(groupIndex, flow, thread);
        }

        @Override
        public long reselect(int groupIndex, FlowView flow, int thread, long rejected, int attempt) {
            return ReuseportGroupTable.this.reselect(groupIndex, flow, thread, rejected, attempt);
        }

        @Override
        public boolean migrates(int groupIndex) {
            return ReuseportGroupTable.this.migrates(groupIndex);
        }

        @Override
        public void countMigration(int groupIndex) {
            ReuseportGroupTable.this.countMigration(groupIndex);
        }

        @Override
        public List<ListenSession> members(int groupIndex) {
            return ReuseportGroupTable.this.members(groupIndex);
        }
    }
}
