/**
 * JMH benchmarks of the session table, listener lookup, selection, the SYN-to-accept path, the
 * control plane and concurrent lookups, each with the baseline a Java developer would otherwise
 * write measured in the same run on the same keys. {@link dev.hoststack.bench.AbstractBenchmark}
 * fixes forks, warm-up, measurement and JVM flags for all of them.
 *
 * <p>Run with {@code benchmarks/run} (quick suite) or {@code benchmarks/run --full}; both write
 * JMH JSON under {@code benchmarks/target/} and regenerate {@code docs/benchmarks.md}.
 */
package dev.hoststack.bench;
