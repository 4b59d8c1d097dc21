package dev.hoststack.selector.weighted;

import dev.hoststack.api.spi.ReuseportSelector;
import dev.hoststack.api.spi.ReuseportSelectorProvider;
import dev.hoststack.api.spi.SelectorContext;

/**
 * Provides {@code weighted}: smooth weighted round robin over members by weight, then round robin
 * over the member's workers. Found by {@link java.util.ServiceLoader}.
 */
public final class WeightedSelectorProvider implements ReuseportSelectorProvider {

    /** The policy's name. */
    public static final String NAME = "weighted";

    /** For {@link java.util.ServiceLoader}. */
    public WeightedSelectorProvider() {
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public String description() {
        return "smooth weighted round robin (nginx) over applications by weight, then their workers";
    }

    @Override
    public ReuseportSelector create(SelectorContext context) {
        return new WeightedSelector(context.threads());
    }
}
