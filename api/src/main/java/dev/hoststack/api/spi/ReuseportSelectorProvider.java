package dev.hoststack.api.spi;

/**
 * A named reuseport selection policy: the plug-in point.
 *
 * <p>Found with {@link java.util.ServiceLoader}: list the implementation's binary name in
 * {@code META-INF/services/dev.hoststack.api.spi.ReuseportSelectorProvider}; on the class path it
 * needs a public no-argument constructor. Names are short lower-case aliases
 * ({@code roundrobin}, {@code hash}); two providers of one name make the stack refuse to start.
 */
public interface ReuseportSelectorProvider {

    /** The policy's name, as a listen or the stack's configuration names it. */
    String name();

    /** One line saying what the policy does, for listings. */
    default String description() {
        return name();
    }

    /**
     * Makes the selector for one group. Called on the control thread.
     *
     * @param context the group and the stack's configuration
     * @return a new selector; never shared between groups
     */
    ReuseportSelector create(SelectorContext context);
}
