package dev.hoststack.client;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.nio.file.Path;
import java.time.Duration;

/** Reads a daemon's counters in tests. */
final class Daemons {

    private Daemons() {
    }

    static JsonObject show(Path dir) throws HoststackException {
        return JsonParser.parseString(HoststackApp.show(dir, Duration.ofSeconds(10))).getAsJsonObject();
    }

    static long total(JsonObject show, String key) {
        return show.getAsJsonObject("totals").get(key).getAsLong();
    }

    /** A worker's counters among live and gone workers (the last match), or null. */
    static JsonObject worker(JsonObject show, String app, int worker) {
        JsonObject found = null;
        for (JsonElement a : show.getAsJsonArray("apps")) {
            for (JsonElement w : a.getAsJsonObject().getAsJsonArray("workers")) {
                found = match(w.getAsJsonObject(), app, worker, found);
            }
        }
        JsonArray gone = show.getAsJsonArray("gone");
        for (JsonElement w : gone) {
            found = match(w.getAsJsonObject(), app, worker, found);
        }
        return found;
    }

    private static JsonObject match(JsonObject w, String app, int worker, JsonObject found) {
        return w.get("app").getAsString().equals(app) && w.get("worker").getAsInt() == worker ? w : found;
    }
}
