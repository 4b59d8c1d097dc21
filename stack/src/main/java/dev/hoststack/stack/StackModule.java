package dev.hoststack.stack;

import com.google.inject.AbstractModule;
import com.google.inject.Provides;
import com.google.inject.Singleton;
import com.google.inject.multibindings.MapBinder;
import com.google.inject.multibindings.OptionalBinder;
import dev.hoststack.api.spi.ReuseportSelectorProvider;
import dev.hoststack.reuseport.ReuseportGroupTable;
import dev.hoststack.reuseport.SelectorRegistry;
import dev.hoststack.session.SessionLayer;
import dev.hoststack.tcp.TcpTransport;
import java.lang.System.Logger.Level;
import java.util.Map;

/**
 * Wires a stack: the session layer, the TCP transport registered in it, the reuseport groups
 * installed in it, and the selector registry from the {@code MapBinder} of providers and the
 * {@link DefaultSelector} name ({@code roundrobin} unless the configuration names another).
 * Free of side effects until the injector creates the objects.
 */
public final class StackModule extends AbstractModule {

    private static final System.Logger LOG = System.getLogger(StackModule.class.getName());

    private final StackConfig config;

    /** A module for one configuration. */
    public StackModule(StackConfig config) {
        this.config = config;
    }

    @Override
    protected void configure() {
        bind(StackConfig.class).toInstance(config);
        MapBinder.newMapBinder(binder(), String.class, ReuseportSelectorProvider.class);
        OptionalBinder<String> defaultSelector = OptionalBinder.newOptionalBinder(binder(),
                com.google.inject.Key.get(String.class, DefaultSelector.class));
        defaultSelector.setDefault().toInstance(StackConfig.BUILT_IN_DEFAULT_SELECTOR);
        if (config.defaultSelector() != null) {
            defaultSelector.setBinding().toInstance(config.defaultSelector());
        }
        bind(Stack.class).in(Singleton.class);
    }

    @Provides
    @Singleton
    SelectorRegistry selectorRegistry(Map<String, ReuseportSelectorProvider> providers,
                                      @DefaultSelector String defaultName) {
        SelectorRegistry registry = new SelectorRegistry(providers, defaultName);
        LOG.log(Level.DEBUG, () -> "reuseport selectors found: " + providers.keySet() + "; default: " + defaultName);
        return registry;
    }

    @Provides
    @Singleton
    SessionLayer sessionLayer() {
        SessionLayer layer = new SessionLayer(config.session());
        for (StackConfig.Namespace ns : config.namespaces()) {
            layer.addNamespace(ns.name(), ns.secret(), ns.fib());
        }
        return layer;
    }

    @Provides
    @Singleton
    TcpTransport tcpTransport(SessionLayer layer) {
        return new TcpTransport(layer, config.tcp(), config.clock());
    }

    @Provides
    @Singleton
    ReuseportGroupTable reuseportGroups(SessionLayer layer, SelectorRegistry selectors) {
        return new ReuseportGroupTable(layer, selectors, config.reuseport());
    }
}
