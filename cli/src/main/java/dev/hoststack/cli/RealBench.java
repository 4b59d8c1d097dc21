package dev.hoststack.cli;

import com.google.gson.JsonObject;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollSocketChannel;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.HdrHistogram.Histogram;

/**
 * {@code hoststack bench --real}: connections per second, server CPU per connection and
 * connect-to-worker latency through daemon → workers and through the kernel's own SO_REUSEPORT,
 * with the same worker processes (app1, app2, app3 with 1, 2, 3 workers, each also holding its
 * workers' sockets of a kernel group), the same client and the same run, alternating the paths.
 *
 * <p>The client is this JVM: one Netty epoll event loop keeping {@code concurrency} connections
 * in flight; each connects, reads the worker's answer (the latency ends at its first byte), and
 * closes at end of stream with SO_LINGER 0 (so no TIME_WAIT piles up). Server CPU is user +
 * system time of the daemon and worker processes from {@code /proc/PID/stat}.
 */
final class RealBench {

    private static final int[] WORKERS = {1, 2, 3};

    private RealBench() {
    }

    /** One measured phase. */
    record Phase(String path, int connections, int failed, double seconds, long daemonCpuNanos, long workersCpuNanos,
                 Histogram latency) {
        double rate() {
            return connections / seconds;
        }

        double serverCpuMicros() {
            return (daemonCpuNanos + workersCpuNanos) / 1e3 / connections;
        }
    }

