package dev.hoststack.cli;

import com.google.gson.JsonArray;
import dev.hoststack.client.HoststackException;
import dev.hoststack.protocol.Protocol;
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
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.HdrHistogram.Histogram;

/**
 * {@code hoststack bench --real}: connections per second, server CPU per connection and
 * connect-to-worker latency through each path to the same kind of worker processes (app1, app2,
 * app3 with 1, 2, 3 workers) beside the kernel's own SO_REUSEPORT group, in one run: daemon with
 * kernel dispatch, daemon hand-off, HAProxy; the paths' order rotates round by round.
 *
 * <p>Processes: one daemon per daemon path (each with its own {@code --dispatch}) and its three
 * worker processes. The first cluster's workers also hold the kernel group's six sockets (the
 * baseline) and, for HAProxy, a port of each worker's own. So the baseline, kernel dispatch and
 * HAProxy run on the same worker processes; hand-off on three more started alike.
 *
 * <p>The client is this JVM: one Netty epoll event loop keeping {@code concurrency} connections
 * in flight; each connects, reads the worker's answer (the latency ends at its first byte), and
 * closes at end of stream with SO_LINGER 0 (so no TIME_WAIT piles up). Server CPU is user +
 * system time, from {@code /proc/PID/stat}, of the workers serving the path and of the daemon or
 * proxy on it. Runs on the calling thread; not for concurrent use.
 */
final class RealBench {

    private static final int[] WORKERS = {1, 2, 3};

    /** The measured paths, the kernel's own group (the baseline) first. */
    enum Route {
        KERNEL("kernel", "kernel SO_REUSEPORT", null, null),
        DISPATCH("kernel-dispatch", "daemon, kernel dispatch (SK_REUSEPORT program)", "Kernel dispatch path / kernel",
                "kernel dispatch"),
        HANDOFF("handoff", "daemon → workers, hand-off (SCM_RIGHTS)", "Hand-off path / kernel", "hand-off"),
        HAPROXY("haproxy", "HAProxy (mode tcp, roundrobin) → workers", "HAProxy path / kernel", "HAProxy");

        /** The name in {@code --paths} and in the per-phase lines. */
        final String key;
        /** The row's name in the tables. */
        final String row;
        /** The ratio line's opening ({@code path / kernel}). */
        final String ratio;
        /** Its name in a section heading. */
        final String title;

        Route(String key, String row, String ratio, String title) {
            this.key = key;
            this.row = row;
            this.ratio = ratio;
            this.title = title;
        }

        /** The path named {@code key}, or null. */
        static Route of(String key) {
            for (Route r : values()) {
                if (r.key.equals(key) && r != KERNEL) {
                    return r;
                }
            }
            return null;
        }

        /** Whether it goes through a daemon. */
        boolean daemon() {
            return this == DISPATCH || this == HANDOFF;
        }
    }

    /** The paths measured by default (beside the kernel's group). */
    static final List<Route> DEFAULT_PATHS = List.of(Route.DISPATCH, Route.HANDOFF, Route.HAPROXY);

    private RealBench() {
    }

    /** One measured phase: one path, one round. */
    record Phase(Route path, int round, int connections, int failed, double seconds, long middleCpuNanos,
                 long workersCpuNanos, Histogram latency) {
        double rate() {
            return connections / seconds;
        }

        double serverCpuMicros() {
            return (middleCpuNanos + workersCpuNanos) / 1e3 / connections;
        }

        /** CPU of the daemon or proxy on the path, µs per connection. */
        double middleCpuMicros() {
            return middleCpuNanos / 1e3 / connections;
        }
    }

    /** Where a path's connections go and the processes that serve them. */
    record Target(Route path, InetSocketAddress address, RealCluster.Child middle, List<RealCluster.Child> workers) {
    }

