package dev.hoststack.cli;

import dev.hoststack.daemon.DaemonConfig;
import picocli.CommandLine.Option;

/**
 * {@code hoststack daemon}'s kernel dispatch options (a picocli mixin): whether reuseport groups
 * are handed to an {@code SK_REUSEPORT} program, and the sizes of a kernel group's maps. Unset
 * options keep {@link DaemonConfig.Kernel#DEFAULTS}.
 */
public final class DaemonKernelOptions {

    @Option(names = "--dispatch", paramLabel = "MODE",
            description = "who picks the worker of a reuseport group's connection: kernel (an SK_REUSEPORT program over"
                + " tables the daemon publishes; each worker accepts on a listening socket of its own; refuses to start"
                + " where the kernel cannot), handoff (the daemon accepts and hands each connection over), or auto"
                + " (kernel where a probe at start passes, else handoff; one log line says which and why) (default: auto)")
    String dispatch;

    @Option(names = "--kernel-max-sockets", paramLabel = "N",
            description = "listening sockets (workers) one kernel group holds, 1..65535; a listen past it is refused with"
                + " KERNEL_GROUP_FULL (default: 1024)")
    Integer maxSockets;

    @Option(names = "--kernel-max-apps", paramLabel = "N",
            description = "applications one kernel group holds, 1..65535; past it, KERNEL_GROUP_FULL (default: 256)")
    Integer maxApps;

    @Option(names = "--kernel-congested-percent", paramLabel = "P",
            description = "a worker whose accept queue holds more than P %% of its backlog leaves its kernel group's table"
                + " until under half of that; 0 turns it off (default: 50)")
    Integer congestedPercent;

    /**
     * Sets the given options on {@code b}.
     *
     * @throws IllegalArgumentException naming a bad value
     */
    void apply(DaemonConfig.Builder b) {
        DaemonConfig.Kernel k = DaemonConfig.Kernel.DEFAULTS;
        k = new DaemonConfig.Kernel(dispatch == null ? k.dispatch() : DaemonConfig.Dispatch.parse(dispatch),
                maxSockets == null ? k.maxSockets() : maxSockets, maxApps == null ? k.maxApps() : maxApps,
                congestedPercent == null ? k.congestedPercent() : congestedPercent);
        b.kernel(k);
    }
}
