package dev.hoststack.stack;

import com.google.inject.AbstractModule;
import com.google.inject.Key;
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
import java.util.function.LongSupplier;

/**
 * Wires a stack: the session layer, the TCP transport registered in it, the reuseport groups
 * installed in it, and the selector registry from the {@code MapBinder} of providers and the
 * {@link DefaultSelector} name ({@code roundrobin} unless the configuration names another).
 * Free of side effects until the injector creates the objects.
 *
 * <h2>Binding points</h2>
 * A module of your own, passed to {@link Stack#create(StackConfig, com.google.inject.Module...)},
 * may change exactly these:
 * <ul>
 *   <li>{@code MapBinder<String, ReuseportSelectorProvider>}: add selectors by name (beside those
 *       {@link SelectorModule} finds with {@code ServiceLoader}; two of one name fail creation);</li>
 *   <li>{@code OptionalBinder} of {@code @DefaultSelector String}: the default policy
 *       ({@link DefaultSelector});</li>
 *   <li>{@code OptionalBinder} of {@code @StackClock LongSupplier}: the nanosecond clock
 *       ({@link StackClock}).</li>
 * </ul>
 * Everything else ({@link StackConfig}, {@link SessionLayer}, {@link TcpTransport},
 * {@link ReuseportGroupTable}, {@link SelectorRegistry}, {@link Stack}) is bound once here, and
 * binding it again fails creation (Guice: "was bound multiple times"). Do not replace them
 * with {@code Modules.override} either: the transport registers itself in, and the groups are
 * installed into, the one session layer they were made with, so a replaced one would be wired
 * to nothing. Change them through {@link StackConfig} instead.
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
        // defaults only: a user's module may set either binding and wins over the configuration
        OptionalBinder.newOptionalBinder(binder(), Key.get(String.class, DefaultSelector.class))
                .setDefault().toInstance(config.defaultSelector() != null
                        ? config.defaultSelector() : StackConfig.BUILT_IN_DEFAULT_SELECTOR);
        OptionalBinder.newOptionalBinder(binder(), Key.get(LongSupplier.class, StackClock.class))
                .setDefault().toInstance(config.clock());
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
    TcpTransport tcpTransport(SessionLayer layer, @StackClock LongSupplier clock) {
        return new TcpTransport(layer, config.tcp(), clock);
    }

    @Provides
    @Singleton
    ReuseportGroupTable reuseportGroups(SessionLayer layer, SelectorRegistry selectors) {
        return new ReuseportGroupTable(layer, selectors, config.reuseport());
    }
}
