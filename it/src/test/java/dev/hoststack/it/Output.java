package dev.hoststack.it;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.function.Predicate;
import org.testcontainers.containers.output.OutputFrame;

/**
 * A container's output lines (standard output and error), kept whole, for waiting on a line such as
 * {@code ready ...}. Register it with {@code withLogConsumer} before the container starts.
 *
 * <p>Thread-safe: Testcontainers appends on its own thread while a test waits.
 */
final class Output implements Consumer<OutputFrame> {

    private final String name;
    private final List<String> lines = new ArrayList<>();

    Output(String name) {
        this.name = name;
    }

    @Override
    public synchronized void accept(OutputFrame frame) {
        if (frame.getType() == OutputFrame.OutputType.END) {
            return;
        }
        String text = frame.getUtf8StringWithoutLineEnding();
        if (!text.isEmpty()) {
            lines.addAll(text.lines().toList());
            notifyAll();
        }
    }

    /** How many lines there are so far: a mark for {@link #await(int, Predicate, Duration, BooleanSupplier)}. */
    synchronized int mark() {
        return lines.size();
    }

    /** Everything so far. */
    synchronized String text() {
        return String.join("\n", lines);
    }

    /** The lines so far that match. */
    synchronized List<String> matching(Predicate<String> p) {
        return lines.stream().filter(p).toList();
    }

    /**
     * The first line from line {@code from} on that matches, waiting at most {@code timeout}.
     *
     * @param alive whether the process can still write (checked every 200 ms): a dead one fails at once
     * @throws AssertionError with the whole output when no line matched in time or the process ended
     */
    String await(int from, Predicate<String> p, Duration timeout, BooleanSupplier alive) throws InterruptedException {
        long end = System.nanoTime() + timeout.toNanos();
        long nextCheck = System.nanoTime() + 200_000_000L;
        int next = from;
        synchronized (this) {
            while (true) {
                for (; next < lines.size(); next++) {
                    if (p.test(lines.get(next))) {
                        return lines.get(next);
                    }
                }
                long now = System.nanoTime();
                if (now >= end) {
                    throw new AssertionError(name + ": no expected line within " + timeout + "; its output:\n" + text());
                }
                if (now >= nextCheck) {
                    nextCheck = now + 200_000_000L;
                    if (!alive.getAsBoolean()) {
                        wait(200); // the last lines may come just after the end
                        if (next == lines.size()) {
                            throw new AssertionError(name + " ended before the expected line; its output:\n" + text());
                        }
                        continue;
                    }
                }
                wait(Math.max(1, Math.min(200, (end - now) / 1_000_000)));
            }
        }
    }
}
