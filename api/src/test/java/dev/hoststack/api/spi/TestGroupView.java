package dev.hoststack.api.spi;

import static java.util.Objects.requireNonNull;

import dev.hoststack.api.Endpoint;
import dev.hoststack.api.SessionHandle;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.stream.Collectors;

/**
 * A simple immutable {@link ReuseportGroupView} for selector tests: members with application names
 * and worker index lists, an epoch, an endpoint, and worker slots in (join order, worker index)
 * order (member {@code m} owns the contiguous slots from {@link #memberFirstSlot(int)}).
 *
 * <p>Build one with {@link #builder()} (epoch 1) and derive the next epoch's view, as the stack
 * does after a join, a leave or a change of workers, with {@link #next()}:
 * <pre>{@code
 * TestGroupView v1 = TestGroupView.builder()
 *         .member("app1", 0).member("app2", 0, 1).member("app3", 0, 1, 2).build();
 * TestGroupView v2 = v1.next().leave("app1").member("app4", 0, 1).build();   // epoch 2
 * }</pre>
 *
 * <p>Each member gets an application index (0, 1, 2, ... in the order members are first added to
 * a builder chain) and a listen session handle {@code 100 + appIndex} on thread 0, unless given
 * explicitly. A member that stays in a {@link #next()} view keeps both, so selectors that track
 * members by handle see the same member; a member that leaves and is added again is a new member
 * (a new listen session) with a new handle.
 *
 * <p>Members have weight {@link ReuseportGroupView#DEFAULT_WEIGHT} unless set with
 * {@link Builder#weight}; a member keeps its weight in {@link #next()} views. Loads (pending,
 * established, congested) are per slot, 0 and {@code false} until set with {@link #load} or
 * {@link #randomLoads}; like a stack's live readings they may be changed while selectors read the
 * view (plain int writes: a test may change them from another thread), and a {@link #next()} view
 * starts with none.
 *
 * <p>Reading a view allocates nothing, so it can be used in allocation checks.
 */
public final class TestGroupView implements ReuseportGroupView {

    /** The endpoint of views built without one. */
    public static final String DEFAULT_ENDPOINT = "tcp://0.0.0.0/80";

    /** The listen session index of member {@code appIndex} is this plus the app index. */
    public static final int HANDLE_BASE = 100;

    private final int index;
    private final Endpoint endpoint;
    private final long epoch;
    private final TestMember[] members;
    private final int[] slotMember;
    private final int[] slotWorker;
    private final int[] memberFirstSlot;
    private final int[] memberWeight;
    private final int nextAppIndex;
    private final int[] pending;
    private final int[] established;
    private final boolean[] congested;

    private TestGroupView(Builder b) {
        this.index = b.index;
        this.endpoint = b.endpoint;
        this.epoch = b.epoch;
        this.nextAppIndex = b.nextAppIndex;
        this.members = new TestMember[b.members.size()];
        this.memberFirstSlot = new int[members.length];
        this.memberWeight = new int[members.length];
        int slots = 0;
        for (int m = 0; m < members.length; m++) {
            MemberSpec s = b.members.get(m);
            members[m] = new TestMember(m, s.appIndex, s.appName, s.handle, s.workers, slots, s.weight);
            memberFirstSlot[m] = slots;
            memberWeight[m] = s.weight;
            slots += s.workers.length;
        }
        this.pending = new int[slots];
        this.established = new int[slots];
        this.congested = new boolean[slots];
        this.slotMember = new int[slots];
        this.slotWorker = new int[slots];
        int slot = 0;
        for (TestMember member : members) {
            for (int w : member.workers) {
                slotMember[slot] = member.position;
                slotWorker[slot] = w;
                slot++;
            }
        }
    }

    /** A builder for a new group's first view (index 0, {@value #DEFAULT_ENDPOINT}, epoch 1). */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * A group of applications {@code app1}, {@code app2}, ... with {@code workerCounts[i]} workers
     * each, numbered from 0, weight 1: {@code ofWorkerCounts(1, 2, 3)} is the seed's example.
     */
    public static TestGroupView ofWorkerCounts(int... workerCounts) {
        Builder b = builder();
        for (int i = 0; i < workerCounts.length; i++) {
            b.member("app" + (i + 1), range(workerCounts[i]));
        }
        return b.build();
    }

