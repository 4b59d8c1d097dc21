package dev.hoststack.cli.compare;

import dev.hoststack.cli.scenario.ScenarioSyntaxException;

/**
 * How long a worker takes to serve one connection: a distribution, sampled by its inverse CDF
 * from a uniform number. Every selector's run gives connection {@code i} the same uniform number,
 * so a connection is as long (for a worker of one speed) whichever selector placed it: common
 * random numbers, the runs differ only by the selector.
 *
 * @param kind  {@code exp}, {@code fixed}, {@code uniform} or {@code pareto}
 * @param a     the mean (exp, fixed, pareto) or the lower bound (uniform), in nanoseconds
 * @param b     the upper bound (uniform) or the shape alpha (pareto); else 0
 */
public record ServiceTime(String kind, double a, double b) {

    /** Parses {@code exp MEAN}, {@code fixed T}, {@code uniform LO HI} or {@code pareto MEAN ALPHA}. */
    static ServiceTime parse(Workload.Words w) throws ScenarioSyntaxException {
        String kind = w.next("a distribution: exp MEAN, fixed T, uniform LO HI or pareto MEAN ALPHA");
        switch (kind) {
            case "exp":
                return new ServiceTime(kind, w.time("the mean"), 0);
            case "fixed":
                return new ServiceTime(kind, w.time("the time"), 0);
            case "uniform": {
                double lo = w.time("the lower bound");
                double hi = w.time("the upper bound");
                if (hi < lo) {
                    throw w.error("uniform: the upper bound is below the lower one");
                }
                return new ServiceTime(kind, lo, hi);
            }
            case "pareto": {
                double mean = w.time("the mean");
                double alpha = w.decimal("the shape alpha (above 1)", 1.0001, 100);
                return new ServiceTime(kind, mean, alpha);
            }
            default:
                throw w.error("unknown distribution '" + kind + "': expected exp MEAN, fixed T, uniform LO HI or pareto MEAN ALPHA");
        }
    }

    /** The mean, in nanoseconds. */
    public double meanNanos() {
        return kind.equals("uniform") ? (a + b) / 2 : a;
    }

    /** The service time for uniform {@code u} in [0, 1), in nanoseconds (at least 1). */
    public long sample(double u) {
        double v = switch (kind) {
            case "exp" -> -a * Math.log1p(-u);
            case "fixed" -> a;
            case "uniform" -> a + u * (b - a);
            // x_m = mean (alpha - 1) / alpha; x = x_m / (1 - u)^(1 / alpha)
            case "pareto" -> a * (b - 1) / b / Math.pow(1 - u, 1 / b);
            default -> throw new IllegalStateException(kind);
        };
        return Math.max(1, Math.round(v));
    }

    /** {@code exp 2 ms}. */
    @Override
    public String toString() {
        return switch (kind) {
            case "uniform" -> "uniform " + Report.time(a) + ".." + Report.time(b);
            case "pareto" -> "pareto mean " + Report.time(a) + " alpha " + b;
            default -> kind + " " + Report.time(a);
        };
    }
}
