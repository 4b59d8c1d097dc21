package dev.hoststack.daemon.internal;

import dev.hoststack.daemon.DaemonConfig;
import dev.hoststack.reuseport.bpf.KernelDispatchProbe;

/**
 * Whether this daemon hands reuseport groups to the kernel, decided once at start from
 * {@code --dispatch} and {@link KernelDispatchProbe} (which does for real what a group needs, on a
 * throw-away loopback socket).
 *
 * @param available whether kernel groups are made
 * @param line      the one log line saying which dispatch and why
 */
record KernelSupport(boolean available, String line) {

    /**
     * Decides: {@code handoff} never probes; {@code auto} probes and takes the hand-off path when
     * the probe fails; {@code kernel} probes and refuses to start when it fails.
     *
     * @throws IllegalStateException for {@code kernel} when the kernel cannot, with the probe's reason
     */
    static KernelSupport decide(DaemonConfig.Dispatch mode) {
        if (mode == DaemonConfig.Dispatch.HANDOFF) {
            return new KernelSupport(false, "dispatch: handoff (--dispatch handoff): the daemon accepts every connection and"
                    + " hands it to the selector's worker");
        }
        KernelDispatchProbe.Result r = KernelDispatchProbe.probe();
        if (r.available()) {
            return new KernelSupport(true, "dispatch: kernel (--dispatch " + mode.name().toLowerCase(java.util.Locale.ROOT)
                    + ", the probe passed): a reuseport group whose selector can be written as data gets an SK_REUSEPORT program,"
                    + " and each of its workers accepts on a listening socket of its own; other groups and plain listens"
                    + " are handed off");
        }
        if (mode == DaemonConfig.Dispatch.KERNEL) {
            throw new IllegalStateException("--dispatch kernel: the kernel cannot run reuseport programs for this daemon ("
                    + r.code() + "): " + r.reason() + " Use --dispatch auto or handoff to run without it.");
        }
        return new KernelSupport(false, "dispatch: handoff (--dispatch auto: kernel dispatch is unavailable, " + r.code() + ": "
                + r.reason() + ")");
    }
}