    /** Drives {@code total} connections to {@code target}, {@code concurrency} at a time. */
    static Phase drive(EventLoopGroup group, String path, InetSocketAddress target, int total, int concurrency,
                       RealCluster cluster) throws Exception {
        Histogram h = new Histogram(TimeUnit.SECONDS.toMicros(30), 3);
        int[] started = {0};
        int[] done = {0};
        int[] failed = {0};
        CompletableFuture<Void> finished = new CompletableFuture<>();
        Bootstrap b = new Bootstrap().group(group).channel(EpollSocketChannel.class)
                .option(ChannelOption.SO_LINGER, 0)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, 10_000);
        long cpuD0 = cluster.daemon.cpuNanos();
        long cpuW0 = workersCpu(cluster);
        long t0 = System.nanoTime();
        Runnable[] next = new Runnable[1];
        next[0] = () -> {
            if (started[0] >= total) {
                return;
            }
            started[0]++;
            long begin = System.nanoTime();
            boolean[] answered = {false};
            b.handler(new ChannelInboundHandlerAdapter() {
                @Override
                public void channelRead(ChannelHandlerContext ctx, Object msg) {
                    if (!answered[0]) {
                        answered[0] = true;
                        h.recordValue(Math.max(0, (System.nanoTime() - begin) / 1000));
                    }
                    ((ByteBuf) msg).release();
                }

                @Override
                public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
                    ctx.close();
                }
            }).connect(target).addListener(f -> {
                if (!f.isSuccess()) {
                    failed[0]++;
                    if (++done[0] == total) {
                        finished.complete(null);
                    } else {
                        next[0].run();
                    }
                    return;
                }
                ((io.netty.channel.ChannelFuture) f).channel().closeFuture().addListener(c -> {
                    if (!answered[0]) {
                        failed[0]++;
                    }
                    if (++done[0] == total) {
                        finished.complete(null);
                    } else {
                        next[0].run();
                    }
                });
            });
        };
        group.next().execute(() -> {
            for (int i = 0; i < concurrency; i++) {
                next[0].run();
            }
        });
        finished.get(10, TimeUnit.MINUTES);
        double seconds = (System.nanoTime() - t0) / 1e9;
        return new Phase(path, total, failed[0], seconds, cluster.daemon.cpuNanos() - cpuD0, workersCpu(cluster) - cpuW0, h);
    }

    private static long workersCpu(RealCluster c) {
        long n = 0;
        for (RealCluster.Worker w : c.workers) {
            n += w.child().cpuNanos();
        }
        return n;
    }

    static int run(PrintStream out, int connections, int concurrency, int rounds, int warmup, Path doc, String command)
            throws Exception {
        out.printf("hoststack bench --real: %d connections per phase, %d in flight, %d rounds (daemon, kernel alternating), "
                + "%d warm-up connections per path%n", connections, concurrency, rounds, warmup);
        List<String> flags = List.of("-XX:+UseSerialGC", "-Xmx256m");
        String loadBefore = loadAverage();
        List<Phase> phases = new ArrayList<>();
        try (RealCluster c = RealCluster.start(flags)) {
            String uri = "tcp://127.0.0.1/0";
            String kernel = "tcp://127.0.0.1/0";
            for (int a = 0; a < WORKERS.length; a++) {
                RealCluster.Worker w = c.worker("app" + (a + 1), WORKERS[a], uri, kernel);
                uri = w.uri();
                kernel = w.kernelUri();
            }
            InetSocketAddress viaDaemon = new InetSocketAddress("127.0.0.1", RealCluster.port(uri));
            InetSocketAddress viaKernel = new InetSocketAddress("127.0.0.1", RealCluster.port(kernel));
            EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, EpollIoHandler.newFactory());
            try {
                drive(group, "warm-up daemon", viaDaemon, warmup, concurrency, c);
                drive(group, "warm-up kernel", viaKernel, warmup, concurrency, c);
                for (int r = 0; r < rounds; r++) {
                    for (boolean daemonPath : new boolean[] {true, false}) {
                        Phase p = drive(group, daemonPath ? "daemon" : "kernel", daemonPath ? viaDaemon : viaKernel,
                                connections, concurrency, c);
                        phases.add(p);
                        out.printf("  round %d %-6s %9.0f conn/s  server CPU %6.1f µs/conn (daemon %5.1f, workers %5.1f)"
                                        + "  p50 %5d µs  p99 %6d µs  failed %d%n", r + 1, p.path(), p.rate(), p.serverCpuMicros(),
                                p.daemonCpuNanos() / 1e3 / p.connections(), p.workersCpuNanos() / 1e3 / p.connections(),
                                p.latency().getValueAtPercentile(50), p.latency().getValueAtPercentile(99), p.failed());
                    }
                }
            } finally {
                group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
            }
            JsonObject totals = c.show().getAsJsonObject("totals");
            out.println("  daemon counters: " + totals);
        }
        String report = report(phases, connections, concurrency, rounds, warmup, command)
                + "\nLoad average (1, 5, 15 min) before the run: " + loadBefore + "; after: " + loadAverage()
                + " (on 2 cores, anything above the bench's own processes is other work sharing the machine).\n";
        out.println();
        out.print(report);
        if (doc != null) {
            writeSection(doc, report);
            out.println("written to " + doc);
        }
        int failed = phases.stream().mapToInt(Phase::failed).sum();
        return failed == 0 ? 0 : 1;
    }

    private static Phase sum(List<Phase> ps, String path) {
        Histogram h = new Histogram(TimeUnit.SECONDS.toMicros(30), 3);
        int n = 0;
        int failed = 0;
        double s = 0;
        long d = 0;
        long w = 0;
        for (Phase p : ps) {
            if (p.path().equals(path)) {
                h.add(p.latency());
                n += p.connections();
                failed += p.failed();
                s += p.seconds();
                d += p.daemonCpuNanos();
                w += p.workersCpuNanos();
            }
        }
        return new Phase(path, n, failed, s, d, w, h);
    }

    static String report(List<Phase> phases, int connections, int concurrency, int rounds, int warmup, String command) {
        Phase d = sum(phases, "daemon");
        Phase k = sum(phases, "kernel");
        StringBuilder b = new StringBuilder();
        b.append("## Real processes: daemon → workers vs the kernel's SO_REUSEPORT\n\n");
        b.append("Command: `").append(command).append("`  \n");
        b.append("Machine: ").append(machine()).append("\n\n");
        b.append("Three worker processes (app1, app2, app3 with 1, 2, 3 workers; `hoststack worker`, JDK ")
                .append(Runtime.version().feature()).append(", SerialGC) serve both paths: through the daemon (one group, ")
                .append("`roundrobin`), and through six sockets of one kernel SO_REUSEPORT group held by the same processes. ")
                .append("The client (the bench's JVM, one Netty epoll thread) keeps ").append(concurrency)
                .append(" connections in flight; each connects, reads the worker's one-line answer and closes (RST, no TIME_WAIT). ")
                .append(rounds).append(" rounds of ").append(connections).append(" connections per path, alternating, after ")
                .append(warmup).append(" warm-up connections per path. Server CPU is user + system time of the daemon and ")
                .append("the workers (/proc/PID/stat, 10 ms ticks) over the phase, per connection. Latency is from the ")
                .append("client's connect to the first byte of the worker's answer (HdrHistogram).\n\n");
        b.append("| path | connections | conn/s | server CPU µs/conn | of which daemon | p50 µs | p99 µs | failed |\n");
        b.append("|---|---:|---:|---:|---:|---:|---:|---:|\n");
        for (Phase p : List.of(d, k)) {
            b.append(String.format("| %s | %d | %.0f | %.1f | %.1f | %d | %d | %d |%n", p.path().equals("daemon")
                    ? "daemon → workers (SCM_RIGHTS)" : "kernel SO_REUSEPORT", p.connections(), p.rate(), p.serverCpuMicros(),
                    p.daemonCpuNanos() / 1e3 / p.connections(), p.latency().getValueAtPercentile(50),
                    p.latency().getValueAtPercentile(99), p.failed()));
        }
        b.append(String.format("%nDaemon path / kernel: **%.2f×** the rate, %.2f× the server CPU per connection.%n",
                d.rate() / k.rate(), d.serverCpuMicros() / k.serverCpuMicros()));
        b.append("\nPer round:\n\n| round | path | conn/s | server CPU µs/conn | p50 µs | p99 µs |\n|---:|---|---:|---:|---:|---:|\n");
        int r = 0;
        for (Phase p : phases) {
            if (p.path().equals("daemon")) {
                r++;
            }
            b.append(String.format("| %d | %s | %.0f | %.1f | %d | %d |%n", r, p.path(), p.rate(), p.serverCpuMicros(),
                    p.latency().getValueAtPercentile(50), p.latency().getValueAtPercentile(99)));
        }
        return b.toString();
    }

    static String loadAverage() {
        try {
            String[] f = Files.readString(Path.of("/proc/loadavg")).trim().split(" ");
            return f[0] + " " + f[1] + " " + f[2];
        } catch (IOException | RuntimeException e) {
            return "?";
        }
    }

    static String machine() {
        String cpu = "?";
        try {
            for (String l : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
                if (l.startsWith("model name")) {
                    cpu = l.substring(l.indexOf(':') + 1).trim();
                    break;
                }
            }
        } catch (IOException ignored) {
            // unknown
        }
        String kernel = "?";
        try {
            kernel = Files.readString(Path.of("/proc/sys/kernel/osrelease")).trim();
        } catch (IOException ignored) {
            // unknown
        }
        return Runtime.getRuntime().availableProcessors() + " cores (" + cpu + "), Linux " + kernel + ", "
                + System.getProperty("java.vm.name") + " " + System.getProperty("java.version");
    }

    /** Replaces (or appends) the report's section in the document. */
    static void writeSection(Path doc, String report) throws IOException {
        String marker = "## Real processes: daemon → workers vs the kernel's SO_REUSEPORT";
        String text = Files.exists(doc) ? Files.readString(doc) : "# Benchmarks with real processes\n\n";
        int at = text.indexOf(marker);
        if (at >= 0) {
            int end = text.indexOf("\n## ", at + marker.length());
            text = text.substring(0, at) + report + (end >= 0 ? text.substring(end + 1) : "");
        } else {
            text = text + (text.endsWith("\n\n") ? "" : "\n") + report;
        }
        Files.writeString(doc, text);
    }
}
