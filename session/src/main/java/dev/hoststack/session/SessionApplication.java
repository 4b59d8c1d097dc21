package dev.hoststack.session;

import dev.hoststack.api.AppListener;
import dev.hoststack.api.Application;
import java.util.List;

/**
 * An application as the session layer keeps it: the {@link Application} model with its workers as
 * {@link SessionWorker}s and its listeners.
 *
 * <p>Threading: any thread may read; the lists are snapshots. Attach, detach, workers and listens
 * change it on the control thread only (through {@link SessionLayer}). The implementation is
 * internal.
 */
public interface SessionApplication extends Application {

    @Override
    List<? extends SessionWorker> workers();

    /** Its worker of index {@code workerIndex}, or null if there is none. */
    SessionWorker worker(int workerIndex);

    /** Its listeners (one per endpoint), a snapshot. */
    List<? extends AppListener> listeners();
}
