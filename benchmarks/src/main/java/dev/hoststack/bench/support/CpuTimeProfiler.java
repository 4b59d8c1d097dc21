package dev.hoststack.bench.support;

import java.lang.management.ManagementFactory;
import java.util.Collection;
import java.util.List;
import org.openjdk.jmh.infra.BenchmarkParams;
import org.openjdk.jmh.infra.IterationParams;
import org.openjdk.jmh.profile.InternalProfiler;
import org.openjdk.jmh.results.AggregationPolicy;
import org.openjdk.jmh.results.IterationResult;
import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.ScalarResult;

/**
 * A JMH profiler that reports the benchmark JVM's CPU time per operation beside the wall-clock
 * score: {@code -prof dev.hoststack.bench.support.CpuTimeProfiler}.
 *
 * <p>On a shared machine whose load average exceeds its cores, a benchmark thread spends much of
 * an iteration waiting for a core; the wall-clock score counts that wait, the CPU time does not.
 * CPU time per operation is therefore the steadier figure for comparing two implementations
 * measured one after the other there (it still includes what sharing caches and cores with other
 * processes costs). It is the process's CPU time ({@code CLOCK_PROCESS_CPUTIME_ID} through
 * {@link com.sun.management.OperatingSystemMXBean#getProcessCpuTime}) over the iteration divided
 * by the operations the iteration measured, so it also counts the JIT compiler and the garbage
 * collector: after warm-up, in an allocation-free benchmark, those are close to nothing. With
 * several benchmark threads it is the CPU time of all of them per operation.
 *
 * <p>Secondary results: {@code ·cpu.time} (ns of CPU per operation) and {@code ·load.avg} (the
 * machine's one-minute load average at the end of the iteration, to say how loaded it was).
 *
 * <p>Threading: JMH calls a profiler instance from its own thread, before and after each
 * iteration; nothing here is shared.
 */
public final class CpuTimeProfiler implements InternalProfiler {

    private final com.sun.management.OperatingSystemMXBean os;
    private long cpuAtStart;

    /** JMH makes the instance (public no-argument constructor). */
    public CpuTimeProfiler() {
        if (!(ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean bean)) {
            throw new IllegalStateException("this JVM gives no process CPU time "
                    + "(com.sun.management.OperatingSystemMXBean is missing): run without -prof "
                    + CpuTimeProfiler.class.getName());
        }
        this.os = bean;
    }

    @Override
    public String getDescription() {
        return "the benchmark JVM's CPU time per operation (ns), and the load average";
    }

    @Override
    public void beforeIteration(BenchmarkParams benchmarkParams, IterationParams iterationParams) {
        cpuAtStart = os.getProcessCpuTime();
    }

    @Override
    @SuppressWarnings("rawtypes") // InternalProfiler's own signature uses the raw Result
    public Collection<? extends Result> afterIteration(BenchmarkParams benchmarkParams, IterationParams iterationParams,
            IterationResult result) {
        final long cpu = os.getProcessCpuTime() - cpuAtStart;
        final long ops = result.getMetadata().getMeasuredOps();
        if (cpu < 0 || ops <= 0) {
            return List.of();
        }
        return List.of(
                new ScalarResult("cpu.time", (double) cpu / ops, "ns/op", AggregationPolicy.AVG),
                new ScalarResult("load.avg", os.getSystemLoadAverage(), "load", AggregationPolicy.AVG));
    }
}
