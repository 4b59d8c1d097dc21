/**
 * What the benchmarks share: reproducible 5-tuple keys and probe sequences, the baselines' key
 * records and maps, and pre-parsed segments as flows. Not part of any measured path except where a
 * benchmark's Javadoc says so.
 */
package dev.hoststack.bench.support;
