package dev.hoststack.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Issue 8, test 2: port hijacking across containers. The daemon takes an application's owner from
 * its socket's credentials (SO_PEERCRED), which a container cannot forge: an application container
 * running as another uid, even root, that tries to join a reuseport group is refused with
 * {@code REUSEPORT_OWNER_MISMATCH}, and the group goes on exactly as if nothing had happened.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class HijackIT {

    @RegisterExtension
    static final HoststackContainers containers = new HoststackContainers();

    @Test
    void anotherUidCannotJoinTheGroupAndTheNextConnectionsGoToTheRightfulMembersOnly() throws Exception {
        Deployment d = new Deployment(containers);
        d.daemon("daemon");
        Running web = d.worker("web", RuntimeImage.APP, "web", 2, "tcp://127.0.0.1/0", "--selector", "roundrobin");
        String uri = web.uri();
        List<String> before = answers(web.port(), 6);
        assertThat(before).as("round robin over web's two workers").containsExactly(
                "web-w0", "web-w1", "web-w0", "web-w1", "web-w0", "web-w1");

        for (int uid : new int[] {RuntimeImage.NOBODY, RuntimeImage.ROOT}) {
            String app = "evil" + uid;
            Exited evil = d.runWorker(app, uid, app, 1, uri, "--selector", "roundrobin");

            assertThat(evil.exitCode()).as("a refused worker exits with 3; %s", evil.output()).isEqualTo(3);
            assertThat(evil.stdout()).as("uid %s joining %s owned by uid 1000", uid, uri)
                    .contains("error REUSEPORT_OWNER_MISMATCH")
                    .contains("app '" + app + "' (owner " + uid + ") may not join the reuseport group on " + uri)
                    .contains("its members' owner is " + RuntimeImage.APP);
        }

        List<String> after = answers(web.port(), 20);
        List<String> expected = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            expected.add("web-w" + i % 2);
        }
        assertThat(after).as("the rotation goes on as if no one had tried: web's workers only, in turn")
                .containsExactlyElementsOf(expected);

        JsonObject show = d.show();
        assertThat(show.getAsJsonArray("apps")).as("applications attached now").hasSize(1);
        JsonObject listener = show.getAsJsonArray("listeners").get(0).getAsJsonObject();
        assertThat(listener.get("uri").getAsString()).isEqualTo(uri);
        assertThat(listener.get("listens").getAsInt()).as("listens on %s: web's two workers", uri).isEqualTo(2);
        assertThat(Deployment.total(show, "accepted")).isEqualTo(26);
        assertThat(Deployment.sum(show, "web", "taken")).as("connections web took").isEqualTo(26);
        for (JsonElement g : show.getAsJsonArray("gone")) {
            JsonObject w = g.getAsJsonObject();
            assertThat(w.get("app").getAsString()).as("the only workers gone are the refused ones").startsWith("evil");
            assertThat(w.get("handed").getAsLong()).as("connections handed to %s", w).isZero();
            assertThat(w.getAsJsonArray("listens")).as("listens %s had", w).isEmpty();
        }
        assertThat(web.running()).isTrue();
    }

    private static List<String> answers(int port, int n) {
        List<String> labels = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            Http.Result r = Http.get(port, 10_000);
            assertThat(r.outcome()).as("connection %s: %s", i, r).isEqualTo(Http.Outcome.ANSWERED);
            labels.add(r.label());
        }
        return labels;
    }
}
