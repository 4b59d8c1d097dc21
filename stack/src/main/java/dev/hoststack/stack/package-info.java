/**
 * Composition: {@link dev.hoststack.stack.Stack} builds a running stack (session layer, TCP
 * transport, reuseport groups, selectors) from a {@link dev.hoststack.stack.StackConfig} with
 * Guice. Selector plug-ins are found with {@link java.util.ServiceLoader} and bound by name in a
 * {@code MapBinder} ({@link dev.hoststack.stack.SelectorModule}).
 */
package dev.hoststack.stack;
