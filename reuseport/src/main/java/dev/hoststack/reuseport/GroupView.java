package dev.hoststack.reuseport;

import dev.hoststack.api.Endpoint;
import dev.hoststack.api.spi.ReuseportGroupView;
import dev.hoststack.api.spi.ReuseportMemberView;
import dev.hoststack.session.AppWorkerImpl;
import dev.hoststack.session.ListenSession;
import java.util.List;

/** An immutable snapshot of a group's membership at one epoch. */
final class GroupView implements ReuseportGroupView {

    /** One member: a listen session and the workers listening on it at this epoch. */
    static final class Member implements ReuseportMemberView {
        final int position;
        final ListenSession session;
        final int[] workers;
        /** The worker objects by worker index (null where the index does not listen). */
        final AppWorkerImpl[] byIndex;
        /** {@code (long) listen session index << 32}, ready to be or-ed with a worker's global index. */
        final long listenerBits;

        Member(int position, ListenSession session, int[] workers) {
            this.position = position;
            this.session = session;
            this.workers = workers;
            int max = 0;
            for (int w : workers) {
                max = Math.max(max, w + 1);
            }
            this.byIndex = new AppWorkerImpl[max];
            for (int w : workers) {
                byIndex[w] = session.app().worker(w);
            }
            this.listenerBits = (long) session.index() << 32;
        }

        /** The listening worker of index {@code w}, or null. Allocation-free. */
        AppWorkerImpl listening(int w) {
            return w >= 0 && w < byIndex.length ? byIndex[w] : null;
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

        boolean hasWorker(int w) {
            return listening(w) != null;
        }
    }

    private final int index;
    private final Endpoint endpoint;
    /** The endpoint's port, for the data plane's check that a group index was not reused meanwhile. */
    final int port;
    private final long epoch;
    private final Member[] members;
    private final int[] slotMember;
    private final int[] slotWorker;

    GroupView(int index, Endpoint endpoint, long epoch, List<ListenSession> sessions) {
        this.index = index;
        this.endpoint = endpoint;
        this.port = endpoint.port();
        this.epoch = epoch;
        this.members = new Member[sessions.size()];
        int slots = 0;
        for (int i = 0; i < members.length; i++) {
            int[] ws = sessions.get(i).appListener().workerArray();
            members[i] = new Member(i, sessions.get(i), ws);
            slots += ws.length;
        }
        this.slotMember = new int[slots];
        this.slotWorker = new int[slots];
        int s = 0;
        for (Member m : members) {
            for (int w : m.workers) {
                slotMember[s] = m.position;
                slotWorker[s] = w;
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
}
