package dev.hoststack.selector.hash;

import dev.hoststack.api.spi.ReuseportSelectorContract;
import dev.hoststack.api.spi.ReuseportSelectorProvider;

/** {@code hash} keeps the selector contract. */
class HashSelectorContractTest extends ReuseportSelectorContract {

    @Override
    protected ReuseportSelectorProvider provider() {
        return new HashSelectorProvider();
    }
}
