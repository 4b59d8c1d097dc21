package dev.hoststack.composing;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hoststack.api.Ip;
import dev.hoststack.api.SessionHandle;
import dev.hoststack.session.table.SessionHashTable;
import dev.hoststack.session.table.SessionKeys;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** docs/composing.md, recipe 4: the session tables alone, as the flow table of another protocol. */
class Recipe4TablesAloneTest {

    @Test
    void aUdpFlowTableOnTheSessionTables() {
        int server = Ip.ip4(Ip.parseAddress("10.0.0.53", "server"));
        int resolver = Ip.ip4(Ip.parseAddress("192.0.2.1", "resolver"));
        int stateIndex = 7;

        // tag::tables-alone[]
        // UDP flows (IP protocol 17) to per-flow state kept elsewhere, e.g. an index into your pool
        final int udp = 17;
        SessionHashTable flows = new SessionHashTable(SessionKeys.IP4_WORDS, 1024, 1 << 20);
        long[] key = new long[SessionKeys.IP4_WORDS];      // scratch, reused: lookups allocate nothing

        // writers: any thread (one lock per table); values are any long but INVALID (-1)
        SessionKeys.ip4(key, udp, server, 53, resolver, 33_000);
        int added = flows.putIfAbsent(key, stateIndex);    // INSERTED, EXISTS or FULL

        // readers: any thread, no lock, while writers change the table
        long found = flows.get(key);                        // stateIndex
        SessionKeys.ip4(key, udp, server, 53, resolver, 33_001);
        long missing = flows.get(key);                      // SessionHandle.INVALID
        // end::tables-alone[]

        assertThat(added).isEqualTo(SessionHashTable.INSERTED);
        assertThat(found).isEqualTo(stateIndex);
        assertThat(missing).isEqualTo(SessionHandle.INVALID);

        // and as a table it holds: 10,000 random flows in, every one found, half out, none of those found
        Random random = new Random(16);
        long[][] keys = new long[10_000][];
        for (int i = 0; i < keys.length; i++) {
            keys[i] = new long[SessionKeys.IP4_WORDS];
            SessionKeys.ip4(keys[i], udp, server, 53, random.nextInt(), 1 + random.nextInt(65_535));
            if (flows.putIfAbsent(keys[i], i) != SessionHashTable.INSERTED) {
                keys[i] = null;   // a repeated random flow: nothing to check for it
            }
        }
        for (int i = 0; i < keys.length; i++) {
            if (keys[i] != null) {
                assertThat(flows.get(keys[i])).as("flow %s", i).isEqualTo(i);
            }
        }
        for (int i = 0; i < keys.length; i += 2) {
            if (keys[i] != null) {
                assertThat(flows.remove(keys[i])).as("removing flow %s", i).isEqualTo(i);
                assertThat(flows.get(keys[i])).as("flow %s after removal", i).isEqualTo(SessionHandle.INVALID);
            }
        }
    }
}
