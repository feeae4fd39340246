package dev.dash.web.dashboard;

import static dev.dash.web.testing.Api.as;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.nullValue;

import dev.dash.model.testing.DashTestResource;
import dev.dash.model.testing.LocalServices;
import dev.dash.web.testing.Api;
import dev.dash.web.testing.Db;
import dev.dash.web.testing.Tokens;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

@Tag(LocalServices.SILVER_TAG)
@QuarkusTest
@QuarkusTestResource(DashTestResource.class)
class DashboardTest {

    record Fixture(Api.Team team, UUID pipeline, String dashboard, String widget) {}

    static Fixture fixture() {
        Api.Team team = Api.team(Tokens.OWNER, Map.of("member", Tokens.MEMBER, "viewer", Tokens.VIEWER));
        UUID pipeline = Api.pipeline(team);
        Db.update("UPDATE pipelines SET active_mapping_version = 1 WHERE id = ?", pipeline);
        Db.update("""
                INSERT INTO metrics (time, pipeline_id, team_id, metric, labels, value, event_id, mapping_version)
                SELECT now() - make_interval(mins => i), ?, ?, 'temp', '{}', i, gen_random_uuid(), 1 FROM generate_series(1, 30) i
                """, pipeline, team.id());
        // Written behind SilverStore's back, so not in the rollup invalidation log (plain) nor yet in the
        // continuous aggregates (TimescaleDB): refresh their minutes, as the writer's log would have it done.
        Db.refreshRollups(Instant.now().minus(Duration.ofMinutes(31)), Instant.now());
        String dashboard = as(Tokens.MEMBER)
                .body(Map.of("name", "Ops", "slug", Api.unique("ops"), "layout", Map.of("columns", 12)))
                .post("/api/teams/" + team.id() + "/dashboards")
                .then()
                .statusCode(201)
                .extract()
                .path("id");
        String widget = as(Tokens.MEMBER)
                .body(Map.of(
                        "type",
                        "line_chart",
                        "title",
                        "Temperature",
                        "position",
                        Map.of("x", 0, "y", 0, "w", 6, "h", 4),
                        "data_query",
                        Map.of("pipeline_id", pipeline.toString(), "metric", "temp", "aggregation", "count")))
                .post("/api/teams/" + team.id() + "/dashboards/" + dashboard + "/widgets")
                .then()
                .statusCode(201)
                .extract()
                .path("id");
        return new Fixture(team, pipeline, dashboard, widget);
    }

    @Test
    void membersBuildDashboardsAndViewersReadTheirData() {
        Fixture f = fixture();
        String base = "/api/teams/" + f.team().id() + "/dashboards/" + f.dashboard();
        as(Tokens.VIEWER)
                .get(base)
                .then()
                .statusCode(200)
                .body("widgets", hasSize(1))
                .body("layout.columns", equalTo(12));
        await().atMost(Duration.ofSeconds(150))
                .pollInterval(Duration.ofSeconds(1))
                .untilAsserted(() -> as(Tokens.VIEWER)
                        .body(Map.of("bucket", "PT1H"))
                        .post(base + "/widgets/" + f.widget() + "/data")
                        .then()
                        .statusCode(200)
                        .body("series[0].points.v.sum().intValue()", equalTo(30)));
        as(Tokens.MEMBER)
                .body(Map.of("title", "Temp (°C)"))
                .patch(base + "/widgets/" + f.widget())
                .then()
                .statusCode(200)
                .body("title", equalTo("Temp (°C)"))
                .body("type", equalTo("line_chart"));
        as(Tokens.MEMBER).delete(base + "/widgets/" + f.widget()).then().statusCode(204);
        as(Tokens.MEMBER).delete(base).then().statusCode(204);
        assertThat(Db.rows(
                                "SELECT action FROM audit_log WHERE team_id = ? AND entity_type IN ('dashboard', 'widget') ORDER BY id",
                                f.team().id())
                        .stream()
                        .map(r -> r.get("action"))
                        .toList())
                .containsExactly(
                        "dashboard.create", "widget.create", "widget.update", "widget.delete", "dashboard.delete");
    }

