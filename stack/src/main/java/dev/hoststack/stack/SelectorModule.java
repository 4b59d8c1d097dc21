package dev.hoststack.stack;

import com.google.inject.AbstractModule;
import com.google.inject.multibindings.MapBinder;
import dev.hoststack.api.spi.ReuseportSelectorProvider;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.ServiceLoader;

/**
 * Binds every {@link ReuseportSelectorProvider} that {@link ServiceLoader} finds on the class
 * path into a {@code MapBinder<String, ReuseportSelectorProvider>} under its
 * {@link ReuseportSelectorProvider#name() name}. Two providers of one name fail the stack's
 * creation with a message naming both classes.
 *
 * <p>To add a selector without a {@code META-INF/services} entry, bind it in a module of your own:
 * {@code MapBinder.newMapBinder(binder(), String.class, ReuseportSelectorProvider.class)
 * .addBinding("mine").toInstance(new MySelectorProvider())}.
 */
public final class SelectorModule extends AbstractModule {

    private final Map<String, ReuseportSelectorProvider> found;

    /** Finds the providers with the thread's context class loader (or this class's). */
    public SelectorModule() {
        this(Thread.currentThread().getContextClassLoader() != null
                ? Thread.currentThread().getContextClassLoader()
                : SelectorModule.class.getClassLoader());
    }

    /** Finds the providers with the given class loader. */
    public SelectorModule(ClassLoader loader) {
        this.found = load(loader);
    }

    /**
     * The providers {@link ServiceLoader} finds, by name.
     *
     * @throws IllegalStateException if two share a name
     */
    static Map<String, ReuseportSelectorProvider> load(ClassLoader loader) {
        Map<String, ReuseportSelectorProvider> byName = new LinkedHashMap<>();
        for (ReuseportSelectorProvider p : ServiceLoader.load(ReuseportSelectorProvider.class, loader)) {
            ReuseportSelectorProvider other = byName.putIfAbsent(p.name(), p);
            if (other != null) {
                throw new IllegalStateException("two reuseport selector providers are named '" + p.name() + "': "
                        + other.getClass().getName() + " and " + p.getClass().getName()
                        + "; remove one jar from the class path or rename one");
            }
        }
        return byName;
    }

    @Override
    protected void configure() {
        MapBinder<String, ReuseportSelectorProvider> providers =
                MapBinder.newMapBinder(binder(), String.class, ReuseportSelectorProvider.class);
        for (Map.Entry<String, ReuseportSelectorProvider> e : found.entrySet()) {
            providers.addBinding(e.getKey()).toInstance(e.getValue());
        }
    }
}
