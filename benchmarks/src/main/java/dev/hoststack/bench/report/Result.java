package dev.hoststack.bench.report;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One JMH result: benchmark class and method (or group), parameters, the primary score with its
 * error, {@code gc.alloc.rate.norm} (B/op) when {@code -prof gc} ran, and other secondary scores
 * (a group's per-method results).
 *
 * @param cls        the benchmark class's simple name
 * @param method     the method or group name
 * @param params     parameter values by name
 * @param score      the primary score
 * @param error      its error (99.9% confidence half-width), NaN if JMH had too few samples
 * @param unit       the primary score's unit, e.g. {@code ns/op}
 * @param allocNorm  bytes allocated per operation, NaN if not measured
 * @param secondary  other secondary scores by name (no profiler metrics)
 * @param secondaryError their errors
 * @param jvmArgs    the forked JVM's arguments
 */
record Result(String cls, String method, Map<String, String> params, double score, double error, String unit,
              double allocNorm, Map<String, Double> secondary, Map<String, Double> secondaryError, String jvmArgs) {

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
        Map<String, Double> secondary = new LinkedHashMap<>();
        Map<String, Double> secondaryError = new LinkedHashMap<>();
        if (o.has("secondaryMetrics")) {
            for (Map.Entry<String, JsonElement> e : o.getAsJsonObject("secondaryMetrics").entrySet()) {
                JsonObject m = e.getValue().getAsJsonObject();
                if (e.getKey().endsWith("gc.alloc.rate.norm")) {
                    alloc = num(m.get("score"));
                } else if (!e.getKey().contains("gc.") && !e.getKey().startsWith("\u00b7")) {
                    secondary.put(e.getKey(), num(m.get("score")));
                    secondaryError.put(e.getKey(), num(m.get("scoreError")));
                }
            }
        }
        String jvmArgs = o.has("jvmArgs") ? String.join(" ", o.getAsJsonArray("jvmArgs").asList().stream()
                .map(JsonElement::getAsString).toList()) : "";
        return new Result(cls, method, params, num(pm.get("score")), num(pm.get("scoreError")),
                pm.get("scoreUnit").getAsString(), alloc, secondary, secondaryError, jvmArgs);
    }

    private static double num(JsonElement e) {
        if (e == null || e.isJsonNull()) {
            return Double.NaN;
        }
        try {
            return e.getAsDouble();
        } catch (NumberFormatException ex) {
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
