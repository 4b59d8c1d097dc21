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
 * line ({@code -f 1 -wi 2 -w 400ms -i 3 -r 400ms}) so that the whole suite fits in ten minutes on
 * a 2-core machine; it never changes the JVM flags.
 *
 * <p>JVM flags, and why:
 * <ul>
 *   <li>{@code -Xms2g -Xmx2g}: a fixed heap, so that no benchmark measures heap resizing. 2 GiB
 *       holds the largest quick-suite state (a million IPv6 sessions in a {@code HashMap} beside the
 *       probe arrays) with room to spare; the full suite's 10M-entry lookups override it.</li>
 *   <li>{@code -XX:+AlwaysPreTouch}: the heap's pages are touched at start, so the first touches
 *       of a million-entry table are not page faults counted as lookups.</li>
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
@Fork(value = 2, jvmArgsAppend = {"-Xms2g", "-Xmx2g", "-XX:+AlwaysPreTouch"})
@Warmup(iterations = 5, time = 1, timeUnit = TimeUnit.SECONDS)
@Measurement(iterations = 5, time = 1, timeUnit = TimeUnit.SECONDS)
public abstract class AbstractBenchmark {

    /** Protocol number of TCP, as in the keys. */
    protected static final int TCP = 6;
}
