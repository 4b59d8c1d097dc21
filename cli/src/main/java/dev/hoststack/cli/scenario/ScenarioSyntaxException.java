package dev.hoststack.cli.scenario;

/** A scenario line that cannot be parsed: names the file, the line and what was expected. */
public final class ScenarioSyntaxException extends Exception {

    private static final long serialVersionUID = 1L;

    private final String file;
    private final int line;

    /**
     * @param file    the scenario's name
     * @param line    the 1-based line
     * @param message what was expected
     */
    public ScenarioSyntaxException(String file, int line, String message) {
        super(file + ":" + line + ": " + message);
        this.file = file;
        this.line = line;
    }

    /** The scenario's name. */
    public String file() {
        return file;
    }

    /** The 1-based line. */
    public int line() {
        return line;
    }
}