    /** Drives {@code total} connections to {@code target}, {@code concurrency} at a time. */
    static Phase drive(EventLoopGroup group, Target target, int round, int total, int concurrency) throws Exception {
        Histogram h = new Histogram(TimeUnit.SECONDS.toMicros(30), 3);
        if (total == 0) {
            return new Phase(target.path(), round, 0, 0, 0, 0, 0, h); // --warmup 0: no connection would complete it
        }
        int[] started = {0};
        int[] done = {0};
        int[] failed = {0};
        CompletableFuture<Void> finished = new CompletableFuture<>();
        Bootstrap b = new Bootstrap().group(group).channel(EpollSocketChannel.class)
                .option(ChannelOption.SO_LINGER, 0)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, 10_000);
        long cpuM0 = target.middle() == null ? 0 : target.middle().cpuNanos();
        long cpuW0 = cpu(target.workers());
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
            }).connect(target.address()).addListener(f -> {
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
        long middle = target.middle() == null ? 0 : target.middle().cpuNanos() - cpuM0;
        return new Phase(target.path(), round, total, failed[0], seconds, middle, cpu(target.workers()) - cpuW0, h);
    }

    private static long cpu(List<RealCluster.Child> children) {
        long n = 0;
        for (RealCluster.Child c : children) {
            n += c.cpuNanos();
        }
        return n;
    }

    /** The order of the paths in round {@code round} (from 1): the list rotated by {@code round - 1}. */
    static List<Route> order(List<Route> routes, int round) {
        List<Route> o = new ArrayList<>();
        for (int i = 0; i < routes.size(); i++) {
            o.add(routes.get((i + round - 1) % routes.size()));
        }
        return o;
    }

    /** One run: fresh processes, warm-up, then the rounds' phases. */
    record Run(String loadAtStart, List<Phase> phases) {
        Phase total(Route path) {
            return sum(phases, path);
        }

        /** The path's rate over the kernel's, pooled over the run's rounds. */
        double rateRatio(Route path) {
            return total(path).rate() / total(Route.KERNEL).rate();
        }

        /** The path's server CPU per connection over the kernel's. */
        double cpuRatio(Route path) {
            return total(path).serverCpuMicros() / total(Route.KERNEL).serverCpuMicros();
        }

        /** Round by round: the path's rate over the kernel's in the same round. */
        List<Double> roundRatios(Route path) {
            List<Double> r = new ArrayList<>();
            for (Phase p : phases) {
                if (p.path() == path) {
                    for (Phase k : phases) {
                        if (k.path() == Route.KERNEL && k.round() == p.round()) {
                            r.add(p.rate() / k.rate());
                        }
                    }
                }
            }
            return r;
        }

        int failed() {
            return phases.stream().mapToInt(Phase::failed).sum();
        }
    }

    /** What the bench was asked to do. */
    record Settings(int connections, int concurrency, int rounds, int warmup, int runs, String selector,
                    List<Route> paths, String command) {
    }

    /**
     * Runs the bench and prints (and with {@code doc}, writes) the report.
     *
     * @param haproxy the HAProxy binary, when {@code paths} has HAProxy: without one that path is
     *                skipped with one line
     * @param kernelDispatchWhyNot null where kernel dispatch is available ({@code KernelDispatchProbe}),
     *                else why not: that path is then skipped with one line
     * @return the exit code: 0, or 1 when a connection failed
     */
    static int run(PrintStream out, Settings s, Path doc, Haproxy.Found haproxy, String kernelDispatchWhyNot)
            throws IOException, InterruptedException {
        List<Route> measured = new ArrayList<>(s.paths());
        List<String> skipped = new ArrayList<>();
        String haproxyVersion = null;
        if (measured.contains(Route.DISPATCH) && kernelDispatchWhyNot != null) {
            String line = "Kernel dispatch path skipped: " + kernelDispatchWhyNot;
            skipped.add(line);
            out.println(line);
            measured.remove(Route.DISPATCH);
        }
        if (measured.contains(Route.HAPROXY)) {
            if (!haproxy.available()) {
                String line = Haproxy.skipLine(haproxy.whyNot());
                skipped.add(line);
                out.println(line);
                measured.remove(Route.HAPROXY);
            } else {
                haproxyVersion = Haproxy.version(haproxy.binary());
            }
        }
        if (measured.isEmpty()) {
            throw new IOException("nothing to measure: " + String.join("; ", skipped));
        }
        List<Route> all = new ArrayList<>();
        all.add(Route.KERNEL);
        all.addAll(measured);
        out.printf("hoststack bench --real: %d run%s; each: %d warm-up connections per path, then %d round%s of %d"
                        + " connections per path (%s; daemon selector %s), %d in flight%n", s.runs(),
                s.runs() == 1 ? "" : "s", s.warmup(), s.rounds(), s.rounds() == 1 ? "" : "s", s.connections(),
                String.join(", ", all.stream().map(r -> r.key).toList()), s.selector(), s.concurrency());
        String loadBefore = loadAverage();
        List<Run> done = new ArrayList<>();
        List<String> notes = new ArrayList<>();
        for (int i = 0; i < s.runs(); i++) {
            Run r = runOnce(out, i + 1, s, measured, haproxy.binary(), notes);
            done.add(r);
            if (s.runs() > 1) {
                for (Route p : measured) {
                    out.printf("  run %d: %s %.2f× the rate, %.2f× the server CPU per connection%n", i + 1, p.ratio,
                            r.rateRatio(p), r.cpuRatio(p));
                }
            }
        }
        String report = report(done, s, measured, skipped, haproxyVersion, notes)
                + "\nLoad average (1, 5, 15 min) before the first run: " + loadBefore + "; after the last: " + loadAverage()
                + " (on " + Runtime.getRuntime().availableProcessors() + " cores; anything above the bench's own"
                + " processes is other work sharing the machine).\n";
        out.println();
        out.print(report);
        if (doc != null) {
            writeSection(doc, report, heading(s.paths()));
            out.println("written to " + doc);
        }
        int failed = done.stream().mapToInt(Run::failed).sum();
        return failed == 0 ? 0 : 1;
    }

    private static Run runOnce(PrintStream out, int run, Settings s, List<Route> measured, Path haproxy, List<String> notes)
            throws IOException, InterruptedException {
        List<String> flags = List.of("-XX:+UseSerialGC", "-Xmx256m");
        String load = loadAverage().split(" ")[0];
        List<Phase> phases = new ArrayList<>();
        List<RealCluster> clusters = new ArrayList<>();
        try {
            // one daemon per daemon path; the first cluster's workers also serve the kernel group and HAProxy
            List<Route> daemons = measured.stream().filter(Route::daemon).toList();
            if (daemons.isEmpty()) {
                daemons = List.of(Route.HANDOFF); // HAProxy alone: the workers still attach to a daemon, not measured
            }
            Map<Route, Target> targets = new EnumMap<>(Route.class);
            for (Route d : daemons) {
                RealCluster c = RealCluster.start(flags, "--selector", s.selector(), "--dispatch",
                        d == Route.DISPATCH ? "kernel" : "handoff");
                clusters.add(c);
                boolean first = clusters.size() == 1;
                String uri = "tcp://127.0.0.1/0";
                String kernel = first ? "tcp://127.0.0.1/0" : null;
                List<RealCluster.Child> children = new ArrayList<>();
                List<String> direct = new ArrayList<>();
                for (int a = 0; a < WORKERS.length; a++) {
                    RealCluster.Worker w = c.workerWithDirect("app" + (a + 1), WORKERS[a], uri, kernel,
                            first && measured.contains(Route.HAPROXY) ? "127.0.0.1" : null);
                    uri = w.uri();
                    kernel = w.kernelUri();
                    children.add(w.child());
                    direct.addAll(w.directUris());
                }
                if (measured.contains(d)) {
                    targets.put(d, new Target(d, new InetSocketAddress("127.0.0.1", RealCluster.port(uri)), c.daemon,
                            children));
                }
                if (d == Route.DISPATCH && run == 1) {
                    String mode = dispatchOf(c);
                    if (!Protocol.DISPATCH_KERNEL.equals(mode)) {
                        String note = "The kernel-dispatch daemon kept the group on the hand-off path (selector `"
                                + s.selector() + "`, dispatch " + mode + "): that row measures hand-off.";
                        notes.add(note);
                        out.println("  note: " + note);
                    }
                }
                if (first) {
                    targets.put(Route.KERNEL, new Target(Route.KERNEL, new InetSocketAddress("127.0.0.1",
                            RealCluster.port(kernel)), null, children));
                    if (measured.contains(Route.HAPROXY)) {
                        InetSocketAddress front = Haproxy.freeLoopback();
                        RealCluster.Child hp = Haproxy.start(haproxy, c.base, front, direct,
                                Math.max(1024, 4 * s.concurrency()));
                        c.adopt(hp);
                        targets.put(Route.HAPROXY, new Target(Route.HAPROXY, front, hp, children));
                    }
                }
            }
            List<Route> routes = new ArrayList<>();
            routes.add(Route.KERNEL);
            routes.addAll(measured);
            EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, EpollIoHandler.newFactory());
            try {
                for (Route r : routes) {
                    drive(group, targets.get(r), 0, warmupOf(r, targets, s.warmup()), s.concurrency());
                }
                for (int round = 1; round <= s.rounds(); round++) {
                    for (Route r : order(routes, round)) {
                        Phase p = drive(group, targets.get(r), round, s.connections(), s.concurrency());
                        phases.add(p);
                        Target t = targets.get(r);
                        out.printf("  run %d round %d %-15s %7.0f conn/s  server CPU %6.1f µs/conn (%s%5.1f,"
                                        + " workers %5.1f)  p50 %5d µs  p99 %6d µs  failed %d%n", run, round, r.key,
                                p.rate(), p.serverCpuMicros(), t.middle() == null ? "daemon/proxy " : t.middle().name + " ",
                                p.middleCpuMicros(), p.workersCpuNanos() / 1e3 / p.connections(),
                                p.latency().getValueAtPercentile(50), p.latency().getValueAtPercentile(99), p.failed());
                    }
                }
            } catch (InterruptedException e) {
                throw e;
            } catch (Exception e) {
                throw new IOException("run " + run + ": the client failed: " + e, e);
            } finally {
                group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
            }
            for (int i = 0; i < clusters.size(); i++) {
                out.println("  run " + run + " daemon " + (i + 1) + " counters: " + clusters.get(i).totals());
            }
        } finally {
            for (int i = clusters.size() - 1; i >= 0; i--) {
                clusters.get(i).close();
            }
        }
        return new Run(load, phases);
    }

    /**
     * The warm-up connections of a path: {@code warmup}, times the number of paths the baseline's
     * worker processes serve for a path on worker processes of its own (the hand-off daemon's when
     * kernel dispatch is measured too), so that every worker process has answered as many before
     * the rounds (measured: with one share only, the hand-off workers' JIT was still busy two
     * rounds later, 2-3× their later CPU per connection).
     */
    static int warmupOf(Route path, Map<Route, Target> targets, int warmup) {
        List<RealCluster.Child> shared = targets.get(Route.KERNEL).workers();
        if (targets.get(path).workers() == shared) {
            return warmup;
        }
        long n = targets.values().stream().filter(t -> t.workers() == shared).count();
        return (int) Math.min(Integer.MAX_VALUE, (long) warmup * n);
    }

    /** The dispatch ({@code kernel} or {@code handoff}) of the cluster's first listener, as its daemon shows it. */
    private static String dispatchOf(RealCluster c) throws IOException {
        try {
            JsonArray ls = c.show().getAsJsonArray("listeners");
            return ls == null || ls.isEmpty() ? "none" : ls.get(0).getAsJsonObject().get("dispatch").getAsString();
        } catch (HoststackException | RuntimeException e) {
            throw new IOException("the kernel-dispatch daemon did not show its listener: " + e.getMessage(), e);
        }
    }

    private static Phase sum(List<Phase> ps, Route path) {
        Histogram h = new Histogram(TimeUnit.SECONDS.toMicros(30), 3);
        int n = 0;
        int failed = 0;
        double s = 0;
        long d = 0;
        long w = 0;
        for (Phase p : ps) {
            if (p.path() == path) {
                h.add(p.latency());
                n += p.connections();
                failed += p.failed();
                s += p.seconds();
                d += p.middleCpuNanos();
                w += p.workersCpuNanos();
            }
        }
        return new Phase(path, 0, n, failed, s, d, w, h);
    }

    /** The median of some values (the mean of the middle two for an even count). */
    static double median(List<Double> values) {
        List<Double> v = new ArrayList<>(values);
        v.sort(null);
        int n = v.size();
        return n % 2 == 1 ? v.get(n / 2) : (v.get(n / 2 - 1) + v.get(n / 2)) / 2;
    }

    /**
     * {@code median× (min–max×)}, or the one value; {@code n/a} when no value is finite (a CPU
     * ratio over a phase too short for one 10 ms tick of the kernel path).
     */
    static String spread(List<Double> all) {
        List<Double> values = all.stream().filter(Double::isFinite).toList();
        if (values.isEmpty()) {
            return "n/a";
        }
        if (values.size() == 1) {
            return String.format("%.2f×", values.get(0));
        }
        return String.format("%.2f× (%.2f–%.2f×)", median(values), values.stream().min(Double::compare).orElseThrow(),
                values.stream().max(Double::compare).orElseThrow());
    }

    /**
     * The report's section heading for the paths asked for (each set of paths has its own section
     * in the document; one daemon path alone keeps the heading it had before HAProxy came).
     */
    static String heading(List<Route> paths) {
        if (paths.equals(List.of(Route.DISPATCH))) {
            return "## Real processes: kernel dispatch (SK_REUSEPORT program) vs the kernel's SO_REUSEPORT";
        }
        if (paths.equals(List.of(Route.HANDOFF))) {
            return "## Real processes: daemon → workers vs the kernel's SO_REUSEPORT";
        }
        List<String> t = paths.stream().map(r -> r.title).toList();
        String names = t.size() == 1 ? t.get(0)
                : String.join(", ", t.subList(0, t.size() - 1)) + " and " + t.get(t.size() - 1);
        return "## Real processes: " + names + " vs the kernel's SO_REUSEPORT";
    }

    static String report(List<Run> runs, Settings s, List<Route> measured, List<String> skipped, String haproxyVersion,
                         List<String> notes) {
        List<Phase> all = new ArrayList<>();
        runs.forEach(r -> all.addAll(r.phases()));
        StringBuilder b = new StringBuilder();
        b.append(heading(s.paths())).append("\n\n");
        b.append("<!-- generated by the command below; everything up to the next section is replaced by each --write -->\n\n");
        b.append("Command: `").append(s.command()).append("`  \n");
        b.append("Machine: ").append(machine()).append("\n\n");
        boolean twoClusters = measured.contains(Route.DISPATCH) && measured.contains(Route.HANDOFF);
        b.append("Worker processes: app1, app2, app3 with 1, 2, 3 workers (`hoststack worker`, JDK ")
                .append(Runtime.version().feature()).append(", SerialGC), each answering a connection with one line. Paths:\n\n");
        b.append("- **kernel SO_REUSEPORT** (the baseline): six sockets of one plain kernel SO_REUSEPORT group, one per"
                + " worker, held by the worker processes; the kernel's hash picks.\n");
        for (Route r : measured) {
            switch (r) {
                case DISPATCH -> b.append("- **kernel dispatch**: a daemon with `--dispatch kernel`; its group (`")
                        .append(s.selector()).append("`) is run by its SK_REUSEPORT program over six sockets the daemon"
                                + " made, each worker accepting on its own; the same worker processes as the baseline.\n");
                case HANDOFF -> b.append("- **hand-off**: a daemon with `--dispatch handoff` (one group, `").append(s.selector())
                        .append("`), which accepts every connection and hands it to a worker (SCM_RIGHTS)")
                        .append(twoClusters ? "; three worker processes of its own, started alike.\n"
                                : "; the same worker processes as the baseline.\n");
                case HAPROXY -> b.append("- **HAProxy**: ").append(haproxyVersion).append(" (`mode tcp`, `balance"
                        + " roundrobin`, its default threads, no health checks) in front of the baseline's worker processes,"
                        + " each worker listening on a port of its own.\n");
                default -> {
                }
            }
        }
        for (String line : skipped) {
            b.append("- ").append(line).append(line.endsWith(".") ? "\n" : ".\n");
        }
        for (String n : notes) {
            b.append("- ").append(n).append('\n');
        }
        b.append("\nThe client (the bench's JVM, one Netty epoll thread) keeps ").append(s.concurrency())
                .append(" connections in flight; each connects, reads the worker's one-line answer and closes (RST, no"
                        + " TIME_WAIT). ")
                .append(runs.size() == 1 ? "One run" : runs.size() + " runs, each with fresh processes")
                .append(": ").append(s.warmup()).append(" warm-up connections per path")
                .append(twoClusters ? " (through hand-off as many as the baseline's worker processes answer over all their"
                        + " paths, so that every worker process is warmed alike)" : "")
                .append(", then ").append(s.rounds())
                .append(s.rounds() == 1 ? " round" : " rounds").append(" of ").append(s.connections())
                .append(" connections per path, the paths' order rotating from round to round. Server CPU is user +"
                        + " system time of the workers serving the path and of the daemon or proxy on it (/proc/PID/stat,"
                        + " 10 ms ticks) over the phase, per connection. Latency is from the client's connect to the first"
                        + " byte of the worker's answer (HdrHistogram).\n\n");
        for (Route r : measured) {
            List<Double> rate = runs.stream().map(x -> x.rateRatio(r)).toList();
            List<Double> cpu = runs.stream().map(x -> x.cpuRatio(r)).toList();
            Phase t = sum(all, r);
            b.append(r.ratio).append(": **").append(spread(rate)).append("** the rate, ").append(spread(cpu))
                    .append(" the server CPU per connection")
                    .append(runs.size() == 1 ? "" : " (median over " + runs.size() + " runs, then min–max)")
                    .append(String.format("; %s %.1f µs per connection.%n%n", r == Route.HAPROXY ? "HAProxy" : "daemon",
                            t.middleCpuMicros()));
        }
        b.append(runs.size() == 1 ? "All rounds:\n\n" : "All runs pooled:\n\n");
        b.append("| path | connections | conn/s | server CPU µs/conn | of which daemon or proxy | p50 µs | p99 µs | failed |\n");
        b.append("|---|---:|---:|---:|---:|---:|---:|---:|\n");
        List<Route> rows = new ArrayList<>(measured);
        rows.add(Route.KERNEL);
        for (Route r : rows) {
            Phase p = sum(all, r);
            b.append(String.format("| %s | %d | %.0f | %.1f | %.1f | %d | %d | %d |%n", r.row, p.connections(), p.rate(),
                    p.serverCpuMicros(), p.middleCpuMicros(), p.latency().getValueAtPercentile(50),
                    p.latency().getValueAtPercentile(99), p.failed()));
        }
        b.append("\nPer run (each path's rate over the kernel's, pooled over the run's rounds, then round by round):\n\n");
        b.append("| run | load at start | path | conn/s | kernel conn/s | rate ratio | by round | CPU µs/conn"
                + " | kernel CPU µs/conn | of which daemon or proxy |\n");
        b.append("|---:|---:|---|---:|---:|---:|---|---:|---:|---:|\n");
        int i = 0;
        for (Run r : runs) {
            i++;
            Phase rk = r.total(Route.KERNEL);
            for (Route path : measured) {
                Phase rp = r.total(path);
                StringBuilder byRound = new StringBuilder();
                for (double x : r.roundRatios(path)) {
                    byRound.append(byRound.length() == 0 ? "" : ", ").append(String.format("%.2f", x));
                }
                b.append(String.format("| %d | %s | %s | %.0f | %.0f | %.2f× | %s | %.1f | %.1f | %.1f |%n", i,
                        r.loadAtStart(), path.key, rp.rate(), rk.rate(), r.rateRatio(path), byRound, rp.serverCpuMicros(),
                        rk.serverCpuMicros(), rp.middleCpuMicros()));
            }
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

    /** Replaces the section under {@code marker} (up to the next {@code ## } heading) in the document, or appends it. */
    static void writeSection(Path doc, String report, String marker) throws IOException {
        String text = Files.exists(doc) ? Files.readString(doc) : "# Benchmarks with real processes\n\n";
        int at = text.indexOf(marker + "\n");
        if (at >= 0) {
            int end = text.indexOf("\n## ", at + marker.length());
            text = text.substring(0, at) + report + (end >= 0 ? "\n" + text.substring(end + 1) : "");
        } else {
            text = text + (text.endsWith("\n\n") ? "" : "\n") + report;
        }
        Files.writeString(doc, text);
    }
}
