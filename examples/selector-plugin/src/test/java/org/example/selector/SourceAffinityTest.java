package org.example.selector;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hoststack.api.spi.ReuseportSelector;
import dev.hoststack.api.spi.TestFlow;
import dev.hoststack.api.spi.TestGroupView;
import dev.hoststack.api.spi.TestSelectorContext;
import java.util.HashSet;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** What {@code source} promises: one client address, one application; clients spread over all. */
class SourceAffinityTest {

    @Test
    void oneClientAddressGoesToOneApplicationAndClientsSpread() {
        TestGroupView g = TestGroupView.ofWorkerCounts(1, 2, 3);
        ReuseportSelector s = new SourceAffinitySelectorProvider().create(TestSelectorContext.of(g, 2, 7));
        s.membershipChanged(g);
        Random rnd = new Random(1);
        int[] perApp = new int[3];
        for (int client = 0; client < 3_000; client++) {
            int address = rnd.nextInt();
            Set<Integer> apps = new HashSet<>();
            for (int port = 40_000; port < 40_010; port++) {
                TestFlow f = new TestFlow().setIp4(0x0a000001, 80, address, port);
                apps.add(g.slotMember(s.select(g, f, port & 1)));
            }
            assertThat(apps).as("applications of client %08x over ten ports", address).hasSize(1);
            perApp[apps.iterator().next()]++;
        }
        for (int a = 0; a < 3; a++) {
            assertThat(perApp[a]).as("clients of app%d of 3,000 (a third, +- 10 %%)", a + 1).isBetween(900, 1100);
        }
    }
}
