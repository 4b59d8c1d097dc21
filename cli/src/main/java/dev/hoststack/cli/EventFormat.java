package dev.hoststack.cli;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import java.util.Map;
import java.util.stream.Collectors;

/** Turns scenario and replay events into JSON lines or lines for people. */
public final class EventFormat {

    private static final Gson GSON = new GsonBuilder().disableHtmlEscaping().serializeNulls().create();

    private EventFormat() {
    }

    /** One JSON object on one line. */
    public static String json(Map<String, Object> event) {
        return GSON.toJson(event);
    }

    /** One line for people, with the same information. */
    public static String text(Map<String, Object> e) {
        String where = e.containsKey("line") ? "line " + e.get("line") + ": " : "";
        String event = String.valueOf(e.get("event"));
        switch (event) {
            case "dispatch":
                return where + "dispatch " + e.get("src") + " -> " + e.get("app") + "-w" + e.get("worker")
                        + " via " + e.get("via") + " (thread " + e.get("thread") + ", session " + e.get("session") + ")"
                        + (Boolean.TRUE.equals(e.get("established")) ? ", established" : "");
            case "error":
                String message = String.valueOf(e.get("message"));
                return where + "error " + (message.startsWith(e.get("code") + ":") ? message : e.get("code") + ": " + message);
            case "reset":
            case "drop":
                return where + event + " " + e.getOrDefault("src", "") + " (" + e.get("reason") + ")";
            default:
                return where + event + " " + e.entrySet().stream()
                        .filter(x -> !x.getKey().equals("line") && !x.getKey().equals("event"))
                        .map(x -> x.getKey() + "=" + (x.getValue() instanceof Map || x.getValue() instanceof Iterable
                                ? GSON.toJson(x.getValue()) : String.valueOf(x.getValue())))
                        .collect(Collectors.joining(" "));
        }
    }
}
