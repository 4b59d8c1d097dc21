package dev.hoststack.tcp;

import static com.google.common.base.Preconditions.checkArgument;

import java.util.concurrent.TimeUnit;

/**
 * The TCP transport's configuration, validated once by {@link Builder#build()}.
 *
 * @param initialConnectionsPerThread room each connection pool starts with
 * @param maxConnectionsPerThread     bound on a thread's live connections (at most 2<sup>27</sup>)
 * @param handshakeTimeoutNanos       how long a connection may stay in SYN_RCVD (VPP's establish
 *                                    timeout is 75 s)
 * @param checkFinalAck               whether the final ACK must acknowledge our SYN
 *                                    ({@code ack == iss + 1}); off only to replay captures
 *                                    answered by another stack, whose ISNs differ from ours
 * @param isnSecret                   keys the initial sequence numbers (RFC 6528's secret)
 */
public record TcpConfig(int initialConnectionsPerThread, int maxConnectionsPerThread, long handshakeTimeoutNanos,
                        boolean checkFinalAck, int isnSecret) {

    /** The defaults. */
    public static TcpConfig defaults() {
        return builder().build();
    }

    /** A builder with the defaults. */
    public static Builder builder() {
        return new Builder();
    }

    /** Builds a {@link TcpConfig}. */
    public static final class Builder {
        private int initialConnectionsPerThread = 1024;
        private int maxConnectionsPerThread = 1 << 20;
        private long handshakeTimeoutNanos = TimeUnit.SECONDS.toNanos(75);
        private boolean checkFinalAck = true;
        private int isnSecret = 0x5eed_1234;

        private Builder() {
        }

        /** Room each connection pool starts with. */
        public Builder initialConnectionsPerThread(int n) {
            this.initialConnectionsPerThread = n;
            return this;
        }

        /** Bound on a thread's live connections. */
        public Builder maxConnectionsPerThread(int n) {
            this.maxConnectionsPerThread = n;
            return this;
        }

        /** How long a connection may stay in SYN_RCVD. */
        public Builder handshakeTimeout(long amount, TimeUnit unit) {
            this.handshakeTimeoutNanos = unit.toNanos(amount);
            return this;
        }

        /** Whether the final ACK must acknowledge our SYN. */
        public Builder checkFinalAck(boolean check) {
            this.checkFinalAck = check;
            return this;
        }

        /** Keys the initial sequence numbers. */
        public Builder isnSecret(int secret) {
            this.isnSecret = secret;
            return this;
        }

        /**
         * Validates and builds.
         *
         * @throws IllegalArgumentException naming the first bad setting
         */
        public TcpConfig build() {
            checkArgument(initialConnectionsPerThread >= 1, "initialConnectionsPerThread %s < 1", initialConnectionsPerThread);
            checkArgument(maxConnectionsPerThread >= initialConnectionsPerThread,
                    "maxConnectionsPerThread %s < initialConnectionsPerThread %s", maxConnectionsPerThread,
                    initialConnectionsPerThread);
            checkArgument(maxConnectionsPerThread <= TcpConnections.MAX_CONNECTIONS,
                    "maxConnectionsPerThread %s > %s (a thread's connection records share one array)",
                    maxConnectionsPerThread, TcpConnections.MAX_CONNECTIONS);
            checkArgument(handshakeTimeoutNanos > 0, "handshake timeout must be positive, not %s ns", handshakeTimeoutNanos);
            return new TcpConfig(initialConnectionsPerThread, maxConnectionsPerThread, handshakeTimeoutNanos,
                    checkFinalAck, isnSecret);
        }
    }
}
