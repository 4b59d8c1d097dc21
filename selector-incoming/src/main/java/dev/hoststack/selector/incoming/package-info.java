/**
 * The {@code incoming} selector: the receiving data thread's own worker of each member first (the
 * kernel's {@code SO_INCOMING_CPU} idea), round robin when it is congested.
 */
package dev.hoststack.selector.incoming;
