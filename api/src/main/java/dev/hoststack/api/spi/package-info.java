/**
 * The reuseport selection SPI: how a group of listeners on one endpoint picks the app worker for
 * each new connection.
 *
 * <p>A {@link dev.hoststack.api.spi.ReuseportSelectorProvider} is found with
 * {@link java.util.ServiceLoader} (a {@code META-INF/services} entry) and known by its
 * {@link dev.hoststack.api.spi.ReuseportSelectorProvider#name() name}; the stack creates one
 * {@link dev.hoststack.api.spi.ReuseportSelector} per group from it. See
 * {@link dev.hoststack.api.spi.ReuseportSelector} for the contract.
 */
package dev.hoststack.api.spi;
