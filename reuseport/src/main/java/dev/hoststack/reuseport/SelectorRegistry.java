package dev.hoststack.reuseport;

import static java.util.Objects.requireNonNull;

import com.google.common.collect.ImmutableSortedMap;
import dev.hoststack.api.SessionError;
import dev.hoststack.api.spi.ReuseportSelectorProvider;
import java.util.Map;

/**
 * The selector providers a stack knows, by name, and its default. The set of providers is fixed;
 * the default may be changed on the control thread and applies to groups created afterwards.
 */
public final class SelectorRegistry {

    private final ImmutableSortedMap<String, ReuseportSelectorProvider> providers;
    private volatile String defaultName;

    /**
     * @param providers   providers by name
     * @param defaultName the stack's default policy
     * @throws dev.hoststack.api.SessionException {@link SessionError#UNKNOWN_SELECTOR} if the
     *         default is not among them
     */
    public SelectorRegistry(Map<String, ReuseportSelectorProvider> providers, String defaultName) {
        this.providers = ImmutableSortedMap.copyOf(requireNonNull(providers, "providers"));
        this.defaultName = requireNonNull(defaultName, "defaultName");
        provider(defaultName);
    }

    /** The default policy's name. */
    public String defaultName() {
        return defaultName;
    }

    /**
     * Changes the default policy for groups created from now on (control thread).
     *
     * @throws dev.hoststack.api.SessionException {@link SessionError#UNKNOWN_SELECTOR}
     */
    public void defaultName(String name) {
        provider(requireNonNull(name, "name"));
        this.defaultName = name;
    }

    /** Every provider, by name. */
    public Map<String, ReuseportSelectorProvider> providers() {
        return providers;
    }

    /**
     * The provider of a name; null means the default.
     *
     * @throws dev.hoststack.api.SessionException {@link SessionError#UNKNOWN_SELECTOR}, listing the known names
     */
    public ReuseportSelectorProvider provider(String name) {
        String n = name == null ? defaultName : name;
        ReuseportSelectorProvider p = providers.get(n);
        if (p == null) {
            throw SessionError.UNKNOWN_SELECTOR.exception("no reuseport selector named '%s' (known: %s)",
                    n, String.join(", ", providers.keySet()));
        }
        return p;
    }
}