    /**
     * A random group: 1..{@code maxMembers} members named {@code app1}, {@code app2}, ..., each
     * with 1..{@code maxWorkers} distinct workers, ascending, drawn from 0..2*maxWorkers-1 (so not
     * always 0..k-1), and a random weight (1 for about half of the groups, else any weight of
     * 1..{@link ReuseportGroupView#MAX_WEIGHT}, the extremes often).
     */
    public static TestGroupView random(Random rnd, int maxMembers, int maxWorkers) {
        Builder b = builder().index(rnd.nextInt(1 << 20));
        int members = 1 + rnd.nextInt(maxMembers);
        boolean weighted = rnd.nextBoolean();
        for (int m = 0; m < members; m++) {
            String app = "app" + (m + 1);
            b.member(app, randomWorkers(rnd, maxWorkers));
            if (weighted) {
                b.weight(app, randomWeight(rnd));
            }
        }
        return b.build();
    }

    /** A weight of 1..MAX_WEIGHT: the extremes a quarter of the time each, else uniform. */
    public static int randomWeight(Random rnd) {
        int k = rnd.nextInt(4);
        return k == 0 ? MIN_WEIGHT : k == 1 ? MAX_WEIGHT : MIN_WEIGHT + rnd.nextInt(MAX_WEIGHT);
    }

    /**
     * The next epoch's view after one random change, as the stack publishes them: a new member
     * joins, a member leaves (never the last), a member's workers change, or a member's weight.
     */
    public TestGroupView randomChange(Random rnd, int maxMembers, int maxWorkers) {
        Builder b = next();
        int kind = rnd.nextInt(4);
        if (kind == 0 && members.length < maxMembers) {
            b.member("app" + (nextAppIndex + 1), randomWorkers(rnd, maxWorkers));
        } else if (kind == 1 && members.length > 1) {
            b.leave(members[rnd.nextInt(members.length)].appName);
        } else if (kind == 2) {
            b.weight(members[rnd.nextInt(members.length)].appName, randomWeight(rnd));
        } else {
            b.workers(members[rnd.nextInt(members.length)].appName, randomWorkers(rnd, maxWorkers));
        }
        return b.build();
    }

    /** Sets slot {@code slot}'s load; returns this view. */
    public TestGroupView load(int slot, int pendingNow, int establishedNow, boolean congestedNow) {
        pending[slot] = pendingNow;
        established[slot] = establishedNow;
        congested[slot] = congestedNow;
        return this;
    }

    /**
     * Gives every slot a random load: pending and established in 0..{@code max} (0 often, and
     * {@link Integer#MAX_VALUE} now and then), congested about one slot in eight, every slot
     * congested now and then; returns this view. Allocates nothing.
     */
    public TestGroupView randomLoads(Random rnd, int max) {
        boolean allCongested = rnd.nextInt(16) == 0;
        for (int s = 0; s < pending.length; s++) {
            pending[s] = randomLoad(rnd, max);
            established[s] = randomLoad(rnd, max);
            congested[s] = allCongested || rnd.nextInt(8) == 0;
        }
        return this;
    }

    private static int randomLoad(Random rnd, int max) {
        int k = rnd.nextInt(16);
        return k < 4 ? 0 : k == 4 ? Integer.MAX_VALUE : rnd.nextInt(max + 1);
    }

    private static int[] randomWorkers(Random rnd, int maxWorkers) {
        int count = 1 + rnd.nextInt(maxWorkers);
        int[] pool = range(2 * maxWorkers);
        for (int i = 0; i < count; i++) {
            int j = i + rnd.nextInt(pool.length - i);
            int t = pool[i];
            pool[i] = pool[j];
            pool[j] = t;
        }
        int[] ws = Arrays.copyOf(pool, count);
        Arrays.sort(ws);
        return ws;
    }

    /** {@code 0, 1, ..., n-1}. */
    public static int[] range(int n) {
        int[] r = new int[n];
        for (int i = 0; i < n; i++) {
            r[i] = i;
        }
        return r;
    }

    /** A builder holding this view's members, index and endpoint, with epoch {@code epoch() + 1}. */
    public Builder next() {
        Builder b = new Builder().index(index).endpoint(endpoint).epoch(epoch + 1);
        for (TestMember m : members) {
            b.members.add(new MemberSpec(m.appIndex, m.appName, m.handle, m.workers, m.weight));
        }
        b.nextAppIndex = nextAppIndex;
        return b;
    }

    @Override
    public int index() {
        return index;
    }

    @Override
    public Endpoint endpoint() {
        return endpoint;
    }

    @Override
    public long epoch() {
        return epoch;
    }

    @Override
    public int memberCount() {
        return members.length;
    }

    @Override
    public TestMember member(int position) {
        return members[position];
    }

    @Override
    public int memberFirstSlot(int position) {
        return memberFirstSlot[position];
    }

    @Override
    public int memberWorkerCount(int position) {
        return members[position].workers.length;
    }

