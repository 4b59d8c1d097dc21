package dev.hoststack.bench.support;

import dev.hoststack.session.AttachOptions;
import dev.hoststack.session.ListenOptions;
import dev.hoststack.session.SessionLayerConfig;
import dev.hoststack.stack.Stack;
import dev.hoststack.stack.StackConfig;
import dev.hoststack.tcp.TcpConfig;

/** Builds stacks for the benchmarks (control plane, at setup). */
public final class Stacks {

    /** The hash secret of every benchmark stack, so hash choices are reproducible. */
    public static final int HASH_SECRET = 0x5eed_2024;

    private Stacks() {
    }

    /** A stack of {@code threads} data threads with the defaults (pools grow on demand). */
    public static Stack create(int threads) {
        return Stack.create(StackConfig.builder().threads(threads).hashSecret(HASH_SECRET).build());
    }

    /**
     * A stack whose pools and tables are sized for {@code sessions} sessions per thread up front,
     * as the zero-allocation test sizes them, with an event queue that holds {@code events}.
     */
    public static Stack presized(int threads, int sessions, int events) {
        SessionLayerConfig session = SessionLayerConfig.builder().threads(threads)
                .initialSessionsPerThread(sessions).maxSessionsPerThread(sessions)
                .initialTableEntries(sessions).maxTableEntries(Math.max(sessions, 1 << 22))
                .appEventQueueCapacity(Integer.highestOneBit(Math.max(2, events - 1)) << 1)
                .maxApps(2048).build();
        TcpConfig tcp = TcpConfig.builder().initialConnectionsPerThread(sessions).maxConnectionsPerThread(sessions).build();
        return Stack.create(StackConfig.builder().session(session).tcp(tcp).hashSecret(HASH_SECRET).build());
    }

    /** Attaches {@code app} with {@code workers} workers. */
    public static void attach(Stack stack, String app, int workers) {
        stack.attach(AttachOptions.of(app));
        for (int w = 1; w < workers; w++) {
            stack.session().addWorker(app);
        }
    }

    /** Every worker of {@code app} listens on {@code uri}. */
    public static long listenAll(Stack stack, String app, int workers, String uri, ListenOptions options) {
        long h = -1;
        for (int w = 0; w < workers; w++) {
            h = stack.listen(app, w, uri, options);
        }
        return h;
    }
}
