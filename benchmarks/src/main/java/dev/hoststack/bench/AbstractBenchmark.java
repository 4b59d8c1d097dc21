package dev.hoststack.bench;

import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The one place that fixes how every benchmark runs: average time per operation in nanoseconds,
 * forks, warm-up, measurement, and the JVM flags of the forked JVMs.
 *
 * <p>These annotations are the <em>full</em> suite's settings ({@code benchmarks/run --full}).
 * The quick suite ({@code benchmarks/run}) overrides iteration counts and times on the JMH command
 * line (one fork, more and shorter iterations, see the script) so that the whole suite fits in ten
 * minutes on a 2-core machine; it never changes the JVM flags.
 *
 * <p>JVM flags, and why:
 * <ul>
 *   <li>{@code -Xms1g -Xmx1g}: a fixed heap, so that no benchmark measures heap resizing. 1 GiB
 *       holds the largest quick-suite state (a million IPv6 sessions in a {@code HashMap} beside the
 *       key and probe arrays, about 250 MB) with room to spare; the full suite's 10M-session
 *       lookups raise it on the command line.</li>
 *   <li>{@code -XX:+AlwaysPreTouch} only where memory matters: {@link AbstractMemoryBenchmark}
 *       (the established lookups and the pointer chase). Touching every page of the heap at start
 *       costs about a second per fork on this machine, and the other benchmarks' state is small
 *       and touched at setup anyway.</li>
 *   <li>G1, the default collector, is kept on purpose: it is what users run. Transparent huge
 *       pages are left at the machine's default (madvise; the JVM does not ask for them), as in the
 *       pointer-chase figures of SPEC §6 that the lookups are compared with.</li>
 * </ul>
 *
 * <p>Benchmark methods named {@code hoststack...} measure this project's code; every other
 * method is a baseline or a component, as its Javadoc says. The report generator relies on that
 * naming.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(value = 2, jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
@Warmup(iterations = 5, time = 1, timeUnit = TimeUnit.SECONDS)
@Measurement(iterations = 5, time = 1, timeUnit = TimeUnit.SECONDS)
public abstract class AbstractBenchmark {

    /** Protocol number of TCP, as in the keys. */
    protected static final int TCP = 6;
}
