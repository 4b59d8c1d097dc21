package dev.hoststack.protocol;

/**
 * What a name (an application's, a namespace's, a selector's) may hold, and how to print any
 * string safely on a terminal.
 *
 * <p>A name is 1 to {@value #MAX_LENGTH} characters, each a visible ASCII character
 * ({@code !} to {@code ~}: letters, digits, punctuation; no space). So a name can hold no line
 * break, no terminal escape, no invisible or right-to-left character, and it prints as one column
 * of a table. The daemon refuses other names with {@link Errors#INVALID_NAME}.
 */
public final class Names {

    /** The longest name, in characters. */
    public static final int MAX_LENGTH = 64;

    private Names() {
    }

    /** Why {@code name} is not a valid name, or null when it is one. */
    public static String problem(String name) {
        if (name == null || name.isEmpty()) {
            return "it is empty";
        }
        if (name.length() > MAX_LENGTH) {
            return "it is " + name.length() + " characters long, more than " + MAX_LENGTH;
        }
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (c < '!' || c > '~') {
                return "character " + (i + 1) + " is " + describe(c) + "; a name holds visible ASCII characters only"
                        + " (letters, digits, punctuation; no space)";
            }
        }
        return null;
    }

    /**
     * Checks a name.
     *
     * @param what what the name names, for the message ("application name")
     * @throws ProtocolException {@link Errors#INVALID_NAME}, the message quoting the name escaped
     */
    public static String check(String what, String name) {
        String p = problem(name);
        if (p != null) {
            throw new ProtocolException(Errors.INVALID_NAME, what + " \"" + escape(name, 80) + "\" is refused: " + p,
                    "use 1 to " + MAX_LENGTH + " visible ASCII characters, e.g. web-1 or shop.api");
        }
        return name;
    }

    private static String describe(char c) {
        if (c == ' ') {
            return "a space";
        }
        return String.format("U+%04X (%s)", (int) c, c < 0x20 || c == 0x7F || c >= 0x80 && c < 0xA0 ? "a control character"
                : c < 0x80 ? "not visible" : "not ASCII");
    }

    /** {@code s} with at most 200 characters kept, printable: see {@link #escape(String, int)}. */
    public static String escape(String s) {
        return escape(s, 200);
    }

    /**
     * {@code s} made safe to print on a terminal: visible ASCII and the space stay as they are,
     * a backslash doubles, any other character becomes {@code \xNN} (below U+0100) or
     * {@code \x{NNNN}}; past {@code max} characters of input the rest is cut and {@code ...}
     * follows. Null prints as {@code null}.
     */
    public static String escape(String s, int max) {
        if (s == null) {
            return "null";
        }
        StringBuilder b = new StringBuilder(Math.min(s.length(), max) + 8);
        int n = Math.min(s.length(), max);
        for (int i = 0; i < n; i++) {
            char c = s.charAt(i);
            if (c == '\\') {
                b.append("\\\\");
            } else if (c >= ' ' && c <= '~') {
                b.append(c);
            } else if (c < 0x100) {
                b.append(String.format("\\x%02x", (int) c));
            } else {
                b.append(String.format("\\x{%04x}", (int) c));
            }
        }
        if (s.length() > max) {
            b.append("...");
        }
        return b.toString();
    }
}