    @Test
    void badWidgetsAreRefusedAndNotStored() {
        Fixture f = fixture();
        Api.Team other = Api.team(Tokens.OWNER, Map.of());
        UUID foreign = Api.pipeline(other);
        String url = "/api/teams/" + f.team().id() + "/dashboards/" + f.dashboard() + "/widgets";
        as(Tokens.MEMBER)
                .body(Map.of("type", "pie_chart"))
                .post(url)
                .then()
                .statusCode(400)
                .body("fields.field", hasItem("type"));
        as(Tokens.MEMBER)
                .body(Map.of(
                        "type", "stat_card", "data_query", Map.of("pipeline_id", foreign.toString(), "metric", "x")))
                .post(url)
                .then()
                .statusCode(400)
                .body("fields[0].field", equalTo("data_query.pipeline_id"));
        as(Tokens.MEMBER)
                .body(Map.of(
                        "type",
                        "stat_card",
                        "data_query",
                        Map.of("pipeline_id", f.pipeline().toString(), "metric", "x", "aggregation", "p99")))
                .post(url)
                .then()
                .statusCode(400)
                .body("fields[0].field", equalTo("data_query.aggregation"));
        assertThat(Db.count("SELECT count(*) FROM widgets WHERE dashboard_id = ?::uuid", f.dashboard()))
                .isEqualTo(1);
        as(Tokens.MEMBER)
                .body(Map.of("name", "x", "slug", "Bad Slug"))
                .post("/api/teams/" + f.team().id() + "/dashboards")
                .then()
                .statusCode(400)
                .body("fields[0].field", equalTo("slug"));
    }

    @Test
    void publicLinksAreReadOnlyHashedRevocableAndRateLimited() {
        Fixture f = fixture();
        String base = "/api/teams/" + f.team().id() + "/dashboards/" + f.dashboard();
        as(Tokens.MEMBER).post(base + "/public-link").then().statusCode(403);
        String token = as(Tokens.OWNER)
                .body(Map.of("expires_in_days", 7))
                .post(base + "/public-link")
                .then()
                .statusCode(200)
                .extract()
                .path("token");
        // Only the hash is stored.
        assertThat(Db.rows("SELECT d::text AS t FROM dashboards d WHERE id = ?::uuid", f.dashboard())
                        .toString())
                .doesNotContain(token);
        given().get("/public/dashboards/" + token)
                .then()
                .statusCode(200)
                .body("name", equalTo("Ops"))
                .body("team_id", nullValue())
                .body("widgets", hasSize(1));
        // Raw buckets: these points were written after the rollup job's last round (see docs/api.md).
        given().contentType(ContentType.JSON)
                .body("{\"bucket\": \"PT30S\"}")
                .post("/public/dashboards/" + token + "/widgets/" + f.widget() + "/data")
                .then()
                .statusCode(200)
                .body("series[0].points.v.sum().intValue()", equalTo(30));
        // Read-only: nothing of the API is reachable with the token.
        given().auth().oauth2(token).get(base).then().statusCode(401);
        given().contentType(ContentType.JSON)
                .body("{}")
                .post("/public/dashboards/" + token)
                .then()
                .statusCode(405);
        given().get("/public/dashboards/not-a-token").then().statusCode(404);

        // The limit (20 a minute in tests) counts in fixed one-minute windows: if a window starts during the
        // loop, the new one needs another 21 before it refuses, so up to twice the limit and more are tried.
        int status = 200;
        for (int i = 0; i < 45 && status == 200; i++) {
            status = given().get("/public/dashboards/" + token).then().extract().statusCode();
        }
        assertThat(status).isEqualTo(429);
        given().get("/public/dashboards/" + token).then().statusCode(429).body("error", equalTo("rate_limited"));

        as(Tokens.OWNER).delete(base + "/public-link").then().statusCode(204);
        String token2 = as(Tokens.OWNER)
                .post(base + "/public-link")
                .then()
                .statusCode(200)
                .extract()
                .path("token");
        as(Tokens.OWNER).delete(base + "/public-link").then().statusCode(204);
        given().get("/public/dashboards/" + token2).then().statusCode(404);
    }

    @Test
    void anExpiredLinkIsGone() {
        Fixture f = fixture();
        String token = as(Tokens.OWNER)
                .post("/api/teams/" + f.team().id() + "/dashboards/" + f.dashboard() + "/public-link")
                .then()
                .statusCode(200)
                .extract()
                .path("token");
        Db.update(
                "UPDATE dashboards SET public_token_expires_at = now() - interval '1 second' WHERE id = ?::uuid",
                f.dashboard());
        given().get("/public/dashboards/" + token).then().statusCode(404);
        assertThat(UUID.fromString(f.widget())).isNotNull();
    }
}
