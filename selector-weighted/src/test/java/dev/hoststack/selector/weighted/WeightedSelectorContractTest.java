package dev.hoststack.selector.weighted;

import dev.hoststack.api.spi.ReuseportSelectorContract;
import dev.hoststack.api.spi.ReuseportSelectorProvider;

/** {@code weighted} keeps the selector contract. */
class WeightedSelectorContractTest extends ReuseportSelectorContract {

    @Override
    protected ReuseportSelectorProvider provider() {
        return new WeightedSelectorProvider();
    }
}
