package dev.dash.web.live;

import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;

import com.fasterxml.jackson.databind.JsonNode;
import dev.dash.model.testing.Endpoints;
import dev.dash.model.testing.LocalServices;
import dev.dash.model.testing.PackagedService;
import dev.dash.web.testing.Tokens;
import io.restassured.RestAssured;
import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Two packaged web nodes side by side, each reading all of {@code dash.points}: viewers of one dashboard on
 * either node get the same data, equal to the data endpoint, without sticky sessions.
 */
class LiveTwoNodesIT {
    private static final List<Process> nodes = new ArrayList<>();
    private static final List<LiveClient> clients = new ArrayList<>();
    private static int portA;
    private static int portB;

    @BeforeAll
    static void start() throws IOException {
        Endpoints env = LocalServices.ensureStartedAndMigrated();
        portA = PackagedService.freePort();
        portB = PackagedService.freePort();
        nodes.add(node(env, portA, "a"));
        nodes.add(node(env, portB, "b"));
        PackagedService.awaitReady(portA, Duration.ofSeconds(180));
        // Ready includes the live feeds (FeedsReadiness): before it, a point written right after the
        // snapshot could pass a node whose dash.points consumer was not positioned yet.
        PackagedService.awaitReady(portB, Duration.ofSeconds(180));
        RestAssured.baseURI = "http://127.0.0.1";
        RestAssured.port = portA;
        LiveDashboardTest.openProducer();
    }

    private static Process node(Endpoints env, int port, String name) throws IOException {
        Map<String, String> props = PackagedService.config(env, port);
        props.put("dash.crypto.keys", PackagedService.TEST_CRYPTO_KEYS);
        props.put("quarkus.oidc.web.credentials.secret", "dash-web-secret");
        props.put("quarkus.oidc.web.token-state-manager.encryption-secret", "live-it-session-secret-0123456789abcdef");
        return PackagedService.start(
                "web-service",
                props,
                "256m",
                LocalServices.repoRoot().resolve("web-service/target/live-it/web-" + name + ".log"));
    }

    @AfterAll
    static void stop() throws InterruptedException {
        clients.forEach(LiveClient::close);
        LiveDashboardTest.closeProducer();
        for (Process p : nodes) {
            p.destroy();
        }
        for (Process p : nodes) {
            if (!p.waitFor(30, TimeUnit.SECONDS)) {
                p.destroyForcibly();
            }
        }
    }

    @Test
    void aNodeIsReadyOnlyOnceItsLiveFeedsAreReading() {
        for (int port : List.of(portA, portB)) {
            RestAssured.given()
                    .port(port)
                    .get("/q/health/ready")
                    .then()
                    .statusCode(200)
                    .body("checks.find { it.name == 'Live feeds' }.status", equalTo("UP"))
                    .body(
                            "checks.find { it.name == 'Live feeds' }.data.'"
                                    + LocalServices.topics().points() + "'",
                            equalTo("reading"))
                    .body(
                            "checks.find { it.name == 'Live feeds' }.data.'"
                                    + LocalServices.topics().replays() + "'",
                            equalTo("reading"));
        }
    }

    @Test
    void viewersOfOneDashboardOnTwoNodesBothFollowItLive() {
        LiveDashboardTest.Fixture f = LiveDashboardTest.fixture(1, "sum");
        String range = LiveDashboardTest.absoluteRange();
        LiveClient onA = connect(portA, f);
        LiveClient onB = connect(portB, f);
        onA.subscribe(range);
        onB.subscribe(range);
        JsonNode snapA = onA.awaitType("snapshot");
        JsonNode snapB = onB.awaitType("snapshot");
        assertThat(snapA.path("data")).isEqualTo(snapB.path("data"));
        // Two streams, one per node.
        assertThat(snapA.path("epoch")).isNotEqualTo(snapB.path("epoch"));

        Instant now = Instant.now();
        LiveDashboardTest.write(
                f, 1, List.of(LiveDashboardTest.point(now, "a", 40), LiveDashboardTest.point(now, "z", 2)));
        Awaitility.await().atMost(LiveClient.WAIT).untilAsserted(() -> {
            WidgetModel expected = WidgetModel.ofResult(LiveDashboardTest.data(f, f.widget(), snapA.path("range")));
            assertThat(expected.series).containsKey("{room=z}");
            assertThat(WidgetModel.of(onA.all(), f.widget())).isEqualTo(expected);
            assertThat(WidgetModel.of(onB.all(), f.widget())).isEqualTo(expected);
        });
    }

    private static LiveClient connect(int port, LiveDashboardTest.Fixture f) {
        LiveClient c = LiveClient.connect(
                URI.create("ws://127.0.0.1:" + port + "/api/teams/" + f.team().id() + "/dashboards/" + f.dashboard()
                        + "/live"),
                LiveDashboardTest.bearer(Tokens.VIEWER));
        clients.add(c);
        return c;
    }
}