    @Override
    public int workerCount() {
        return slotMember.length;
    }

    @Override
    public int slotMember(int slot) {
        return slotMember[slot];
    }

    @Override
    public int slotWorker(int slot) {
        return slotWorker[slot];
    }

    @Override
    public int memberWeight(int position) {
        return memberWeight[position];
    }

    @Override
    public int slotPending(int slot) {
        return pending[slot];
    }

    @Override
    public int slotEstablished(int slot) {
        return established[slot];
    }

    @Override
    public boolean slotCongested(int slot) {
        return congested[slot];
    }

    /** The slot of application {@code appName}'s {@code k}-th listening worker. */
    public int slotOfPosition(String appName, int k) {
        int m = position(appName);
        if (m < 0 || k < 0 || k >= members[m].workers.length) {
            throw new IllegalArgumentException("no " + k + "-th worker of '" + appName + "' in " + this);
        }
        return memberFirstSlot[m] + k;
    }

    /** The position of the member of application {@code appName}, or -1. */
    public int position(String appName) {
        for (TestMember m : members) {
            if (m.appName.equals(appName)) {
                return m.position;
            }
        }
        return -1;
    }

    /** The slot of application {@code appName}'s worker {@code worker}, or -1 if it does not listen here. */
    public int slot(String appName, int worker) {
        int m = position(appName);
        if (m < 0) {
            return -1;
        }
        int k = Arrays.binarySearch(members[m].workers, worker);
        return k < 0 ? -1 : memberFirstSlot[m] + k;
    }

    /**
     * Whether {@code slot} is a valid answer for this view: {@link ReuseportSelector#DROP}, or a
     * slot in {@code 0..workerCount()-1}. Allocates nothing.
     */
    public boolean accepts(int slot) {
        return slot == ReuseportSelector.DROP || acceptsSlot(slot);
    }

    /** Whether {@code slot} is in {@code 0..workerCount()-1} (so not {@link ReuseportSelector#DROP}). Allocates nothing. */
    public boolean acceptsSlot(int slot) {
        return slot >= 0 && slot < slotMember.length;
    }

    /** An answer as {@code app2-w1} (application name, worker index), {@code DROP}, or {@code invalid(slot=..)}. */
    public String describe(int slot) {
        if (slot == ReuseportSelector.DROP) {
            return "DROP";
        }
        if (!acceptsSlot(slot)) {
            return "invalid(slot=" + slot + " of " + slotMember.length + ")";
        }
        return members[slotMember[slot]].appName + "-w" + slotWorker[slot];
    }

    @Override
    public String toString() {
        return "group " + index + " " + endpoint.toUri() + " epoch " + epoch + " "
                + Arrays.stream(members).map(TestMember::toString).collect(Collectors.joining(", ", "[", "]"));
    }

    /** One member of a {@link TestGroupView}. */
    public static final class TestMember implements ReuseportMemberView {
        private final int position;
        private final int appIndex;
        private final String appName;
        private final long handle;
        private final int[] workers;
        private final int firstSlot;
        private final int weight;

        private TestMember(int position, int appIndex, String appName, long handle, int[] workers, int firstSlot,
                           int weight) {
            this.position = position;
            this.appIndex = appIndex;
            this.appName = appName;
            this.handle = handle;
            this.workers = workers;
            this.firstSlot = firstSlot;
            this.weight = weight;
        }

        @Override
        public int weight() {
            return weight;
        }

        @Override
        public int position() {
            return position;
        }

        @Override
        public int appIndex() {
            return appIndex;
        }

        @Override
        public String appName() {
            return appName;
        }

        @Override
        public long listenSessionHandle() {
            return handle;
        }

        @Override
        public int workerCount() {
            return workers.length;
        }

        @Override
        public int worker(int k) {
            return workers[k];
        }

        @Override
        public int firstSlot() {
            return firstSlot;
        }

        /** A copy of the worker indices, ascending. */
        public int[] workers() {
            return workers.clone();
        }

        /** Whether the member lists worker {@code w}. Allocates nothing. */
        public boolean lists(int w) {
            return Arrays.binarySearch(workers, w) >= 0;
        }

        @Override
        public String toString() {
            return appName + Arrays.toString(workers) + (weight == DEFAULT_WEIGHT ? "" : "*" + weight);
        }
    }

    private static final class MemberSpec {
        final int appIndex;
        final String appName;
        final long handle;
        final int[] workers;
        final int weight;

        MemberSpec(int appIndex, String appName, long handle, int[] workers, int weight) {
            this.appIndex = appIndex;
            this.appName = appName;
            this.handle = handle;
            this.workers = workers;
            this.weight = weight;
        }
    }

