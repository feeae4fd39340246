package dev.dash.web.replay;

import static dev.dash.web.testing.Api.as;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;

import dev.dash.model.testing.DashTestResource;
import dev.dash.model.testing.PackagedService;
import dev.dash.web.testing.Api;
import dev.dash.web.testing.Db;
import dev.dash.web.testing.ReplayServiceResource;
import dev.dash.web.testing.Tokens;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.vertx.core.http.HttpMethod;
import io.vertx.mutiny.core.Vertx;
import jakarta.inject.Inject;
import jakarta.ws.rs.core.Response;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * The replay API on web-service's origin, forwarded to the real replay-service (its packaged jar) with the
 * caller's own token: admins start, list, read and cancel replays and replay quarantined events; every
 * refusal has its status and ApiError body and stores nothing.
 */
@QuarkusTest
@QuarkusTestResource(DashTestResource.class)
@TestProfile(ReplayServiceResource.Profile.class)
class ReplayProxyTest {
    @Inject
    Vertx vertx;

    static String base(Api.Team team, UUID pipeline) {
        return "/api/teams/" + team.id() + "/pipelines/" + pipeline + "/replays";
    }

    @Test
    void anAdminReplaysQuarantinedEventsListsReadsAndCancelsIt() {
        Api.Team team = Api.demoTeam();
        UUID p = Api.activePipeline(team);
        String id = as(Tokens.ADMIN)
                .body(Map.of("kind", "quarantine"))
                .post(base(team, p))
                .then()
                .statusCode(202)
                .body("kind", equalTo("quarantine"))
                .body("state", equalTo("queued"))
                .body("pipeline_id", equalTo(p.toString()))
                .body("target_version", equalTo(1))
                .extract()
                .path("id");
        UUID replay = UUID.fromString(id);
        as(Tokens.OWNER).get(base(team, p)).then().statusCode(200).body("id", hasItem(id));
        as(Tokens.ADMIN)
                .get(base(team, p) + "/" + replay)
                .then()
                .statusCode(200)
                .body("state", equalTo("queued"));

        // A second one while it is open: replay-service's 409, passed on as it is.
        as(Tokens.ADMIN)
                .body(Map.of("kind", "quarantine"))
                .post(base(team, p))
                .then()
                .statusCode(409)
                .body("error", equalTo("conflict"))
                .body("message", containsString("already open"));

        as(Tokens.ADMIN)
                .post(base(team, p) + "/" + replay + "/cancel")
                .then()
                .statusCode(202)
                .body("state", equalTo("cancelled"));
        as(Tokens.ADMIN)
                .post(base(team, p) + "/" + replay + "/cancel")
                .then()
                .statusCode(409)
                .body("error", equalTo("conflict"))
                .body("fields[0].field", equalTo("state"));
        // replay-service wrote the audit rows, under the caller's name.
        assertThat(Db.count(
                        "SELECT count(*) FROM audit_log a JOIN users u ON u.id = a.actor_user_id WHERE a.team_id = ?"
                                + " AND a.action IN ('replay.start', 'replay.cancel') AND u.email = ?",
                        team.id(),
                        Tokens.ADMIN))
                .isEqualTo(2);
    }

    @Test
    void aMappingReplayNeedsAPendingVersion() {
        Api.Team team = Api.demoTeam();
        UUID p = Api.activePipeline(team);
        as(Tokens.OWNER)
                .body(Map.of())
                .post(base(team, p))
                .then()
                .statusCode(409)
                .body("error", equalTo("conflict"))
                .body("fields[0].field", equalTo("target_version"));
        assertThat(Db.count("SELECT count(*) FROM replays WHERE pipeline_id = ?", p))
                .isZero();
    }

    @Test
    void badInputIsRefusedWithItsFieldAndNothingIsStored() {
        Api.Team team = Api.demoTeam();
        UUID p = Api.activePipeline(team);
        as(Tokens.ADMIN)
                .body(Map.of("kind", "everything"))
                .post(base(team, p))
                .then()
                .statusCode(400)
                .body("status", equalTo(400))
                .body("error", equalTo("invalid_request"))
                .body("fields[0].field", equalTo("kind"))
                .body("fields[0].reason", containsString("mapping or quarantine"));
        as(Tokens.ADMIN)
                .body(Map.of("kind", "quarantine", "from", "2026-01-02T00:00:00Z", "to", "2026-01-01T00:00:00Z"))
                .post(base(team, p))
                .then()
                .statusCode(400)
                .body("fields[0].field", equalTo("to"));
        as(Tokens.ADMIN)
                .body(Map.of("kind", "quarantine", "surprise", true))
                .post(base(team, p))
                .then()
                .statusCode(400)
                .body("status", equalTo(400));
        as(Tokens.ADMIN)
                .body("{not json")
                .post(base(team, p))
                .then()
                .statusCode(400)
                .body("status", equalTo(400));
        // Not ids: 404 from this node's routing, never forwarded.
        as(Tokens.ADMIN).get(base(team, p) + "/not-a-uuid").then().statusCode(404);
        assertThat(Db.count("SELECT count(*) FROM replays WHERE pipeline_id = ?", p))
                .isZero();
    }

