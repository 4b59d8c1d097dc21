package dev.hoststack.bench.tools;

import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import dev.hoststack.bench.support.Flows;
import dev.hoststack.bench.support.Stacks;
import dev.hoststack.session.ListenOptions;
import dev.hoststack.session.SessionWorker;
import dev.hoststack.stack.Stack;
import dev.hoststack.tcp.TcpPeer;
import dev.hoststack.tcp.TcpSegment;
import dev.hoststack.tcp.TcpTransport;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * How each selector shares connections among workers, on the seed's example: app1, app2, app3
 * with 1, 2, 3 workers in one reuseport group on 10.0.0.1:80. {@code flows} (default 60,000) real
 * SYNs from distinct clients go through the TCP transport; each is reset right after, so only the
 * choice is kept. Counts come from each worker's {@code dispatched()} counter. A distribution, not
 * a timing. Workers are numbered from 0 ({@code app2-w1} is app2's second worker), as the project
 * prints them.
 *
 * <p>Expected shares: round robin gives each application a third and splits it evenly among its
 * workers (1/3, 1/6 each, 1/9 each); the kernel's hash counts sockets, so each of the 6 workers
 * expects 1/6.
 *
 * <p>Usage: {@code SelectorShares OUT.json [flows]}.
 */
public final class SelectorShares {

    private SelectorShares() {
    }

    /** Runs both selectors; writes {@code args[0]}. */
    public static void main(String[] args) throws IOException {
        Path out = Path.of(args.length > 0 ? args[0] : "benchmarks/target/shares.json");
        int flows = args.length > 1 ? Integer.parseInt(args[1]) : 60_000;
        JsonObject doc = new JsonObject();
        doc.addProperty("flows", flows);
        doc.addProperty("hashSecret", Integer.toHexString(Stacks.HASH_SECRET));
        JsonArray selectors = new JsonArray();
        for (String selector : new String[] {"roundrobin", "hash"}) {
            selectors.add(run(selector, flows));
        }
        doc.add("selectors", selectors);
        Files.createDirectories(out.toAbsolutePath().getParent());
        Files.writeString(out, new GsonBuilder().setPrettyPrinting().create().toJson(doc));
        System.out.println("shares: wrote " + out);
    }

    private static JsonObject run(String selector, int flows) {
        Stack stack = Stacks.create(1);
        int[] workers = {1, 2, 3};
        for (int a = 0; a < workers.length; a++) {
            Stacks.attach(stack, "app" + (a + 1), workers[a]);
            Stacks.listenAll(stack, "app" + (a + 1), workers[a], "tcp://10.0.0.1/80", ListenOptions.reuseport(selector));
        }
        TcpTransport tcp = stack.tcp();
        TcpPeer peer = new TcpPeer(tcp);
        int server = Flows.ip4(10, 0, 0, 1);
        SplittableRandom rnd = new SplittableRandom(2024);
        List<String> firstChoices = new ArrayList<>();
        for (int i = 0; i < flows; i++) {
            int ip = Flows.ip4(198, 18, 0, 0) | rnd.nextInt(1 << 17);
            int port = 1024 + rnd.nextInt(65536 - 1024);
            if (peer.send4(0, ip, port, server, 80, rnd.nextInt(), 0, TcpSegment.SYN) != TcpTransport.CREATED) {
                throw new IllegalStateException(selector + ": SYN " + i + " dropped: " + tcp.result(0).drop());
            }
            if (firstChoices.size() < 12) {
                firstChoices.add(stack.session().worker(tcp.result(0).workerGlobal()).label());
            }
            peer.send4(0, ip, port, server, 80, 0, 0, TcpSegment.RST);
        }
        JsonObject s = new JsonObject();
        s.addProperty("selector", selector);
        JsonArray rows = new JsonArray();
        for (int a = 0; a < workers.length; a++) {
            for (SessionWorker w : stack.session().app("app" + (a + 1)).workers()) {
                JsonObject row = new JsonObject();
                row.addProperty("worker", w.label());
                row.addProperty("count", w.dispatched());
                row.addProperty("share", (double) w.dispatched() / flows);
                row.addProperty("expected", selector.equals("hash") ? 1.0 / 6 : 1.0 / 3 / workers[a]);
                rows.add(row);
            }
        }
        s.add("workers", rows);
        JsonArray first = new JsonArray();
        firstChoices.forEach(first::add);
        s.add("firstChoices", first);
        System.out.println("shares: " + selector + " first choices " + firstChoices);
        return s;
    }
}
