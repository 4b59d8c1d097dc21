/**
 * Turns the JMH JSON results and the memory and shares measurements of a {@code benchmarks/run}
 * into {@code docs/benchmarks.md} and its PNG charts (JFreeChart, headless).
 */
package dev.hoststack.bench.report;
