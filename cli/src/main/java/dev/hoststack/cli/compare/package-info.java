/**
 * {@code hoststack compare}: every installed selector through one workload on a real stack with a
 * simulated clock ({@link dev.hoststack.cli.compare.Simulation}), the workload file
 * ({@link dev.hoststack.cli.compare.Workload}) and the report ({@link dev.hoststack.cli.compare.Report}).
 */
package dev.hoststack.cli.compare;
