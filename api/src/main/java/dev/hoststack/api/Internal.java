package dev.hoststack.api;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Marks a public member (or type) that is not API: public only so that hoststack's own modules can
 * wire themselves together (the session layer, the transport, the reuseport groups, the daemon).
 * It may take or return types of {@code internal} packages, and it changes without notice. The
 * same holds for every type of a package named {@code internal}. See docs/composing.md, "The
 * internal line"; {@code composing}'s {@code PublicApiTest} checks that no other public member of
 * the documented packages exposes an internal type.
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target({ElementType.TYPE, ElementType.METHOD, ElementType.CONSTRUCTOR, ElementType.FIELD})
public @interface Internal {
}
