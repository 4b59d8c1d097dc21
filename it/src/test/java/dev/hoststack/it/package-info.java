/**
 * Container tests: hoststack processes in containers of the local runtime image, sharing a
 * bind-mounted socket directory, started with Testcontainers.
 *
 * <p>{@link dev.hoststack.it.HoststackContainers} is the harness (a JUnit 5 extension):
 * it checks Docker, the image and the jar before a test class runs, failing in well under a second
 * with what to do (never skipping); it creates containers that never pull, with the project's jar
 * mounted read-only and a fresh shared directory per test; and it removes every container a test
 * created when that test ends. {@link dev.hoststack.it.RuntimeImage} names the image and the paths
 * inside it. Tests are named {@code *IT} and run by failsafe in {@code verify}.
 */
package dev.hoststack.it;
