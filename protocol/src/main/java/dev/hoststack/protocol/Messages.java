package dev.hoststack.protocol;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.util.Map;

/**
 * The protocol's messages as JSON objects: the requests a client sends, the replies and events a
 * daemon sends. Each returns a new object the caller may add fields to.
 */
public final class Messages {

    private Messages() {
    }

    private static JsonObject request(String op) {
        JsonObject o = new JsonObject();
        o.addProperty("op", op);
        return o;
    }

    /** {@code hello} of {@link Protocol#VERSION}: opens a control connection; {@code client} (free text, may be null) names the library. */
    public static JsonObject hello(String client) {
        return hello(client, Protocol.VERSION);
    }

    /** {@code hello} of a given version (an older client's). */
    public static JsonObject hello(String client, int version) {
        JsonObject o = request(Protocol.HELLO);
        o.addProperty("version", version);
        if (client != null) {
            o.addProperty("client", client);
        }
        return o;
    }

    /** {@code attach}: worker 0 of a new application. */
    public static JsonObject attach(String app, String namespace, long secret) {
        JsonObject o = request(Protocol.ATTACH);
        o.addProperty("app", app);
        o.addProperty("namespace", namespace);
        o.addProperty("secret", secret);
        return o;
    }

    /** {@code add_worker}: another worker of {@code app}. */
    public static JsonObject addWorker(String app) {
        JsonObject o = request(Protocol.ADD_WORKER);
        o.addProperty("app", app);
        return o;
    }

    /** {@code data} of {@link Protocol#VERSION}: the first and only request of a worker's data connection. */
    public static JsonObject data(String token, int window) {
        return data(token, window, Protocol.VERSION);
    }

    /** {@code data} of a given version: the version of the worker's control connection. */
    public static JsonObject data(String token, int window, int version) {
        JsonObject o = request(Protocol.DATA);
        o.addProperty("version", version);
        o.addProperty("token", token);
        o.addProperty("window", window);
        return o;
    }

    /** {@code listen}; {@code selector} may be null (the group's or the daemon's default). */
    public static JsonObject listen(String uri, boolean reuseport, String selector) {
        JsonObject o = request(Protocol.LISTEN);
        o.addProperty("uri", uri);
        o.addProperty("reuseport", reuseport);
        if (selector != null) {
            o.addProperty("selector", selector);
        }
        return o;
    }

    /** {@code unlisten}. */
    public static JsonObject unlisten(String uri) {
        JsonObject o = request(Protocol.UNLISTEN);
        o.addProperty("uri", uri);
        return o;
    }

    /**
     * {@code report} (version 2): connections the worker accepted on the listening sockets the
     * daemon gave it, per URI, since its data connection opened.
     */
    public static JsonObject report(Map<String, Long> acceptedByUri) {
        JsonObject o = request(Protocol.REPORT);
        JsonObject a = new JsonObject();
        acceptedByUri.forEach(a::addProperty);
        o.add("accepted", a);
        return o;
    }

    /** {@code detach}. */
    public static JsonObject detach() {
        return request(Protocol.DETACH);
    }

    /** {@code show}, its first page. */
    public static JsonObject show() {
        return request(Protocol.SHOW);
    }

    /** An ok reply repeating {@code id} (null: none) with {@code fields}. */
    public static JsonObject ok(JsonElement id, JsonObject fields) {
        JsonObject out = new JsonObject();
        if (id != null) {
            out.add("id", id);
        }
        out.addProperty("ok", true);
        for (Map.Entry<String, JsonElement> e : fields.entrySet()) {
            out.add(e.getKey(), e.getValue());
        }
        return out;
    }

    /** A refusal repeating {@code id} (null: none). */
    public static JsonObject error(JsonElement id, String code, String message, String hint) {
        JsonObject out = new JsonObject();
        if (id != null) {
            out.add("id", id);
        }
        out.addProperty("ok", false);
        out.addProperty("error", code);
        out.addProperty("message", message);
        out.addProperty("hint", hint);
        return out;
    }

    /** The event telling a worker that its application was detached. */
    public static JsonObject detached(String app) {
        JsonObject o = new JsonObject();
        o.addProperty("event", Protocol.EVENT_DETACHED);
        o.addProperty("app", app);
        return o;
    }

    /** The event sent just before the daemon closes a connection for a timeout. */
    public static JsonObject closed(String code, String message) {
        JsonObject o = new JsonObject();
        o.addProperty("event", Protocol.EVENT_CLOSED);
        o.addProperty("error", code);
        o.addProperty("message", message);
        return o;
    }

    /** {@code show}, the page of applications from index {@code from} (the previous page's {@code next}). */
    public static JsonObject show(int from) {
        JsonObject o = request(Protocol.SHOW);
        o.addProperty("from", from);
        return o;
    }

    /** {@code weight}: the sender's application's weight in the reuseport group on {@code uri}. */
    public static JsonObject weight(String uri, int weight) {
        JsonObject o = request(Protocol.WEIGHT);
        o.addProperty("uri", uri);
        o.addProperty("weight", weight);
        return o;
    }

    /** Whether a message is an event (has {@code event}). */
    public static boolean isEvent(JsonObject message) {
        return message.has("event");
    }

    /** Whether a reply is ok. */
    public static boolean isOk(JsonObject reply) {
        JsonElement ok = reply.get("ok");
        return ok != null && ok.isJsonPrimitive() && ok.getAsJsonPrimitive().isBoolean() && ok.getAsBoolean();
    }
}
