package dev.hoststack.reuseport;

import dev.hoststack.api.Endpoint;
import dev.hoststack.api.spi.ReuseportGroupView;
import dev.hoststack.api.spi.ReuseportMemberView;
import dev.hoststack.session.Dispatch;
import dev.hoststack.session.WorkerLoad;
import dev.hoststack.session.internal.ListenSession;
import java.util.List;

/**
 * An immutable snapshot of a group's membership at one epoch, laid out for the SYN path: per slot,
 * the precomputed dispatch result ({@link Dispatch#of(int, int)}: listen session and app worker),
 * so a selector's answer is validated by one bounds check and resolved by one array read.
 *
 * <p>It names only members and workers that were live when it was built; the session layer takes
 * a departing worker or listener out of the view (a new view is published) before it goes, and
 * frees their indices only after every data thread has passed a quiescent point, so a data thread
 * still holding this view never reaches something freed.
 *
 * <p>Weights are fixed per view (a change publishes a new one); loads are read live from each
 * slot's worker's {@link WorkerLoad}, one array read and the worker's per-thread counters.
 */
final class GroupView implements ReuseportGroupView {

    /** One member: a listen session and the workers listening on it at this epoch. */
    static final class Member implements ReuseportMemberView {
        final int position;
        final ListenSession session;
        final int[] workers;
        final int firstSlot;
        final int weight;

        Member(int position, ListenSession session, int[] workers, int firstSlot, int weight) {
            this.position = position;
            this.session = session;
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
            return session.app().index();
        }

        @Override
        public String appName() {
            return session.app().name();
        }

        @Override
        public long listenSessionHandle() {
            return session.handle();
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
    }

    private final int index;
    private final Endpoint endpoint;
    private final long epoch;
    private final Member[] members;
    /** Per member: its first slot; one more entry holds the slot count. */
    private final int[] memberStart;
    private final int[] slotMember;
    private final int[] slotWorker;
    /** Per slot: {@link Dispatch#of(int, int)} of the member's listen session and the worker. */
    final long[] dispatch;
    /** Per member: its weight. */
    private final int[] weights;
    /** Per slot: its worker's load. */
    private final WorkerLoad[] loads;

    /**
     * @param weights per member of {@code sessions}: its weight
     */
    GroupView(int index, Endpoint endpoint, long epoch, List<ListenSession> sessions, int[] weights) {
        this.index = index;
        this.endpoint = endpoint;
        this.epoch = epoch;
        this.members = new Member[sessions.size()];
        this.memberStart = new int[members.length + 1];
        this.weights = weights.clone();
        int slots = 0;
        for (int i = 0; i < members.length; i++) {
            int[] ws = sessions.get(i).appListener().workerArray();
            members[i] = new Member(i, sessions.get(i), ws, slots, weights[i]);
            memberStart[i] = slots;
            slots += ws.length;
        }
        memberStart[members.length] = slots;
        this.slotMember = new int[slots];
        this.slotWorker = new int[slots];
        this.dispatch = new long[slots];
        this.loads = new WorkerLoad[slots];
        int s = 0;
        for (Member m : members) {
            for (int w : m.workers) {
                slotMember[s] = m.position;
                slotWorker[s] = w;
                dispatch[s] = Dispatch.of(m.session.index(), m.session.app().worker(w).globalIndex());
                loads[s] = m.session.app().worker(w).load();
                s++;
            }
        }
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
    public Member member(int position) {
        return members[position];
    }

    @Override
    public int memberFirstSlot(int position) {
        return memberStart[position];
    }

    @Override
    public int memberWorkerCount(int position) {
        return memberStart[position + 1] - memberStart[position];
    }

    @Override
    public int workerCount() {
        return dispatch.length;
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
        return weights[position];
    }

    @Override
    public int slotPending(int slot) {
        return loads[slot].pending();
    }

    @Override
    public int slotEstablished(int slot) {
        return loads[slot].established();
    }

    @Override
    public boolean slotCongested(int slot) {
        return loads[slot].congested();
    }

    /** The slot whose dispatch result is {@code d}, or -1 (a linear search: retries only). */
    int slotOf(long d) {
        final long[] ds = dispatch;
        for (int s = 0; s < ds.length; s++) {
            if (ds[s] == d) {
                return s;
            }
        }
        return -1;
    }
}
