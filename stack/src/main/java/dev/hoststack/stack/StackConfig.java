package dev.hoststack.stack;

import static com.google.common.base.Preconditions.checkArgument;
import static java.util.Objects.requireNonNull;

import dev.hoststack.reuseport.ReuseportConfig;
import dev.hoststack.session.SessionLayerConfig;
import dev.hoststack.tcp.TcpConfig;
import java.util.ArrayList;
import java.util.List;
import java.util.function.LongSupplier;

/**
 * Everything a stack is built from, validated once by {@link Builder#build()}.
 *
 * @param session         the session layer's configuration (threads, pools, tables)
 * @param tcp             the TCP transport's configuration
 * @param reuseport       reuseport groups' configuration (capacity, hash secret, migration)
 * @param defaultSelector the default selection policy's name, or null for {@code roundrobin}
 * @param namespaces      namespaces to add besides {@code default}
 * @param clock           the nanosecond clock (handshake timeouts)
 */
public record StackConfig(SessionLayerConfig session, TcpConfig tcp, ReuseportConfig reuseport,
                          String defaultSelector, List<Namespace> namespaces, LongSupplier clock) {

    /** The policy a stack uses when neither its configuration nor a listen names one. */
    public static final String BUILT_IN_DEFAULT_SELECTOR = "roundrobin";

    /**
     * A namespace to create at start.
     *
     * @param name   its name
     * @param secret the secret applications attach with
     * @param fib    its FIB index
     */
    public record Namespace(String name, long secret, int fib) {
    }

    /** Validates. */
    public StackConfig {
        requireNonNull(session, "session");
        requireNonNull(tcp, "tcp");
        requireNonNull(reuseport, "reuseport");
        namespaces = List.copyOf(namespaces);
        requireNonNull(clock, "clock");
    }

    /** The defaults: one thread, {@code roundrobin}, hash secret 0. */
    public static StackConfig defaults() {
        return builder().build();
    }

    /** A builder with the defaults. */
    public static Builder builder() {
        return new Builder();
    }

    /** Builds a {@link StackConfig}. */
    public static final class Builder {
        private SessionLayerConfig session = SessionLayerConfig.defaults();
        private int threads = -1;
        private TcpConfig tcp = TcpConfig.defaults();
        private ReuseportConfig reuseport = ReuseportConfig.defaults();
        private Integer hashSecret;
        private String defaultSelector;
        private final List<Namespace> namespaces = new ArrayList<>();
        private LongSupplier clock = System::nanoTime;

        private Builder() {
        }

        /** Data threads (overrides the session configuration's). */
        public Builder threads(int n) {
            this.threads = n;
            return this;
        }

        /** The session layer's configuration. */
        public Builder session(SessionLayerConfig c) {
            this.session = requireNonNull(c);
            return this;
        }

        /** The TCP configuration. */
        public Builder tcp(TcpConfig c) {
            this.tcp = requireNonNull(c);
            return this;
        }

        /** The reuseport configuration. */
        public Builder reuseport(ReuseportConfig c) {
            this.reuseport = requireNonNull(c);
            return this;
        }

        /** The hash secret (overrides the reuseport configuration's). */
        public Builder hashSecret(int secret) {
            this.hashSecret = secret;
            return this;
        }

        /** The default selection policy's name. */
        public Builder defaultSelector(String name) {
            this.defaultSelector = name;
            return this;
        }

        /** A namespace to create at start. */
        public Builder namespace(String name, long secret, int fib) {
            namespaces.add(new Namespace(name, secret, fib));
            return this;
        }

        /** The nanosecond clock. */
        public Builder clock(LongSupplier c) {
            this.clock = requireNonNull(c);
            return this;
        }

        /**
         * Validates and builds.
         *
         * @throws IllegalArgumentException naming the first bad setting
         */
        public StackConfig build() {
            SessionLayerConfig s = threads < 0 ? session : session.toBuilder().threads(threads).build();
            ReuseportConfig r = hashSecret == null ? reuseport : reuseport.withHashSecret(hashSecret);
            checkArgument(defaultSelector == null || !defaultSelector.isBlank(), "default selector name is blank");
            return new StackConfig(s, tcp, r, defaultSelector, namespaces, clock);
        }
    }
}
