package dev.hoststack.selector.p2c;

import dev.hoststack.api.spi.ReuseportSelector;
import dev.hoststack.api.spi.ReuseportSelectorProvider;
import dev.hoststack.api.spi.SelectorContext;

/**
 * Provides {@code least}: the exact least loaded worker slot, ties taken in turn. Found by
 * {@link java.util.ServiceLoader}.
 */
public final class LeastSelectorProvider implements ReuseportSelectorProvider {

    /** The policy's name. */
    public static final String NAME = "least";

    /** For {@link java.util.ServiceLoader}. */
    public LeastSelectorProvider() {
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public String description() {
        return "least loaded: the worker with the fewest pending (then established) connections";
    }

    @Override
    public ReuseportSelector create(SelectorContext context) {
        return new LeastLoadedSelector(context.threads());
    }
}
