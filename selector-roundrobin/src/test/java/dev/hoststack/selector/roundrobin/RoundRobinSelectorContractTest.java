package dev.hoststack.selector.roundrobin;

import dev.hoststack.api.spi.ReuseportSelectorContract;
import dev.hoststack.api.spi.ReuseportSelectorProvider;

/** {@code roundrobin} keeps the selector contract. */
class RoundRobinSelectorContractTest extends ReuseportSelectorContract {

    @Override
    protected ReuseportSelectorProvider provider() {
        return new RoundRobinSelectorProvider();
    }
}
