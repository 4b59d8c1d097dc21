package org.example.selector;

import dev.hoststack.api.spi.ReuseportSelectorContract;
import dev.hoststack.api.spi.ReuseportSelectorProvider;

/**
 * The contract every selector keeps (hoststack-api's test-jar): valid answers on random groups,
 * from several threads, during membership changes, without allocating or throwing.
 */
class SourceAffinityContractTest extends ReuseportSelectorContract {

    @Override
    protected ReuseportSelectorProvider provider() {
        return new SourceAffinitySelectorProvider();
    }
}
