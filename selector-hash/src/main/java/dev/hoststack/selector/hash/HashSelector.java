package dev.hoststack.selector.hash;

import dev.hoststack.api.JHash;
import dev.hoststack.api.spi.ExpressibleSelector;
import dev.hoststack.api.spi.FlowView;
import dev.hoststack.api.spi.ReuseportGroupView;
import dev.hoststack.api.spi.ReuseportSelector;
import dev.hoststack.api.spi.SelectionData;

/**
 * The kernel's SO_REUSEPORT choice: {@code slot = reciprocal_scale(h, n)} with
 * {@code h = jhash_3words(laddr, faddr, lport << 16 | fport, secret)} (IPv6:
 * {@code inet6_ehashfn}, see {@link JHash}) and {@code n} the number of workers over all members,
 * slots in (join order, worker index) order: one slot per worker, as the kernel counts sockets.
 * So an application with three workers gets about half the flows of a group of 1 + 2 + 3 workers.
 *
 * <p>Stateless: a flow keeps its worker while membership is unchanged; a change remaps most
 * flows, as in the kernel. Follows kernels up to 6.14 (6.15 hashes the local port apart).
 *
 * <p>As data ({@link ExpressibleSelector}) it is {@link SelectionData#KERNEL_HASH}: the kernel's
 * own choice over the group's sockets, with the kernel's secret (random per boot) instead of the
 * configured one, so the same shares and the same stickiness of a flow, but not the same worker
 * for a given flow as this class computes.
 */
final class HashSelector implements ReuseportSelector, ExpressibleSelector {

    private final int secret;
    /** {@code JHash.jhash3Start(secret)}, added once here instead of on every SYN. */
    private final int start;

    HashSelector(int secret) {
        this.secret = secret;
        this.start = JHash.jhash3Start(secret);
    }

    @Override
    public int select(ReuseportGroupView group, FlowView flow, int thread) {
        final int hash = flow.isIp4()
                ? JHash.inetEhashFrom(flow.localIp4(), flow.localPort(), flow.remoteIp4(), flow.remotePort(), start)
                : JHash.flowHash(flow, secret);
        return JHash.reciprocalScale(hash, group.workerCount());
    }

    /** The kernel's own hash over the group's sockets. */
    @Override
    public SelectionData selectionData(ReuseportGroupView group) {
        return SelectionData.KERNEL_HASH;
    }
}
