package dev.hoststack.bench;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hoststack.bench.support.CpuTimeProfiler;
import java.util.Collection;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.Options;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

/**
 * CI's smoke test of the benchmark module: the annotation processor generated the benchmarks, and
 * one of them runs in this JVM (no fork, no warm-up, one 100 ms iteration) against a real stack
 * and produces a result. No timing is asserted: CI machines are shared.
 */
class BenchmarkSmokeTest {

    @Test
    void listenerLookupRunsAndProducesAResult() throws RunnerException {
        Options options = new OptionsBuilder()
                .include(ListenerLookupBenchmark.class.getName() + ".hoststack$")
                .param("listener", "groupRoundRobin")
                .forks(0)
                .warmupIterations(0)
                .measurementIterations(1)
                .measurementTime(TimeValue.milliseconds(100))
                .timeUnit(TimeUnit.NANOSECONDS)
                .shouldFailOnError(true)
                .build();
        Collection<RunResult> results = new Runner(options).run();
        assertThat(results).hasSize(1);
        RunResult r = results.iterator().next();
        assertThat(r.getParams().getBenchmark()).endsWith("ListenerLookupBenchmark.hoststack");
        assertThat(r.getPrimaryResult().getSampleCount()).isPositive();
        assertThat(r.getPrimaryResult().getScore()).isPositive().isFinite();
    }

    @Test
    void cpuTimeProfilerReportsCpuTimePerOperationAndTheLoad() throws RunnerException {
        Options options = new OptionsBuilder()
                .include(SelectionBenchmark.class.getName() + ".baseline$")
                .param("selector", "roundrobin")
                .param("shape", "seed")
                .forks(0)
                .warmupIterations(0)
                .measurementIterations(2)
                .measurementTime(TimeValue.milliseconds(100))
                .timeUnit(TimeUnit.NANOSECONDS)
                .addProfiler(CpuTimeProfiler.class)
                .shouldFailOnError(true)
                .build();
        Collection<RunResult> results = new Runner(options).run();
        assertThat(results).hasSize(1);
        RunResult r = results.iterator().next();
        Result<?> cpu = r.getSecondaryResults().get("cpu.time");
        assertThat(cpu).as("secondary results %s have cpu.time", r.getSecondaryResults().keySet()).isNotNull();
        assertThat(cpu.getScoreUnit()).isEqualTo("ns/op");
        assertThat(cpu.getScore()).as("CPU ns per operation").isPositive().isFinite();
        Result<?> load = r.getSecondaryResults().get("load.avg");
        assertThat(load).as("secondary results %s have load.avg", r.getSecondaryResults().keySet()).isNotNull();
        assertThat(load.getScore()).as("load average (-1 only where the OS gives none)").isGreaterThanOrEqualTo(0);
    }
}
