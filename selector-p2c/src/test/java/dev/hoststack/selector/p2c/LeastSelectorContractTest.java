package dev.hoststack.selector.p2c;

import dev.hoststack.api.spi.ReuseportSelectorContract;
import dev.hoststack.api.spi.ReuseportSelectorProvider;

/** {@code least} keeps the selector contract. */
class LeastSelectorContractTest extends ReuseportSelectorContract {

    @Override
    protected ReuseportSelectorProvider provider() {
        return new LeastSelectorProvider();
    }
}
