/**
 * Measurements that are not timings, run by {@code benchmarks/run} beside JMH: bytes per session
 * ({@link dev.hoststack.bench.tools.MemoryFootprint}) and how selectors share connections among
 * workers ({@link dev.hoststack.bench.tools.SelectorShares}). Each writes a JSON file that the
 * report generator reads.
 */
package dev.hoststack.bench.tools;
