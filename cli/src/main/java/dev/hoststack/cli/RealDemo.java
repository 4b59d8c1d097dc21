package dev.hoststack.cli;

import com.google.gson.JsonObject;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code hoststack demo --real}: the design note's example with real processes. A daemon and three
 * worker processes (app1, app2, app3 with 1, 2, 3 workers) listen with reuseport on one loopback
 * port the daemon picked; a built-in client makes N real connections one after another and reads
 * who answered. The same three processes also hold 1, 2 and 3 sockets of the kernel's own
 * SO_REUSEPORT group on another port, and the same client drives that too.
 */
final class RealDemo {

    private static final int[] WORKERS = {1, 2, 3};

    private RealDemo() {
    }

    /** One HTTP/1.0 request; the body line, or null. */
    static String get(int port) {
        try (Socket s = new Socket()) {
            s.setSoTimeout(10_000);
            s.connect(new InetSocketAddress("127.0.0.1", port), 10_000);
            s.getOutputStream().write("GET / HTTP/1.0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            s.shutdownOutput();
            InputStream in = s.getInputStream();
            ByteArrayOutputStream b = new ByteArrayOutputStream();
            in.transferTo(b);
            s.setSoLinger(true, 0);
            String text = b.toString(StandardCharsets.US_ASCII);
            int body = text.indexOf("\r\n\r\n");
            return body < 0 ? null : text.substring(body + 4).trim();
        } catch (IOException e) {
            return null;
        }
    }

    static String label(String body) {
        return RealCluster.field(body, "app") + "-w" + RealCluster.field(body, "worker");
    }

    static int run(PrintStream out, int connections, String selector, int hashSecret) throws IOException, InterruptedException {
        long start = System.nanoTime();
        out.println("hoststack demo --real: a daemon and three worker processes on 127.0.0.1, real TCP connections.");
        out.println("workers are numbered from 0 here; the design note numbers them from 1 (app1-w0 here is its app1-w1).");
        out.println();
        List<String> flags = List.of("-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Xmx128m");
        int code;
        String secret = Long.toString(Integer.toUnsignedLong(hashSecret));
        try (RealCluster c = RealCluster.start(flags, "--hash-secret", secret)) {
            out.println("started: hoststack daemon --control " + c.control + (hashSecret == 0 ? "" : " --hash-secret " + secret)
                    + "   (pid " + c.daemon.pid() + ")");
            String uri = "tcp://127.0.0.1/0";
            String kernel = "tcp://127.0.0.1/0";
            for (int a = 0; a < WORKERS.length; a++) {
                RealCluster.Worker w = c.worker("app" + (a + 1), WORKERS[a], uri, kernel, "--selector", selector);
                uri = w.uri();
                kernel = w.kernelUri();
                out.printf("started: hoststack worker --app %s --workers %d --listen %s --reuseport --selector %s"
                        + "   (pid %d; also %d kernel SO_REUSEPORT socket%s on %s)%n", w.app(), w.workers(), uri, selector,
                        w.child().pid(), w.workers(), w.workers() == 1 ? "" : "s", kernel);
            }
            int port = RealCluster.port(uri);
            int kernelPort = RealCluster.port(kernel);
            out.println();
            out.println("try it while this runs:  curl http://127.0.0.1:" + port + "/   (daemon)   or   curl http://127.0.0.1:"
                    + kernelPort + "/   (kernel)");
            out.println();

            DispatchTable viaDaemon = new DispatchTable();
            DispatchTable viaKernel = new DispatchTable();
            for (int a = 0; a < WORKERS.length; a++) {
                for (int w = 0; w < WORKERS[a]; w++) {
                    viaDaemon.declare("app" + (a + 1), w);
                    viaKernel.declare("app" + (a + 1), w);
                }
            }
            List<String> first = new ArrayList<>();
            Map<String, String> pids = new LinkedHashMap<>();
            int failed = 0;
            long t0 = System.nanoTime();
            for (int i = 0; i < connections; i++) {
                String body = get(port);
                if (body == null) {
                    failed++;
                    continue;
                }
                String l = label(body);
                viaDaemon.add(RealCluster.field(body, "app"), Integer.parseInt(RealCluster.field(body, "worker")));
                pids.putIfAbsent(RealCluster.field(body, "app"), RealCluster.field(body, "pid"));
                if (first.size() < 12) {
                    first.add(l);
                }
            }
            double daemonSeconds = (System.nanoTime() - t0) / 1e9;
            int kernelFailed = 0;
            t0 = System.nanoTime();
            for (int i = 0; i < connections; i++) {
                String body = get(kernelPort);
                if (body == null) {
                    kernelFailed++;
                    continue;
                }
                viaKernel.add(RealCluster.field(body, "app"), Integer.parseInt(RealCluster.field(body, "worker")));
            }
            double kernelSeconds = (System.nanoTime() - t0) / 1e9;

            out.println("daemon (" + selector + "): the first " + first.size() + " connections were answered by");
            out.println("  " + String.join(", ", first));
            List<String> oneBased = new ArrayList<>();
            for (String l : first) {
                int dash = l.lastIndexOf("-w");
                oneBased.add(l.substring(0, dash) + "-w" + (Integer.parseInt(l.substring(dash + 2)) + 1));
            }
            out.println("  as the design note writes them: " + String.join(", ", oneBased));
            if (selector.equals("roundrobin") && oneBased.size() >= DemoCommand.SEED.size()) {
                boolean same = oneBased.subList(0, DemoCommand.SEED.size()).equals(DemoCommand.SEED);
                out.println("  the design note's sequence:     " + String.join(", ", DemoCommand.SEED) + ", ..."
                        + (same ? "  (same)" : "  (DIFFERENT)"));
            }
            out.println();
            out.println("processes: " + pids.entrySet().stream().map(e -> e.getKey() + " = pid " + e.getValue()).toList());
            out.printf("connections per application and per worker (count, share), %d sequential connections each:%n", connections);
            Map<String, DispatchTable> columns = new LinkedHashMap<>();
            columns.put("daemon " + selector, viaDaemon);
            columns.put("kernel SO_REUSEPORT", viaKernel);
            DispatchTable.print(out, columns);
            out.printf("  unanswered: daemon %d, kernel %d; time: daemon %.2f s, kernel %.2f s (sequential, one client)%n",
                    failed, kernelFailed, daemonSeconds, kernelSeconds);
            JsonObject totals = c.totals();
            out.println("  daemon counters: accepted " + totals.get("accepted") + ", handed " + totals.get("handed")
                    + ", taken " + totals.get("taken") + ", congestion skips " + totals.get("congestion_skips")
                    + ", dropped " + totals.get("dropped"));
            out.println();
            if (selector.equals("roundrobin")) {
                out.println("round robin gives each application a third whatever its workers; the kernel hashes the 4-tuple");
                out.println("over its six sockets, so app3 with three sockets gets about half.");
            } else {
                out.println("the kernel hashes the 4-tuple over its six sockets, so app3 with three sockets gets about half;");
                out.println("the daemon's column is what selector '" + selector + "' made of the same connections.");
            }
            out.println("stopping the workers and the daemon.");
            code = failed == 0 && kernelFailed == 0 ? 0 : 1;
        }
        out.printf("done in %.2f s%n", (System.nanoTime() - start) / 1e9);
        return code;
    }
}
