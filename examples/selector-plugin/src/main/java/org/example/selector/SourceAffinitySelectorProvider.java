package org.example.selector;

import dev.hoststack.api.spi.FlowView;
import dev.hoststack.api.spi.ReuseportGroupView;
import dev.hoststack.api.spi.ReuseportSelector;
import dev.hoststack.api.spi.ReuseportSelectorProvider;
import dev.hoststack.api.spi.SelectorContext;

/**
 * Provides {@code source}: client address affinity, as HAProxy's {@code balance source} or
 * nginx's {@code ip_hash}. Every connection from one client address goes to the same application
 * (a hash of the remote address alone, over the members), and within it to a worker chosen by a
 * hash of the whole 4-tuple. A client keeps its application while the membership is unchanged.
 *
 * <p>Stateless: nothing per thread, nothing shared, so any number of data threads may call it at
 * once; no allocation, no exception (the SYN path). Found by {@link java.util.ServiceLoader}
 * through {@code META-INF/services/dev.hoststack.api.spi.ReuseportSelectorProvider}.
 */
public final class SourceAffinitySelectorProvider implements ReuseportSelectorProvider {

    /** For {@link java.util.ServiceLoader}: a public no-argument constructor. */
    public SourceAffinitySelectorProvider() {
    }

    @Override
    public String name() {
        return "source";
    }

    @Override
    public String description() {
        return "client address affinity: one client's connections go to one application (HAProxy's balance source)";
    }

    @Override
    public ReuseportSelector create(SelectorContext context) {
        return new Selector(context.hashSecret());
    }

    /** The selector: two hashes, two multiply-shifts. */
    static final class Selector implements ReuseportSelector {
        private final long key;

        Selector(int secret) {
            this.key = mix(secret ^ 0x50ACEL);
        }

        @Override
        public int select(ReuseportGroupView group, FlowView flow, int thread) {
            long address = flow.isIp4() ? flow.remoteIp4() : flow.remoteIp6Hi() ^ mix(flow.remoteIp6Lo());
            long h = mix(address ^ key);
            int member = scale(h, group.memberCount());
            long h4 = mix(h ^ ((long) flow.remotePort() << 16 | flow.localPort()));
            return group.memberFirstSlot(member) + scale(h4, group.memberWorkerCount(member));
        }

        /** The upper 32 bits of {@code h} scaled to {@code 0..n-1} (the kernel's reciprocal_scale). */
        private static int scale(long h, int n) {
            return (int) (((h >>> 32) * n) >>> 32);
        }

        /** SplitMix64's finaliser: every input bit moves every output bit. */
        private static long mix(long z) {
            z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
            z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
            return z ^ (z >>> 31);
        }
    }
}