    @Test
    void viewersAndMembersAreRefusedOutsidersSeeNothingAndNothingIsStored() {
        Api.Team team = Api.demoTeam();
        UUID p = Api.activePipeline(team);
        for (String user : List.of(Tokens.VIEWER, Tokens.MEMBER)) {
            as(user).body(Map.of("kind", "quarantine"))
                    .post(base(team, p))
                    .then()
                    .statusCode(403)
                    .body("status", equalTo(403))
                    .body("error", equalTo("forbidden"));
            as(user).get(base(team, p)).then().statusCode(403).body("error", equalTo("forbidden"));
        }
        // Not in the team: 404, as for everything of the team.
        as(Tokens.PLATFORM)
                .body(Map.of("kind", "quarantine"))
                .post(base(team, p))
                .then()
                .statusCode(404)
                .body("error", equalTo("not_found"));
        assertThat(Db.count("SELECT count(*) FROM replays WHERE pipeline_id = ?", p))
                .isZero();

        // Another team's pipeline under this team's path, and a replay of another pipeline: 404.
        Api.Team other = Api.team(Tokens.OWNER, Map.of());
        UUID theirs = Api.activePipeline(other);
        as(Tokens.OWNER)
                .body(Map.of("kind", "quarantine"))
                .post(base(team, theirs))
                .then()
                .statusCode(404)
                .body("error", equalTo("not_found"));
        String replay = as(Tokens.OWNER)
                .body(Map.of("kind", "quarantine"))
                .post(base(other, theirs))
                .then()
                .statusCode(202)
                .extract()
                .path("id");
        as(Tokens.OWNER)
                .post(base(team, p) + "/" + replay + "/cancel")
                .then()
                .statusCode(404)
                .body("error", equalTo("not_found"));
        assertThat(Db.count("SELECT count(*) FROM replays WHERE id = ?::uuid AND state = 'queued'", replay))
                .isEqualTo(1);
        // No token: 401 before anything.
        io.restassured.RestAssured.given().get(base(team, p)).then().statusCode(401);
    }

    @Test
    void aReplayServiceThatCannotBeReachedIs503WithTheOneErrorShape() throws Exception {
        int closed = PackagedService.freePort();
        ReplayProxy proxy = new ReplayProxy(vertx, new ReplayApiConfig() {
            @Override
            public Optional<String> url() {
                return Optional.of("http://127.0.0.1:" + closed);
            }

            @Override
            public Duration timeout() {
                return Duration.ofSeconds(2);
            }
        });
        try {
            Throwable failure = proxy.forward(HttpMethod.GET, "/api/replays/" + UUID.randomUUID(), "t", null)
                    .onItem()
                    .transform(r -> (Throwable) null)
                    .onFailure()
                    .recoverWithItem(e -> e)
                    .await()
                    .atMost(Duration.ofSeconds(10));
            assertThat(failure).isInstanceOf(dev.dash.model.api.ApiException.class);
            var body = ((dev.dash.model.api.ApiException) failure).body();
            assertThat(body.status()).isEqualTo(503);
            assertThat(body.error()).isEqualTo("unavailable");
        } finally {
            proxy.close();
        }
        ReplayProxy unset = new ReplayProxy(vertx, new ReplayApiConfig() {
            @Override
            public Optional<String> url() {
                return Optional.empty();
            }

            @Override
            public Duration timeout() {
                return Duration.ofSeconds(2);
            }
        });
        try {
            Response r = unset.forward(HttpMethod.GET, "/x", "t", null)
                    .onFailure()
                    .recoverWithItem(e -> Response.status(
                                    ((dev.dash.model.api.ApiException) e).body().status())
                            .build())
                    .await()
                    .atMost(Duration.ofSeconds(5));
            assertThat(r.getStatus()).isEqualTo(503);
        } finally {
            unset.close();
        }
    }
}
