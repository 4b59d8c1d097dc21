package dev.hoststack.bench.report;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One JMH result: benchmark class and method (or group), parameters, the measured iterations, JMH's
 * mean and error, {@code gc.alloc.rate.norm} (B/op) when {@code -prof gc} ran, and other secondary
 * results (a group's per-method figures).
 *
 * <p>The report's figure is the <b>median of the measurement iterations</b> ({@link #score()}),
 * shown with their range: on a machine shared with other builds, a burst of someone else's work
 * inflates an iteration or two, which moves the mean (and widens JMH's confidence interval) far
 * more than the median. JMH's mean and error stay in the JSON and in {@link #mean()} /
 * {@link #error()}.
 *
 * @param cls        the benchmark class's simple name
 * @param method     the method or group name
 * @param params     parameter values by name
 * @param primary    the primary metric's iterations
 * @param mean       JMH's score (mean of the iterations)
 * @param error      JMH's error (99.9% confidence half-width), NaN with too few samples
 * @param unit       the primary score's unit, e.g. {@code ns/op}
 * @param allocNorm  bytes allocated per operation (JMH's mean), NaN if not measured
 * @param secondary  other secondary metrics' iterations, by name (no profiler metrics)
 * @param jvmArgs    the forked JVM's arguments
 */
record Result(String cls, String method, Map<String, String> params, Samples primary, double mean, double error,
              String unit, double allocNorm, Map<String, Samples> secondary, String jvmArgs) {

    /** The iteration scores of one metric. */
    record Samples(List<Double> values) {
        double median() {
            if (values.isEmpty()) {
                return Double.NaN;
            }
            List<Double> s = new ArrayList<>(values);
            Collections.sort(s);
            int n = s.size();
            return n % 2 == 1 ? s.get(n / 2) : (s.get(n / 2 - 1) + s.get(n / 2)) / 2;
        }

        double min() {
            return values.stream().mapToDouble(Double::doubleValue).min().orElse(Double.NaN);
        }

        double max() {
            return values.stream().mapToDouble(Double::doubleValue).max().orElse(Double.NaN);
        }

        static Samples of(JsonObject metric) {
            List<Double> v = new ArrayList<>();
            if (metric.has("rawData")) {
                for (JsonElement fork : metric.getAsJsonArray("rawData")) {
                    for (JsonElement x : (JsonArray) fork) {
                        v.add(num(x));
                    }
                }
            }
            if (v.isEmpty()) {
                v.add(num(metric.get("score")));
            }
            return new Samples(v);
        }
    }

    /** The report's figure: the median of the measurement iterations. */
    double score() {
        return primary.median();
    }

    static Result of(JsonObject o) {
        String bench = o.get("benchmark").getAsString();
        String[] parts = bench.split("\\.");
        String cls = parts[parts.length - 2];
        String method = parts[parts.length - 1];
        Map<String, String> params = new LinkedHashMap<>();
        if (o.has("params")) {
            for (Map.Entry<String, JsonElement> e : o.getAsJsonObject("params").entrySet()) {
                params.put(e.getKey(), e.getValue().getAsString());
            }
        }
        JsonObject pm = o.getAsJsonObject("primaryMetric");
        double alloc = Double.NaN;
        Map<String, Samples> secondary = new LinkedHashMap<>();
        if (o.has("secondaryMetrics")) {
            for (Map.Entry<String, JsonElement> e : o.getAsJsonObject("secondaryMetrics").entrySet()) {
                JsonObject m = e.getValue().getAsJsonObject();
                if (e.getKey().endsWith("gc.alloc.rate.norm")) {
                    alloc = num(m.get("score"));
                } else if (!e.getKey().contains("gc.") && !e.getKey().startsWith("\u00b7")) {
                    secondary.put(e.getKey(), Samples.of(m));
                }
            }
        }
        String jvmArgs = o.has("jvmArgs") ? String.join(" ", o.getAsJsonArray("jvmArgs").asList().stream()
                .map(JsonElement::getAsString).toList()) : "";
        return new Result(cls, method, params, Samples.of(pm), num(pm.get("score")), num(pm.get("scoreError")),
                pm.get("scoreUnit").getAsString(), alloc, secondary, jvmArgs);
    }

    private static double num(JsonElement e) {
        if (e == null || e.isJsonNull()) {
            return Double.NaN;
        }
        try {
            return e.getAsDouble();
        } catch (NumberFormatException | UnsupportedOperationException ex) {
            return Double.NaN;
        }
    }

    /** Whether every given parameter has the given value. */
    boolean matches(Map<String, String> want) {
        for (Map.Entry<String, String> e : want.entrySet()) {
            if (!e.getValue().equals(params.get(e.getKey()))) {
                return false;
            }
        }
        return true;
    }
}
