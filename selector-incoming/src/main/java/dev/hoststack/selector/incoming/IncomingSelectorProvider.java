package dev.hoststack.selector.incoming;

import dev.hoststack.api.spi.ReuseportSelector;
import dev.hoststack.api.spi.ReuseportSelectorProvider;
import dev.hoststack.api.spi.SelectorContext;

/**
 * Provides {@code incoming}: the receiving data thread's own worker of each member (the
 * SO_INCOMING_CPU idea), round robin over the member's workers when it is congested. Found by
 * {@link java.util.ServiceLoader}.
 */
public final class IncomingSelectorProvider implements ReuseportSelectorProvider {

    /** The policy's name. */
    public static final String NAME = "incoming";

    /** For {@link java.util.ServiceLoader}. */
    public IncomingSelectorProvider() {
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public String description() {
        return "the receiving data thread's own worker (SO_INCOMING_CPU's idea), else round robin";
    }

    @Override
    public ReuseportSelector create(SelectorContext context) {
        return new IncomingSelector(context.threads());
    }
}
