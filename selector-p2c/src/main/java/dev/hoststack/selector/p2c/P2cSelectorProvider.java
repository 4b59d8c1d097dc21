package dev.hoststack.selector.p2c;

import dev.hoststack.api.spi.ReuseportSelector;
import dev.hoststack.api.spi.ReuseportSelectorProvider;
import dev.hoststack.api.spi.SelectorContext;

/**
 * Provides {@code p2c}: power of two choices over worker slots by pending load. Found by
 * {@link java.util.ServiceLoader}.
 */
public final class P2cSelectorProvider implements ReuseportSelectorProvider {

    /** The policy's name. */
    public static final String NAME = "p2c";

    /** For {@link java.util.ServiceLoader}. */
    public P2cSelectorProvider() {
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public String description() {
        return "power of two choices: of two random workers, the one with fewer pending connections";
    }

    /** The generators are seeded from the stack's hash secret and the group's index. */
    @Override
    public ReuseportSelector create(SelectorContext context) {
        long seed = (long) context.hashSecret() << 32 ^ (context.groupIndex() & 0xFFFF_FFFFL) ^ 0x70C2_5EEDL;
        return new PowerOfTwoChoicesSelector(context.threads(), seed);
    }
}
