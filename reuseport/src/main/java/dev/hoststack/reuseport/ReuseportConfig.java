package dev.hoststack.reuseport;

import static com.google.common.base.Preconditions.checkArgument;

/**
 * Configuration of reuseport groups.
 *
 * @param groupCapacity  most members (applications) a group admits; the kernel's bound on a
 *                       group's sockets is 32,768
 * @param maxGroups      most groups at once
 * @param hashSecret     the secret of the kernel-style hash (selector {@code hash}, and the
 *                       fallback when a selector answers out of range)
 * @param migrateDefault whether a new group migrates the handshakes and unaccepted connections of
 *                       a departing member to the others (the kernel's {@code tcp_migrate_req})
 */
public record ReuseportConfig(int groupCapacity, int maxGroups, int hashSecret, boolean migrateDefault) {

    /** The kernel's bound on a group's members. */
    public static final int KERNEL_GROUP_CAPACITY = 32_768;

    /** Validates. */
    public ReuseportConfig {
        checkArgument(groupCapacity >= 1, "groupCapacity %s < 1", groupCapacity);
        checkArgument(maxGroups >= 1, "maxGroups %s < 1", maxGroups);
    }

    /** The defaults: the kernel's capacity, 65,536 groups, secret 0, migration on. */
    public static ReuseportConfig defaults() {
        return new ReuseportConfig(KERNEL_GROUP_CAPACITY, 1 << 16, 0, true);
    }

    /** The same with another hash secret. */
    public ReuseportConfig withHashSecret(int secret) {
        return new ReuseportConfig(groupCapacity, maxGroups, secret, migrateDefault);
    }

    /** The same with another group capacity. */
    public ReuseportConfig withGroupCapacity(int capacity) {
        return new ReuseportConfig(capacity, maxGroups, hashSecret, migrateDefault);
    }
}
