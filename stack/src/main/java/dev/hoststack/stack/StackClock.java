package dev.hoststack.stack;

import jakarta.inject.Qualifier;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Qualifies the binding of the stack's nanosecond clock, a {@code java.util.function.LongSupplier}
 * (the TCP transport's handshake timeouts read it on data threads, so it must be cheap and
 * thread-safe). Bound by {@link StackModule} to {@link StackConfig#clock()} as an
 * {@code OptionalBinder} default; a module of your own replaces it with
 * {@code OptionalBinder.newOptionalBinder(binder(), Key.get(LongSupplier.class, StackClock.class))
 * .setBinding().toInstance(yourClock)}.
 */
@Qualifier
@Retention(RetentionPolicy.RUNTIME)
@Target({ElementType.FIELD, ElementType.PARAMETER, ElementType.METHOD})
public @interface StackClock {
}
