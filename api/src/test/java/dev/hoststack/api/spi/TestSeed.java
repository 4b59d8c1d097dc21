package dev.hoststack.api.spi;

import org.junit.jupiter.api.TestInfo;

/**
 * Seeds for randomised tests: {@code -Dhoststack.test.seed=N} if set, else a fresh one, printed so
 * that a failing run can be replayed; {@link #replay} goes into every failure message.
 */
public final class TestSeed {

    /** The system property that fixes the seed. */
    public static final String PROPERTY = "hoststack.test.seed";

    private TestSeed() {
    }

    /** The seed for the running test, printed with the test's name. */
    public static long seed(TestInfo info) {
        String s = System.getProperty(PROPERTY, "").trim();
        long seed = s.isEmpty() ? System.nanoTime() : Long.parseLong(s);
        System.out.println(info.getTestClass().map(Class::getSimpleName).orElse("?") + "."
                + info.getTestMethod().map(m -> m.getName()).orElse(info.getDisplayName()) + " seed=" + seed);
        return seed;
    }

    /** {@code seed N (rerun with -Dhoststack.test.seed=N)}. */
    public static String replay(long seed) {
        return "seed " + seed + " (rerun with -D" + PROPERTY + "=" + seed + ")";
    }
}
