/**
 * The {@code maglev} selector: Maglev consistent hashing (Eisenbud et al., "Maglev: A Fast and
 * Reliable Software Network Load Balancer", NSDI 2016, §3.4) over a reuseport group's worker
 * slots. Its lookup table can be built and read out on its own ({@link dev.hoststack.selector.maglev.MaglevTable}).
 */
package dev.hoststack.selector.maglev;
