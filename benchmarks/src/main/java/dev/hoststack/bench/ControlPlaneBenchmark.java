package dev.hoststack.bench;

import dev.hoststack.api.Endpoint;
import dev.hoststack.bench.support.Stacks;
import dev.hoststack.session.ListenOptions;
import dev.hoststack.session.SessionLayer;
import dev.hoststack.stack.Stack;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * Control plane: one application joining a reuseport group of {@code members} applications and
 * leaving it again, per operation ({@code listen} + {@code unlisten} on 10.0.0.1:80 with the
 * round-robin selector), and the data threads' next poll. Each join and leave rebuilds the group's published view and the
 * selector's per-thread rotors (copy-on-write, so that lookups never lock): linear in the group's
 * size, and allocating, by design; this is not a hot path.
 *
 * <p>{@link #baseline}: a {@code ConcurrentHashMap<ListenerKey, CopyOnWriteArrayList<Member>>},
 * what a developer would write for the same copy-on-write membership.
 */
@State(Scope.Benchmark)
public class ControlPlaneBenchmark extends AbstractBenchmark {

    /** Applications already in the group. */
    @Param({"1", "16", "256"})
    public int members;

    private static final Endpoint ENDPOINT = Endpoint.parseUri("tcp://10.0.0.1/80");
    private static final ListenOptions RR = ListenOptions.reuseport("roundrobin");

    /** The baseline's listener key. */
    record ListenerKey(int proto, int ip, int port) {
    }

    /** The baseline's group member. */
    record Member(String app, int workers) {
    }

    Stack stack;
    SessionLayer layer;
    final ConcurrentHashMap<ListenerKey, CopyOnWriteArrayList<Member>> naive = new ConcurrentHashMap<>();
    final ListenerKey key = new ListenerKey(TCP, 0x0A00_0001, 80);
    final Member joiner = new Member("joiner", 1);

    /** Builds the group of {@code members} and attaches the joiner. */
    @Setup
    public void setUp() {
        stack = Stacks.create(2);
        for (int a = 0; a < members; a++) {
            Stacks.attach(stack, "member" + a, 1);
            stack.listen("member" + a, 0, "tcp://10.0.0.1/80", RR);
            naive.computeIfAbsent(key, k -> new CopyOnWriteArrayList<>()).add(new Member("member" + a, 1));
        }
        Stacks.attach(stack, "joiner", 1);
        layer = stack.session();
    }

    /** Control-plane calls must come from the control thread: this one. */
    @Setup(Level.Iteration)
    public void claim() {
        layer.claimControl();
    }

    /**
     * The project: {@code listen} (join) then {@code unlisten} (leave), then one poll of each data
     * thread, which runs the work {@code unlisten} posted to it (closing the leaver's embryonic
     * connections), as the data threads of a running stack do. Without the poll that work would pile
     * up in the mailboxes and the benchmark would measure a leak.
     */
    @Benchmark
    public long hoststack() {
        long h = layer.listen("joiner", 0, ENDPOINT, RR);
        layer.unlisten("joiner", 0, ENDPOINT);
        return h + stack.pollAll();
    }

    /** Baseline: copy-on-write list in a concurrent map: add then remove. */
    @Benchmark
    public int baseline() {
        List<Member> group = naive.computeIfAbsent(key, k -> new CopyOnWriteArrayList<>());
        group.add(joiner);
        int n = group.size();
        group.remove(joiner);
        return n;
    }
}
