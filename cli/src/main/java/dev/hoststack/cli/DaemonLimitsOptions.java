package dev.hoststack.cli;

import dev.hoststack.daemon.DaemonConfig;
import picocli.CommandLine.Option;

/**
 * {@code hoststack daemon}'s limits, timeouts and reservation grace (a picocli mixin): what one
 * local user, and all together, may hold, and how long the daemon waits for slow clients.
 * Unset options keep {@link DaemonConfig.Limits#DEFAULTS}.
 */
public final class DaemonLimitsOptions {

    @Option(names = "--max-connections", paramLabel = "N",
            description = "control connections at most, all users together (default: half the descriptors left at start,"
                + " at most 4096; the last 8 kept for root and the daemon's user)")
    Integer maxConnections;

    @Option(names = "--max-connections-per-uid", paramLabel = "N",
            description = "control connections one uid may hold (default: half of --max-connections, at most 512)")
    Integer connectionsPerUid;

    @Option(names = "--max-apps-per-uid", paramLabel = "N", description = "applications one uid may attach (default: 64)")
    Integer appsPerUid;

    @Option(names = "--max-workers-per-uid", paramLabel = "N", description = "app workers one uid may have (default: 256)")
    Integer workersPerUid;

    @Option(names = "--max-listens-per-uid", paramLabel = "N", description = "listens one uid may hold (default: 256)")
    Integer listensPerUid;

    @Option(names = "--max-pending-output", paramLabel = "BYTES",
            description = "unread replies a connection may leave before its requests stop being read (default: 262144)")
    Integer maxPendingOutput;

    @Option(names = "--hello-timeout", paramLabel = "DURATION",
            description = "a new connection's first request must come within this (default: 10s)")
    String helloTimeout;

    @Option(names = "--request-timeout", paramLabel = "DURATION",
            description = "a request line, once begun, must end within this (default: 10s)")
    String requestTimeout;

    @Option(names = "--idle-timeout", paramLabel = "DURATION",
            description = "a connection that is no app worker and sends nothing this long is closed (default: 60s)")
    String idleTimeout;

    @Option(names = "--write-timeout", paramLabel = "DURATION",
            description = "a connection that leaves its replies unread this long is closed (default: 30s)")
    String writeTimeout;

    @Option(names = "--reservation-grace", paramLabel = "DURATION",
            description = "after a restart, ports and application names stay reserved for their owners this long"
                + " (default: 60s; 0 turns it off)")
    String reservationGrace;

    /**
     * Sets the given options on {@code b}.
     *
     * @throws IllegalArgumentException naming a bad value
     */
    void apply(DaemonConfig.Builder b) {
        DaemonConfig.Limits.Builder l = DaemonConfig.Limits.builder();
        if (maxConnections != null) {
            l.maxConnections(maxConnections);
        }
        if (connectionsPerUid != null) {
            l.connectionsPerUid(connectionsPerUid);
        }
        if (appsPerUid != null) {
            l.appsPerUid(appsPerUid);
        }
        if (workersPerUid != null) {
            l.workersPerUid(workersPerUid);
        }
        if (listensPerUid != null) {
            l.listensPerUid(listensPerUid);
        }
        if (maxPendingOutput != null) {
            l.maxPendingOutput(maxPendingOutput);
        }
        if (helloTimeout != null) {
            l.helloTimeout(DaemonConfig.parseDuration("--hello-timeout", helloTimeout));
        }
        if (requestTimeout != null) {
            l.requestTimeout(DaemonConfig.parseDuration("--request-timeout", requestTimeout));
        }
        if (idleTimeout != null) {
            l.idleTimeout(DaemonConfig.parseDuration("--idle-timeout", idleTimeout));
        }
        if (writeTimeout != null) {
            l.writeTimeout(DaemonConfig.parseDuration("--write-timeout", writeTimeout));
        }
        b.limits(l.build());
        if (reservationGrace != null) {
            b.reservationGrace(DaemonConfig.parseDuration("--reservation-grace", reservationGrace));
        }
    }
}
