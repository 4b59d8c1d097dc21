package dev.hoststack.api.spi;

import dev.hoststack.api.Endpoint;

/**
 * What a selector is created with: the group it will serve and the stack's configuration.
 */
public interface SelectorContext {

    /** The number of data threads; {@code thread} arguments are in 0..threads()-1. */
    int threads();

    /** The stack's hash secret (the kernel's per-boot random; here configuration, so choices repeat). */
    int hashSecret();

    /** The group's index. */
    int groupIndex();

    /** The group's endpoint. */
    Endpoint endpoint();
}
