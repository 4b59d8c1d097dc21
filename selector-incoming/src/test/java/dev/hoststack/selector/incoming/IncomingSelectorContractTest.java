package dev.hoststack.selector.incoming;

import dev.hoststack.api.spi.ReuseportSelectorContract;
import dev.hoststack.api.spi.ReuseportSelectorProvider;

/** {@code incoming} keeps the selector contract. */
class IncomingSelectorContractTest extends ReuseportSelectorContract {

    @Override
    protected ReuseportSelectorProvider provider() {
        return new IncomingSelectorProvider();
    }
}
