package dev.hoststack.selector.hash;

import dev.hoststack.api.spi.ReuseportSelector;
import dev.hoststack.api.spi.ReuseportSelectorProvider;
import dev.hoststack.api.spi.SelectorContext;

/**
 * Provides {@code hash}: the kernel's {@code reciprocal_scale(jhash_3words(...), n)} over all
 * workers. Found by {@link java.util.ServiceLoader}.
 */
public final class HashSelectorProvider implements ReuseportSelectorProvider {

    /** The policy's name. */
    public static final String NAME = "hash";

    /** For {@link java.util.ServiceLoader}. */
    public HashSelectorProvider() {
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public String description() {
        return "the kernel's hash of the 4-tuple over every worker of every member (SO_REUSEPORT)";
    }

    @Override
    public ReuseportSelector create(SelectorContext context) {
        return new HashSelector(context.hashSecret());
    }
}