    /** Builds a {@link TestGroupView}; members are kept in the order they are added (join order). */
    public static final class Builder {
        private int index;
        private Endpoint endpoint = Endpoint.parseUri(DEFAULT_ENDPOINT);
        private long epoch = 1;
        private final List<MemberSpec> members = new ArrayList<>();
        private int nextAppIndex;

        private Builder() {
        }

        /** The group's index. */
        public Builder index(int groupIndex) {
            this.index = groupIndex;
            return this;
        }

        /** The group's endpoint. */
        public Builder endpoint(Endpoint ep) {
            this.endpoint = requireNonNull(ep, "endpoint");
            return this;
        }

        /** The group's endpoint as a URI, e.g. {@code tcp://::/443}. */
        public Builder endpoint(String uri) {
            return endpoint(Endpoint.parseUri(uri));
        }

        /** The view's epoch (at least 1). */
        public Builder epoch(long e) {
            if (e < 1) {
                throw new IllegalArgumentException("epoch " + e + ": epochs start at 1");
            }
            this.epoch = e;
            return this;
        }

        /**
         * Adds (joins) a member last in join order, with the next application index and listen
         * session handle {@code 100 + appIndex}.
         *
         * @param workers the listening workers' indices: at least one, distinct, ascending
         */
        public Builder member(String appName, int... workers) {
            int appIndex = nextAppIndex;
            return member(appIndex, appName, SessionHandle.make(0, HANDLE_BASE + appIndex), workers);
        }

        /** Adds (joins) a member last in join order with an explicit app index and handle. */
        public Builder member(int appIndex, String appName, long listenSessionHandle, int... workers) {
            requireNonNull(appName, "appName");
            for (MemberSpec s : members) {
                if (s.appName.equals(appName)) {
                    throw new IllegalArgumentException("application '" + appName + "' is already a member");
                }
                if (s.handle == listenSessionHandle) {
                    throw new IllegalArgumentException("listen session handle " + listenSessionHandle
                            + " of '" + appName + "' is already '" + s.appName + "''s");
                }
            }
            members.add(new MemberSpec(appIndex, appName, listenSessionHandle, checkWorkers(appName, workers),
                    DEFAULT_WEIGHT));
            nextAppIndex = Math.max(nextAppIndex, appIndex + 1);
            return this;
        }

        /** Removes (the member of) application {@code appName}; the others keep their order. */
        public Builder leave(String appName) {
            members.remove(find(appName));
            return this;
        }

        /** Replaces the workers listening on application {@code appName}'s member. */
        public Builder workers(String appName, int... workers) {
            int i = find(appName);
            MemberSpec s = members.get(i);
            members.set(i, new MemberSpec(s.appIndex, s.appName, s.handle, checkWorkers(appName, workers), s.weight));
            return this;
        }

        /** Sets the weight of application {@code appName}'s member ({@value ReuseportGroupView#MIN_WEIGHT}..{@value ReuseportGroupView#MAX_WEIGHT}). */
        public Builder weight(String appName, int weight) {
            if (weight < MIN_WEIGHT || weight > MAX_WEIGHT) {
                throw new IllegalArgumentException("weight " + weight + " of '" + appName + "' is not in "
                        + MIN_WEIGHT + ".." + MAX_WEIGHT);
            }
            int i = find(appName);
            MemberSpec s = members.get(i);
            members.set(i, new MemberSpec(s.appIndex, s.appName, s.handle, s.workers, weight));
            return this;
        }

        /** The view; at least one member. */
        public TestGroupView build() {
            if (members.isEmpty()) {
                throw new IllegalStateException("a reuseport group view has at least one member");
            }
            return new TestGroupView(this);
        }

        private int find(String appName) {
            for (int i = 0; i < members.size(); i++) {
                if (members.get(i).appName.equals(appName)) {
                    return i;
                }
            }
            throw new IllegalArgumentException("no member '" + appName + "' (members: "
                    + members.stream().map(s -> s.appName).collect(Collectors.joining(", ")) + ")");
        }

        private static int[] checkWorkers(String appName, int[] workers) {
            if (workers == null || workers.length == 0) {
                throw new IllegalArgumentException("member '" + appName + "' needs at least one worker");
            }
            for (int k = 0; k < workers.length; k++) {
                if (workers[k] < 0 || k > 0 && workers[k] <= workers[k - 1]) {
                    throw new IllegalArgumentException("workers of '" + appName + "' must be distinct, ascending and >= 0: "
                            + Arrays.toString(workers));
                }
            }
            return workers.clone();
        }
    }
}
