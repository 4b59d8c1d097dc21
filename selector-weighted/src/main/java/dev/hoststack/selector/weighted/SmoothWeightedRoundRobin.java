package dev.hoststack.selector.weighted;

import com.google.common.math.IntMath;

/**
 * nginx's smooth weighted round robin ({@code ngx_http_upstream_get_peer} in
 * src/http/ngx_http_upstream_round_robin.c), as a pure function: per pick every member adds its
 * weight to its {@code current}, the member with the largest {@code current} wins (ties: the
 * first), and the winner subtracts the total weight. Weights 5, 1, 1 give a, a, b, a, c, a, a:
 * spread out, never a burst; equal weights give plain round robin in member order.
 *
 * <p>The picks repeat with a period of {@code W / g} (W the total weight, g the weights' greatest
 * common divisor): after W picks every member has been picked exactly its weight's times and
 * every {@code current} is back at 0, and scaling every weight by g changes no comparison. So the
 * whole policy is one table, {@link #sequence}: a selector walks it with a rotor, and a kernel
 * reuseport program could walk it the same way.
 *
 * <p>Threading: stateless; any thread.
 */
public final class SmoothWeightedRoundRobin {

    private SmoothWeightedRoundRobin() {
    }

    /**
     * One period of the picks for members of {@code weights}, as member positions.
     *
     * @param weights each member's weight, at least 1, in member order
     * @return {@code W / g} positions; member {@code m} appears {@code weights[m] / g} times
     * @throws IllegalArgumentException for no members, a weight below 1, or a period over
     *         {@link Integer#MAX_VALUE} - 8
     */
    public static int[] sequence(int[] weights) {
        long period = period(weights);
        if (period > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("a smooth weighted round robin period of " + period + " picks does not fit an array");
        }
        int g = gcd(weights);
        int n = weights.length;
        long[] current = new long[n];
        long total = 0;
        for (int w : weights) {
            total += w / g;
        }
        int[] out = new int[(int) period];
        for (int i = 0; i < out.length; i++) {
            int best = 0;
            for (int m = 0; m < n; m++) {
                current[m] += weights[m] / g;
                if (current[m] > current[best]) {
                    best = m;
                }
            }
            current[best] -= total;
            out[i] = best;
        }
        return out;
    }

    /**
     * The length of one period: the total weight over the weights' greatest common divisor.
     *
     * @throws IllegalArgumentException for no members or a weight below 1
     */
    public static long period(int[] weights) {
        if (weights.length == 0) {
            throw new IllegalArgumentException("no members");
        }
        long total = 0;
        for (int m = 0; m < weights.length; m++) {
            if (weights[m] < 1) {
                throw new IllegalArgumentException("weight " + weights[m] + " of member " + m + " is below 1");
            }
            total += weights[m];
        }
        return total / gcd(weights);
    }

    private static int gcd(int[] weights) {
        int g = 0;
        for (int w : weights) {
            g = IntMath.gcd(g, w);
        }
        return g;
    }
}
