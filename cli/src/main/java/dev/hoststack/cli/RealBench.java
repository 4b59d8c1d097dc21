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
        if (total == 0) {
            return new Phase(path, 0, 0, 0, 0, 0, h); // --warmup 0: nothing to wait for (no connection would complete it)
        }
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

    /** One run: fresh processes, warm-up, then the rounds' phases in order (daemon, kernel, daemon, ...). */
    record Run(String loadAtStart, List<Phase> phases) {
        Phase total(String path) {
            return sum(phases, path);
        }

        /** The daemon path's rate over the kernel's, pooled over the run's rounds. */
        double rateRatio() {
            return total("daemon").rate() / total("kernel").rate();
        }

        /** The daemon path's server CPU per connection over the kernel's. */
        double cpuRatio() {
            return total("daemon").serverCpuMicros() / total("kernel").serverCpuMicros();
        }

        /** Round by round: the daemon phase's rate over the kernel phase's that followed it. */
        List<Double> roundRatios() {
            List<Double> r = new ArrayList<>();
            for (int i = 0; i + 1 < phases.size(); i += 2) {
                r.add(phases.get(i).rate() / phases.get(i + 1).rate());
            }
            return r;
        }

        int failed() {
            return phases.stream().mapToInt(Phase::failed).sum();
        }
    }

    static int run(PrintStream out, int connections, int concurrency, int rounds, int warmup, int runs, Path doc,
                   String command, String selector, boolean kernelDispatch) throws IOException, InterruptedException {
        out.printf("hoststack bench --real: %d run%s; each: %d warm-up connections per path, then %d round%s of %d"
                + " connections per path (daemon with selector %s, %s dispatch; kernel alternating), %d in flight%n", runs,
                runs == 1 ? "" : "s", warmup, rounds, rounds == 1 ? "" : "s", connections, selector,
                kernelDispatch ? "kernel" : "handoff", concurrency);
        String loadBefore = loadAverage();
        List<Run> done = new ArrayList<>();
        for (int i = 0; i < runs; i++) {
            Run r = runOnce(out, i + 1, connections, concurrency, rounds, warmup, selector, kernelDispatch);
            done.add(r);
            if (runs > 1) {
                out.printf("  run %d: daemon / kernel %.2f× the rate, %.2f× the server CPU per connection%n", i + 1,
                        r.rateRatio(), r.cpuRatio());
            }
        }
        String report = report(done, connections, concurrency, rounds, warmup, command, selector, kernelDispatch)
                + "\nLoad average (1, 5, 15 min) before the first run: " + loadBefore + "; after the last: " + loadAverage()
                + " (on " + Runtime.getRuntime().availableProcessors() + " cores; anything above the bench's own"
                + " processes is other work sharing the machine).\n";
        out.println();
        out.print(report);
        if (doc != null) {
            writeSection(doc, report, kernelDispatch);
            out.println("written to " + doc);
        }
        int failed = done.stream().mapToInt(Run::failed).sum();
        return failed == 0 ? 0 : 1;
    }

    private static Run runOnce(PrintStream out, int run, int connections, int concurrency, int rounds, int warmup,
                               String selector, boolean kernelDispatch) throws IOException, InterruptedException {
        List<String> flags = List.of("-XX:+UseSerialGC", "-Xmx256m");
        String load = loadAverage().split(" ")[0];
        List<Phase> phases = new ArrayList<>();
        try (RealCluster c = RealCluster.start(flags, "--selector", selector, "--dispatch",
                kernelDispatch ? "kernel" : "handoff")) {
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
                        out.printf("  run %d round %d %-6s %9.0f conn/s  server CPU %6.1f µs/conn (daemon %5.1f,"
                                        + " workers %5.1f)  p50 %5d µs  p99 %6d µs  failed %d%n", run, r + 1, p.path(),
                                p.rate(), p.serverCpuMicros(), p.daemonCpuNanos() / 1e3 / p.connections(),
                                p.workersCpuNanos() / 1e3 / p.connections(), p.latency().getValueAtPercentile(50),
                                p.latency().getValueAtPercentile(99), p.failed());
                    }
                }
            } catch (InterruptedException e) {
                throw e;
            } catch (Exception e) {
                throw new IOException("run " + run + ": the client failed: " + e, e);
            } finally {
                group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
            }
            out.println("  run " + run + " daemon counters: " + c.totals());
        }
        return new Run(load, phases);
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

    /** The median of some values (the mean of the middle two for an even count). */
    static double median(List<Double> values) {
        List<Double> v = new ArrayList<>(values);
        v.sort(null);
        int n = v.size();
        return n % 2 == 1 ? v.get(n / 2) : (v.get(n / 2 - 1) + v.get(n / 2)) / 2;
    }

    /** {@code median× (min–max×)}, or the one value. */
    static String spread(List<Double> values) {
        if (values.size() == 1) {
            return String.format("%.2f×", values.get(0));
        }
        return String.format("%.2f× (%.2f–%.2f×)", median(values), values.stream().min(Double::compare).orElseThrow(),
                values.stream().max(Double::compare).orElseThrow());
    }

    /** The report's section heading for a dispatch mode (each mode has its own section in the document). */
    static String heading(boolean kernelDispatch) {
        return kernelDispatch ? "## Real processes: kernel dispatch (SK_REUSEPORT program) vs the kernel's SO_REUSEPORT"
                : "## Real processes: daemon → workers vs the kernel's SO_REUSEPORT";
    }

    static String report(List<Run> runs, int connections, int concurrency, int rounds, int warmup, String command,
                         String selector, boolean kernelDispatch) {
        List<Phase> all = new ArrayList<>();
        runs.forEach(r -> all.addAll(r.phases()));
        Phase d = sum(all, "daemon");
        Phase k = sum(all, "kernel");
        StringBuilder b = new StringBuilder();
        b.append(heading(kernelDispatch)).append("\n\n");
        b.append("<!-- generated by the command below; everything up to the next section is replaced by each --write -->\n\n");
        b.append("Command: `").append(command).append("`  \n");
        b.append("Machine: ").append(machine()).append("\n\n");
        b.append("Three worker processes (app1, app2, app3 with 1, 2, 3 workers; `hoststack worker`, JDK ")
                .append(Runtime.version().feature()).append(", SerialGC) serve both paths: ")
                .append(kernelDispatch ? "through the daemon's reuseport group (`" + selector + "`) with kernel dispatch (the"
                        + " daemon's SK_REUSEPORT program picks one of six sockets the daemon made, each worker accepting on"
                        + " its own), " : "through the daemon (one group, `" + selector + "`), the daemon accepting and handing"
                        + " each connection over, ")
                .append("and through six sockets of one plain kernel SO_REUSEPORT group held by the same processes. ")
                .append("The client (the bench's JVM, one Netty epoll thread) keeps ").append(concurrency)
                .append(" connections in flight; each connects, reads the worker's one-line answer and closes (RST, no TIME_WAIT). ")
                .append(runs.size() == 1 ? "One run" : runs.size() + " runs, each with fresh processes")
                .append(": ").append(warmup).append(" warm-up connections per path, then ").append(rounds)
                .append(rounds == 1 ? " round" : " rounds").append(" of ").append(connections)
                .append(" connections per path, the paths alternating. Server CPU is user + system time of the daemon and ")
                .append("the workers (/proc/PID/stat, 10 ms ticks) over the phase, per connection. Latency is from the ")
                .append("client's connect to the first byte of the worker's answer (HdrHistogram).\n\n");
        List<Double> rate = runs.stream().map(Run::rateRatio).toList();
        List<Double> cpu = runs.stream().map(Run::cpuRatio).toList();
        b.append("Daemon path / kernel: **").append(spread(rate)).append("** the rate, ").append(spread(cpu))
                .append(" the server CPU per connection")
                .append(runs.size() == 1 ? "" : " (median over " + runs.size() + " runs, then min–max)").append(".\n\n");
        b.append(runs.size() == 1 ? "All rounds:\n\n" : "All runs pooled:\n\n");
        b.append("| path | connections | conn/s | server CPU µs/conn | of which daemon | p50 µs | p99 µs | failed |\n");
        b.append("|---|---:|---:|---:|---:|---:|---:|---:|\n");
        for (Phase p : List.of(d, k)) {
            b.append(String.format("| %s | %d | %.0f | %.1f | %.1f | %d | %d | %d |%n", p.path().equals("daemon")
                    ? (kernelDispatch ? "daemon's group, kernel dispatch" : "daemon → workers (SCM_RIGHTS)")
                    : "kernel SO_REUSEPORT", p.connections(), p.rate(), p.serverCpuMicros(),
                    p.daemonCpuNanos() / 1e3 / p.connections(), p.latency().getValueAtPercentile(50),
                    p.latency().getValueAtPercentile(99), p.failed()));
        }
        b.append("\nPer run (the rate ratio pooled over the run's rounds, then round by round):\n\n");
        b.append("| run | load at start | daemon conn/s | kernel conn/s | rate ratio | by round | daemon CPU µs/conn"
                + " | kernel CPU µs/conn | of which daemon |\n");
        b.append("|---:|---:|---:|---:|---:|---|---:|---:|---:|\n");
        int i = 0;
        for (Run r : runs) {
            i++;
            Phase rd = r.total("daemon");
            Phase rk = r.total("kernel");
            StringBuilder byRound = new StringBuilder();
            for (double x : r.roundRatios()) {
                byRound.append(byRound.length() == 0 ? "" : ", ").append(String.format("%.2f", x));
            }
            b.append(String.format("| %d | %s | %.0f | %.0f | %.2f× | %s | %.1f | %.1f | %.1f |%n", i, r.loadAtStart(),
                    rd.rate(), rk.rate(), r.rateRatio(), byRound, rd.serverCpuMicros(), rk.serverCpuMicros(),
                    rd.daemonCpuNanos() / 1e3 / rd.connections()));
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
    static void writeSection(Path doc, String report, boolean kernelDispatch) throws IOException {
        String marker = heading(kernelDispatch);
        String text = Files.exists(doc) ? Files.readString(doc) : "# Benchmarks with real processes\n\n";
        int at = text.indexOf(marker);
        if (at >= 0) {
            int end = text.indexOf("\n## ", at + marker.length());
            text = text.substring(0, at) + report + (end >= 0 ? "\n" + text.substring(end + 1) : "");
        } else {
            text = text + (text.endsWith("\n\n") ? "" : "\n") + report;
        }
        Files.writeString(doc, text);
    }
}
