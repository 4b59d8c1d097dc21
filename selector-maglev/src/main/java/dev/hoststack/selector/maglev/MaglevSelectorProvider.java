package dev.hoststack.selector.maglev;

import dev.hoststack.api.spi.ReuseportSelector;
import dev.hoststack.api.spi.ReuseportSelectorProvider;
import dev.hoststack.api.spi.SelectorContext;

/**
 * Provides {@code maglev}: Maglev consistent hashing over worker slots. Found by
 * {@link java.util.ServiceLoader}.
 */
public final class MaglevSelectorProvider implements ReuseportSelectorProvider {

    /** The policy's name. */
    public static final String NAME = "maglev";

    /** For {@link java.util.ServiceLoader}. */
    public MaglevSelectorProvider() {
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public String description() {
        return "Maglev consistent hashing of the 4-tuple over workers: few flows move on a change";
    }

    @Override
    public ReuseportSelector create(SelectorContext context) {
        return new MaglevSelector(context.hashSecret());
    }
}
