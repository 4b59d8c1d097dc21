package dev.hoststack.stack;

import jakarta.inject.Qualifier;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Qualifies the binding of the stack's default selector name, a {@code String}: the policy of
 * reuseport groups whose first listen names none. Bound by {@link StackModule} as an
 * {@code OptionalBinder} default ({@link StackConfig#defaultSelector()}, else
 * {@value StackConfig#BUILT_IN_DEFAULT_SELECTOR}); a module of your own replaces it with
 * {@code OptionalBinder.newOptionalBinder(binder(), Key.get(String.class, DefaultSelector.class))
 * .setBinding().toInstance("name")}. An unknown name fails the stack's creation, listing the known ones.
 */
@Qualifier
@Retention(RetentionPolicy.RUNTIME)
@Target({ElementType.FIELD, ElementType.PARAMETER, ElementType.METHOD})
public @interface DefaultSelector {
}
