package dev.hoststack.selector.hash;

import dev.hoststack.api.JHash;
import dev.hoststack.api.spi.FlowView;
import dev.hoststack.api.spi.ReuseportGroupView;
import dev.hoststack.api.spi.ReuseportSelector;

/**
 * The kernel's SO_REUSEPORT choice: {@code slot = reciprocal_scale(h, n)} with
 * {@code h = jhash_3words(laddr, faddr, lport << 16 | fport, secret)} (IPv6:
 * {@code inet6_ehashfn}, see {@link JHash}) and {@code n} the number of workers over all members,
 * slots in (join order, worker index) order: one slot per worker, as the kernel counts sockets.
 * So an application with three workers gets about half the flows of a group of 1 + 2 + 3 workers.
 *
 * <p>Stateless: a flow keeps its worker while membership is unchanged; a change remaps most
 * flows, as in the kernel. Follows kernels up to 6.14 (6.15 hashes the local port apart).
 */
final class HashSelector implements ReuseportSelector {

    private final int secret;

    HashSelector(int secret) {
        this.secret = secret;
    }

    @Override
    public int select(ReuseportGroupView group, FlowView flow, int thread) {
        return JHash.reciprocalScale(JHash.flowHash(flow, secret), group.workerCount());
    }
}
