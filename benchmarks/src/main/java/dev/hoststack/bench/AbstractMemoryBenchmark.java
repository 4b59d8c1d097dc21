package dev.hoststack.bench;

import org.openjdk.jmh.annotations.Fork;

/**
 * The base of benchmarks whose subject is memory access (lookups in large tables, the pointer
 * chase): as {@link AbstractBenchmark}, plus {@code -XX:+AlwaysPreTouch}, so that the heap's pages
 * are mapped before setup builds the tables and no first touch of a page is counted as a lookup.
 */
@Fork(value = 2, jvmArgsAppend = {"-Xms1g", "-Xmx1g", "-XX:+AlwaysPreTouch"})
public abstract class AbstractMemoryBenchmark extends AbstractBenchmark {
}
