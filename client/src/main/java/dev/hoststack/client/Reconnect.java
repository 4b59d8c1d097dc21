package dev.hoststack.client;

import static java.util.Objects.requireNonNull;

import java.time.Duration;

/**
 * When and how often an application reattaches after losing the daemon: exponential backoff,
 * bounded and jittered.
 *
 * <p>Attempt {@code n} (from 1) waits
 * {@code min(maxDelay, initialDelay * multiplier^(n-1)) * (1 - jitter * r)} with {@code r} uniform
 * in [0, 1): each delay is the capped exponential one less a random part of at most
 * {@code jitter}, so applications that lost the same daemon do not all come back in the same
 * millisecond. After {@code maxAttempts} failed attempts the application gives up and its workers'
 * {@link AppWorker#closeFuture()}s complete. {@link #backoff()}'s worst case, all 30 attempts
 * failing, is about 2 minutes.
 *
 * <p>Immutable and thread-safe.
 *
 * @param maxAttempts  attempts before giving up; 0 never reconnects ({@link #NEVER})
 * @param initialDelay the delay before the first attempt
 * @param maxDelay     the cap of every delay
 * @param multiplier   the growth of the delay from one attempt to the next, at least 1
 * @param jitter       the largest fraction taken off a delay at random, in [0, 1]
 */
public record Reconnect(int maxAttempts, Duration initialDelay, Duration maxDelay, double multiplier, double jitter) {

    /** No reconnect: a lost daemon completes the workers' close futures at once. */
    public static final Reconnect NEVER = new Reconnect(0, Duration.ZERO, Duration.ZERO, 1, 0);

    /** Validates. */
    public Reconnect {
        requireNonNull(initialDelay, "initialDelay");
        requireNonNull(maxDelay, "maxDelay");
        if (maxAttempts < 0) {
            throw new IllegalArgumentException("maxAttempts " + maxAttempts + " is negative");
        }
        if (initialDelay.isNegative() || maxDelay.compareTo(initialDelay) < 0) {
            throw new IllegalArgumentException("delays must satisfy 0 <= initialDelay (" + initialDelay
                    + ") <= maxDelay (" + maxDelay + ")");
        }
        if (!(multiplier >= 1) || Double.isInfinite(multiplier)) {
            throw new IllegalArgumentException("multiplier " + multiplier + " is not a finite number of at least 1");
        }
        if (!(jitter >= 0 && jitter <= 1)) {
            throw new IllegalArgumentException("jitter " + jitter + " is not in [0, 1]");
        }
    }

    /** 30 attempts, 100 ms doubling up to 5 s, up to 25 % taken off each delay at random. */
    public static Reconnect backoff() {
        return new Reconnect(30, Duration.ofMillis(100), Duration.ofSeconds(5), 2, 0.25);
    }

    /** Whether a lost daemon is reattached at all. */
    public boolean enabled() {
        return maxAttempts > 0;
    }

    /** The same with another number of attempts. */
    public Reconnect withMaxAttempts(int n) {
        return new Reconnect(n, initialDelay, maxDelay, multiplier, jitter);
    }

    /** The same with other delays. */
    public Reconnect withDelays(Duration initial, Duration max) {
        return new Reconnect(maxAttempts, initial, max, multiplier, jitter);
    }

    /** The same with another jitter. */
    public Reconnect withJitter(double j) {
        return new Reconnect(maxAttempts, initialDelay, maxDelay, multiplier, j);
    }

    /**
     * The delay before attempt {@code attempt} (from 1), for a random draw {@code r} in [0, 1).
     */
    public Duration delay(int attempt, double r) {
        if (attempt < 1) {
            throw new IllegalArgumentException("attempts count from 1, not " + attempt);
        }
        double nanos = initialDelay.toNanos() * Math.pow(multiplier, attempt - 1.0);
        double capped = Math.min(nanos, (double) maxDelay.toNanos());
        return Duration.ofNanos((long) (capped * (1 - jitter * r)));
    }
}
