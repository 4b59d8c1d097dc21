package dev.hoststack.session;

import static com.google.common.base.Preconditions.checkArgument;

/**
 * The session layer's configuration: one object, validated once by {@link Builder#build()}.
 *
 * @param threads                  data threads, thread 0 included (1..1024)
 * @param initialSessionsPerThread room each session pool starts with
 * @param maxSessionsPerThread     bound on a pool's live sessions (thread 0's holds listen sessions too)
 * @param initialTableEntries      entries each session table is sized for at first
 * @param maxTableEntries          bound on each session table's entries
 * @param appEventQueueCapacity    events each data thread's queue to an app worker holds (a power of two)
 * @param maxApps                  bound on attached applications
 * @param maxWorkersPerApp         bound on one application's workers
 */
public record SessionLayerConfig(
        int threads,
        int initialSessionsPerThread,
        int maxSessionsPerThread,
        int initialTableEntries,
        int maxTableEntries,
        int appEventQueueCapacity,
        int maxApps,
        int maxWorkersPerApp) {

    /** Defaults: one thread, a million sessions per thread, four million entries per table. */
    public static SessionLayerConfig defaults() {
        return builder().build();
    }

    /** A builder with the defaults. */
    public static Builder builder() {
        return new Builder();
    }

    /** A builder starting from this configuration. */
    public Builder toBuilder() {
        Builder b = new Builder();
        b.threads = threads;
        b.initialSessionsPerThread = initialSessionsPerThread;
        b.maxSessionsPerThread = maxSessionsPerThread;
        b.initialTableEntries = initialTableEntries;
        b.maxTableEntries = maxTableEntries;
        b.appEventQueueCapacity = appEventQueueCapacity;
        b.maxApps = maxApps;
        b.maxWorkersPerApp = maxWorkersPerApp;
        return b;
    }

    /** Builds a {@link SessionLayerConfig}; every check happens in {@link #build()}. */
    public static final class Builder {
        private int threads = 1;
        private int initialSessionsPerThread = 1024;
        private int maxSessionsPerThread = 1 << 20;
        private int initialTableEntries = 1024;
        private int maxTableEntries = 1 << 22;
        private int appEventQueueCapacity = 4096;
        private int maxApps = 1024;
        private int maxWorkersPerApp = 256;

        private Builder() {
        }

        /** Data threads, thread 0 included. */
        public Builder threads(int n) {
            this.threads = n;
            return this;
        }

        /** Room each session pool starts with. */
        public Builder initialSessionsPerThread(int n) {
            this.initialSessionsPerThread = n;
            return this;
        }

        /** Bound on a pool's live sessions. */
        public Builder maxSessionsPerThread(int n) {
            this.maxSessionsPerThread = n;
            return this;
        }

        /** Entries each table is sized for at first. */
        public Builder initialTableEntries(int n) {
            this.initialTableEntries = n;
            return this;
        }

        /** Bound on each table's entries. */
        public Builder maxTableEntries(int n) {
            this.maxTableEntries = n;
            return this;
        }

        /**
         * Events each data thread's queue to an app worker holds; a power of two. A worker has one
         * queue per data thread (each written by its thread alone, without atomics), so it holds at
         * most this many events per data thread.
         */
        public Builder appEventQueueCapacity(int n) {
            this.appEventQueueCapacity = n;
            return this;
        }

        /** Bound on attached applications. */
        public Builder maxApps(int n) {
            this.maxApps = n;
            return this;
        }

        /** Bound on one application's workers. */
        public Builder maxWorkersPerApp(int n) {
            this.maxWorkersPerApp = n;
            return this;
        }

        /**
         * Validates and builds.
         *
         * @throws IllegalArgumentException naming the first bad setting
         */
        public SessionLayerConfig build() {
            checkArgument(threads >= 1 && threads <= 1024, "threads %s is not in 1..1024", threads);
            checkArgument(initialSessionsPerThread >= 1, "initialSessionsPerThread %s < 1", initialSessionsPerThread);
            checkArgument(maxSessionsPerThread >= initialSessionsPerThread,
                    "maxSessionsPerThread %s < initialSessionsPerThread %s", maxSessionsPerThread, initialSessionsPerThread);
            checkArgument(maxSessionsPerThread <= SessionPool.MAX_SESSIONS, "maxSessionsPerThread %s > %s (a pool's bound)",
                    maxSessionsPerThread, SessionPool.MAX_SESSIONS);
            checkArgument(initialTableEntries >= 1, "initialTableEntries %s < 1", initialTableEntries);
            checkArgument(maxTableEntries >= initialTableEntries,
                    "maxTableEntries %s < initialTableEntries %s", maxTableEntries, initialTableEntries);
            checkArgument(appEventQueueCapacity >= 2 && Integer.bitCount(appEventQueueCapacity) == 1,
                    "appEventQueueCapacity %s is not a power of two >= 2", appEventQueueCapacity);
            checkArgument(maxApps >= 1, "maxApps %s < 1", maxApps);
            checkArgument(maxWorkersPerApp >= 1 && maxWorkersPerApp <= 4096,
                    "maxWorkersPerApp %s is not in 1..4096", maxWorkersPerApp);
            return new SessionLayerConfig(threads, initialSessionsPerThread, maxSessionsPerThread,
                    initialTableEntries, maxTableEntries, appEventQueueCapacity, maxApps, maxWorkersPerApp);
        }
    }
}
