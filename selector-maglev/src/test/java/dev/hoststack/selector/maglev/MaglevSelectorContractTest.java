package dev.hoststack.selector.maglev;

import dev.hoststack.api.spi.ReuseportSelectorContract;
import dev.hoststack.api.spi.ReuseportSelectorProvider;

/** {@code maglev} keeps the selector contract. */
class MaglevSelectorContractTest extends ReuseportSelectorContract {

    @Override
    protected ReuseportSelectorProvider provider() {
        return new MaglevSelectorProvider();
    }
}
