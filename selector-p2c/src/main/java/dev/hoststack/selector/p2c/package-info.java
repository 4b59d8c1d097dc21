/**
 * Load-aware selectors over a reuseport group's worker slots, reading the live pending load the
 * view gives ({@link dev.hoststack.api.spi.ReuseportGroupView#slotPending}):
 * {@code p2c}, power of two choices (Mitzenmacher), and {@code least}, the exact least loaded.
 */
package dev.hoststack.selector.p2c;
