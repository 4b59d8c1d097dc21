package dev.hoststack.it;

/**
 * How a container that ran to its end ended: its exit code and everything it wrote.
 *
 * @param exitCode the main process's exit status (137 when killed)
 * @param stdout   standard output, whole
 * @param stderr   standard error, whole
 */
public record Exited(long exitCode, String stdout, String stderr) {

    /** Both streams, for failure messages. */
    public String output() {
        return "exit code " + exitCode + "\n--- stdout ---\n" + stdout + "--- stderr ---\n" + stderr;
    }
}
