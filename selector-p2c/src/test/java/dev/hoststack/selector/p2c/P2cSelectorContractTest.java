package dev.hoststack.selector.p2c;

import dev.hoststack.api.spi.ReuseportSelectorContract;
import dev.hoststack.api.spi.ReuseportSelectorProvider;

/** {@code p2c} keeps the selector contract. */
class P2cSelectorContractTest extends ReuseportSelectorContract {

    @Override
    protected ReuseportSelectorProvider provider() {
        return new P2cSelectorProvider();
    }
}
