package dev.hoststack.protocol;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;

/**
 * Reads a message: one line parsed into a JSON object, and its fields with their types checked.
 * Every failure is a {@link ProtocolException} of code {@link Errors#BAD_REQUEST} naming the field.
 */
public final class Fields {

    private Fields() {
    }

    /**
     * Parses one line as a JSON object.
     *
     * @throws ProtocolException when it is not one JSON object
     */
    public static JsonObject parse(String line) {
        try {
            JsonElement e = JsonParser.parseString(line);
            if (!e.isJsonObject()) {
                throw new ProtocolException("not a JSON object: " + abbreviate(line));
            }
            return e.getAsJsonObject();
        } catch (JsonParseException | IllegalStateException e) {
            throw new ProtocolException("not a JSON object: " + abbreviate(line));
        }
    }

    /** A string field, or {@code def} when absent or null. */
    public static String string(JsonObject o, String key, String def) {
        JsonElement e = o.get(key);
        if (e == null || e.isJsonNull()) {
            return def;
        }
        if (!e.isJsonPrimitive() || !e.getAsJsonPrimitive().isString()) {
            throw new ProtocolException("\"" + key + "\" must be a string");
        }
        return e.getAsString();
    }

    /** An integer field, or {@code def} when absent or null. */
    public static long number(JsonObject o, String key, long def) {
        JsonElement e = o.get(key);
        if (e == null || e.isJsonNull()) {
            return def;
        }
        if (!e.isJsonPrimitive() || !e.getAsJsonPrimitive().isNumber()) {
            throw new ProtocolException("\"" + key + "\" must be a number");
        }
        try {
            return e.getAsJsonPrimitive().getAsBigDecimal().longValueExact();
        } catch (ArithmeticException | NumberFormatException ex) {
            throw new ProtocolException("\"" + key + "\" must be an integer");
        }
    }

    /** A boolean field, or {@code def} when absent or null. */
    public static boolean bool(JsonObject o, String key, boolean def) {
        JsonElement e = o.get(key);
        if (e == null || e.isJsonNull()) {
            return def;
        }
        if (!e.isJsonPrimitive() || !e.getAsJsonPrimitive().isBoolean()) {
            throw new ProtocolException("\"" + key + "\" must be true or false");
        }
        return e.getAsBoolean();
    }

    /** A string field that must be there. */
    public static String required(JsonObject o, String key, String what) {
        String s = string(o, key, null);
        if (s == null) {
            throw new ProtocolException(what);
        }
        return s;
    }

    /** At most 80 characters of {@code s}, escaped for printing ({@link Names#escape}). */
    public static String abbreviate(String s) {
        String t = s.length() <= 80 ? s : s.substring(0, 77) + "...";
        return Names.escape(t);
    }
}
