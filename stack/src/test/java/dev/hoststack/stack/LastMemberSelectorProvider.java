package dev.hoststack.stack;

import dev.hoststack.api.spi.ReuseportSelector;
import dev.hoststack.api.spi.ReuseportSelectorProvider;
import dev.hoststack.api.spi.SelectorContext;

/**
 * A third-party selector that lives only in this test source set, registered by its own
 * META-INF/services entry: always the newest member's first worker.
 */
public final class LastMemberSelectorProvider implements ReuseportSelectorProvider {

    /** For ServiceLoader. */
    public LastMemberSelectorProvider() {
    }

    @Override
    public String name() {
        return "last-member";
    }

    @Override
    public ReuseportSelector create(SelectorContext context) {
        return (group, flow, thread) -> {
            int m = group.memberCount() - 1;
            return group.memberFirstSlot(m);
        };
    }
}
