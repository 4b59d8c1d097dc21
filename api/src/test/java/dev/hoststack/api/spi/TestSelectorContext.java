package dev.hoststack.api.spi;

import dev.hoststack.api.Endpoint;

/**
 * A {@link SelectorContext} for selector tests.
 *
 * @param threads    the number of data threads (thread indices 0..threads-1)
 * @param hashSecret the stack's hash secret
 * @param groupIndex the group's index
 * @param endpoint   the group's endpoint
 */
public record TestSelectorContext(int threads, int hashSecret, int groupIndex, Endpoint endpoint)
        implements SelectorContext {

    /** A context for {@code group}'s index and endpoint. */
    public static TestSelectorContext of(ReuseportGroupView group, int threads, int hashSecret) {
        return new TestSelectorContext(threads, hashSecret, group.index(), group.endpoint());
    }
}
