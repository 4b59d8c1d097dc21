package dev.hoststack.reuseport;

import dev.hoststack.api.Endpoint;
import dev.hoststack.api.spi.ReuseportGroupView;
import dev.hoststack.api.spi.ReuseportMemberView;
import dev.hoststack.session.ListenSession;
import java.util.List;

/** An immutable snapshot of a group's membership at one epoch. */
final class GroupView implements ReuseportGroupView {

    /** One member: a listen session and the workers listening on it at this epoch. */
    static final class Member implements ReuseportMemberView {
        final int position;
        final ListenSession session;
        final int[] workers;

        Member(int position, ListenSession session, int[] workers) {
            this.position = position;
            this.session = session;
            this.workers = workers;
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
            for (int x : workers) {
                if (x == w) {
                    return true;
                }
            }
            return false;
        }
    }

    private final int index;
    private final Endpoint endpoint;
    private final long epoch;
    private final Member[] members;
    private final int[] slotMember;
    private final int[] slotWorker;

    GroupView(int index, Endpoint endpoint, long epoch, List<ListenSession> sessions) {
        this.index = index;
        this.endpoint = endpoint;
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
