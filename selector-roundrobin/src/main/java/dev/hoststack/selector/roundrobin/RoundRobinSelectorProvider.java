package dev.hoststack.selector.roundrobin;

import dev.hoststack.api.spi.ReuseportSelector;
import dev.hoststack.api.spi.ReuseportSelectorProvider;
import dev.hoststack.api.spi.SelectorContext;

/**
 * Provides {@code roundrobin}: applications in join order, then each application's workers.
 * Found by {@link java.util.ServiceLoader}.
 */
public final class RoundRobinSelectorProvider implements ReuseportSelectorProvider {

    /** The policy's name. */
    public static final String NAME = "roundrobin";

    /** For {@link java.util.ServiceLoader}. */
    public RoundRobinSelectorProvider() {
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public String description() {
        return "round robin over applications in join order, then over that application's workers";
    }

    @Override
    public ReuseportSelector create(SelectorContext context) {
        return new RoundRobinSelector(context.threads());
    }
}
