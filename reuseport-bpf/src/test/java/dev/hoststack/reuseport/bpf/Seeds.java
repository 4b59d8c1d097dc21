package dev.hoststack.reuseport.bpf;

import org.junit.jupiter.api.TestInfo;

/** Seeds for randomised tests: {@code -Dhoststack.test.seed=N} if set, else a fresh one, printed; {@link #replay} goes into failure messages. */
final class Seeds {

    private Seeds() {
    }

    static long seed(TestInfo info) {
        String s = System.getProperty("hoststack.test.seed", "").trim();
        long seed = s.isEmpty() ? System.nanoTime() : Long.parseLong(s);
        System.out.println(info.getTestClass().map(Class::getSimpleName).orElse("?") + "."
                + info.getTestMethod().map(m -> m.getName()).orElse(info.getDisplayName()) + " seed=" + seed);
        return seed;
    }

    static String replay(long seed) {
        return "seed " + seed + " (rerun with -Dhoststack.test.seed=" + seed + ")";
    }
}
