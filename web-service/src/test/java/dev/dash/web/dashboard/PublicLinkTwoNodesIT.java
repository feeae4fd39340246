package dev.dash.web.dashboard;

import static dev.dash.web.testing.Api.as;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;

import dev.dash.model.testing.Endpoints;
import dev.dash.model.testing.LocalServices;
import dev.dash.model.testing.PackagedService;
import dev.dash.web.testing.Api;
import dev.dash.web.testing.Tokens;
import io.restassured.RestAssured;
import java.io.IOException;
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
 * One public dashboard link read through two packaged web nodes in turn: together they allow no more than
 * the link's limit per minute. Before, each node counted for itself, so two nodes allowed twice the limit.
 */
class PublicLinkTwoNodesIT {
    static final int LIMIT = 10;
    private static final List<Process> nodes = new ArrayList<>();
    private static final int[] ports = new int[2];

    @BeforeAll
    static void start() throws IOException {
        Endpoints env = LocalServices.ensureStartedAndMigrated();
        for (int i = 0; i < 2; i++) {
            ports[i] = PackagedService.freePort();
            Map<String, String> props = PackagedService.config(env, ports[i]);
            props.put("dash.crypto.keys", PackagedService.TEST_CRYPTO_KEYS);
            props.put("quarkus.oidc.web.credentials.secret", "dash-web-secret");
            props.put(
                    "quarkus.oidc.web.token-state-manager.encryption-secret",
                    "public-it-session-secret-0123456789abcdef");
            props.put("dash.public-links.rate-limit-per-minute", String.valueOf(LIMIT));
            nodes.add(PackagedService.start(
                    "web-service",
                    props,
                    "256m",
                    LocalServices.repoRoot().resolve("web-service/target/public-link-it/web-" + i + ".log")));
        }
        for (int port : ports) {
            PackagedService.awaitReady(port, Duration.ofSeconds(180));
        }
        RestAssured.baseURI = "http://127.0.0.1";
        RestAssured.port = ports[0];
    }

    @AfterAll
    static void stop() throws InterruptedException {
        RestAssured.reset();
        nodes.forEach(Process::destroy);
        for (Process p : nodes) {
            if (!p.waitFor(30, TimeUnit.SECONDS)) {
                p.destroyForcibly();
            }
        }
    }

    @Test
    void twoNodesTogetherAllowOneLinkNoMoreThanItsLimitPerMinute() {
        Api.Team team = Api.team(Tokens.OWNER, Map.of());
        String dashboard = as(Tokens.OWNER)
                .body(Map.of("name", "Public", "slug", Api.unique("pub")))
                .post("/api/teams/" + team.id() + "/dashboards")
                .then()
                .statusCode(201)
                .extract()
                .path("id");
        String token = as(Tokens.OWNER)
                .body(Map.of("expires_in_days", 1))
                .post("/api/teams/" + team.id() + "/dashboards/" + dashboard + "/public-link")
                .then()
                .statusCode(200)
                .extract()
                .path("token");
        // Counting is per UTC minute: start early enough in one that the whole run stays inside it.
        Awaitility.await()
                .atMost(Duration.ofSeconds(61))
                .pollInterval(Duration.ofMillis(200))
                .until(() -> Instant.now().getEpochSecond() % 60 < 40);
        long minute = Instant.now().getEpochSecond() / 60;
        int[] allowed = new int[2];
        int refused = 0;
        for (int i = 0; i < 3 * LIMIT; i++) {
            int node = i % 2;
            int status = given().port(ports[node])
                    .get("/public/dashboards/" + token)
                    .then()
                    .extract()
                    .statusCode();
            if (status == 200) {
                allowed[node]++;
            } else {
                assertThat(status).isEqualTo(429);
                refused++;
            }
        }
        assertThat(Instant.now().getEpochSecond() / 60)
                .as("still the same minute")
                .isEqualTo(minute);
        assertThat(allowed[0] + allowed[1]).isEqualTo(LIMIT);
        assertThat(allowed[0]).isPositive();
        assertThat(allowed[1]).isPositive();
        assertThat(refused).isEqualTo(2 * LIMIT);
        given().port(ports[1])
                .get("/public/dashboards/" + token)
                .then()
                .statusCode(429)
                .header("Retry-After", org.hamcrest.Matchers.notNullValue())
                .body("status", equalTo(429))
                .body("error", equalTo("rate_limited"));
    }
}
