package dev.dash.web.pipeline;

import static dev.dash.web.testing.Api.as;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

import dev.dash.model.testing.DashTestResource;
import dev.dash.web.testing.Api;
import dev.dash.web.testing.Db;
import dev.dash.web.testing.Tokens;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import io.restassured.path.json.JsonPath;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

/**
 * {@code GET /api/teams/{team}/pipelines/activity}: events in the last whole minute, so far this minute, and
 * the last event's time per pipeline, from the rows the Silver writers keep; refusals with their ApiError.
 */
@QuarkusTest
@QuarkusTestResource(DashTestResource.class)
class PipelineActivityTest {
    static String path(UUID team) {
        return "/api/teams/" + team + "/pipelines/activity";
    }

    /** As the Silver writers leave it: 3 events in the last whole minute, 2 so far in this one. */
    static void busy(UUID pipeline) {
        Db.update("""
                INSERT INTO pipeline_ingest_stats (pipeline_id, last_event_at, minute, minute_events, prev_minute_events)
                VALUES (?, now() - interval '1 second', date_trunc('minute', now()), 2, 3)
                ON CONFLICT (pipeline_id) DO UPDATE SET last_event_at = EXCLUDED.last_event_at,
                    minute = EXCLUDED.minute, minute_events = 2, prev_minute_events = 3
                """, pipeline);
    }

    @Test
    void viewersSeeEachPipelinesRateAndLastEvent() {
        Api.Team team = Api.demoTeam();
        UUID busy = Api.pipeline(team);
        UUID quiet = Api.pipeline(team);
        UUID stale = Api.pipeline(team);
        // Events long ago: a last event, but no rate.
        Db.update("""
                INSERT INTO pipeline_ingest_stats (pipeline_id, last_event_at, minute, minute_events, prev_minute_events)
                VALUES (?, now() - interval '2 hours', date_trunc('minute', now() - interval '2 hours'), 50, 40)
                """, stale);
        // The minute may turn between the write and the read: then the rates moved on, so write again.
        Awaitility.await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
            busy(busy);
            JsonPath body = as(Tokens.VIEWER)
                    .get(path(team.id()))
                    .then()
                    .statusCode(200)
                    .extract()
                    .jsonPath();
            Map<String, Map<String, Object>> byId = body.<Map<String, Object>>getList("").stream()
                    .collect(Collectors.toMap(m -> (String) m.get("pipeline_id"), m -> m));
            assertThat(byId).hasSize(3);
            assertThat(byId.get(busy.toString()))
                    .containsEntry("events_per_minute", 3)
                    .containsEntry("events_this_minute", 2);
            assertThat(Instant.parse((String) byId.get(busy.toString()).get("last_event_at")))
                    .isAfter(Instant.now().minusSeconds(60));
            assertThat(byId.get(quiet.toString()))
                    .containsEntry("events_per_minute", 0)
                    .containsEntry("events_this_minute", 0)
                    .doesNotContainKey("last_event_at");
            assertThat(byId.get(stale.toString()))
                    .containsEntry("events_per_minute", 0)
                    .containsEntry("events_this_minute", 0)
                    .containsKey("last_event_at");
        });

        // Only the pipelines asked for, repeated or comma-separated.
        as(Tokens.VIEWER)
                .queryParam("pipeline_id", busy.toString())
                .get(path(team.id()))
                .then()
                .statusCode(200)
                .body("size()", equalTo(1))
                .body("[0].pipeline_id", equalTo(busy.toString()));
        as(Tokens.VIEWER)
                .queryParam("pipeline_id", busy + "," + quiet)
                .get(path(team.id()))
                .then()
                .statusCode(200)
                .body("size()", equalTo(2));
        // Another team's pipeline is not this team's: left out, nothing said about it.
        Api.Team other = Api.team(Tokens.OWNER, Map.of());
        UUID theirs = Api.pipeline(other);
        busy(theirs);
        as(Tokens.OWNER)
                .queryParam("pipeline_id", theirs.toString())
                .get(path(team.id()))
                .then()
                .statusCode(200)
                .body("size()", equalTo(0));
        // A deleted pipeline takes its row with it.
        as(Tokens.OWNER)
                .delete("/api/teams/" + other.id() + "/pipelines/" + theirs)
                .then()
                .statusCode(204);
        assertThat(Db.count("SELECT count(*) FROM pipeline_ingest_stats WHERE pipeline_id = ?", theirs))
                .isZero();
    }

    @Test
    void badIdsAreRefusedWithTheFieldAndNothingChanges() {
        Api.Team team = Api.demoTeam();
        UUID p = Api.pipeline(team);
        busy(p);
        long rows = Db.count("SELECT count(*) FROM pipeline_ingest_stats");
        for (String bad : List.of("nope", p + ",", "' OR 1=1 --", p.toString().replace("-", ""))) {
            as(Tokens.VIEWER)
                    .queryParam("pipeline_id", bad)
                    .get(path(team.id()))
                    .then()
                    .statusCode(400)
                    .body("status", equalTo(400))
                    .body("error", equalTo("invalid_request"))
                    .body("fields[0].field", equalTo("pipeline_id"))
                    .body("fields[0].reason", containsString("UUID"));
        }
        String many = IntStream.range(0, PipelineActivityResource.MAX_IDS + 1)
                .mapToObj(i -> UUID.randomUUID().toString())
                .collect(Collectors.joining(","));
        as(Tokens.VIEWER)
                .queryParam("pipeline_id", many)
                .get(path(team.id()))
                .then()
                .statusCode(400)
                .body("fields[0].field", equalTo("pipeline_id"))
                .body("fields[0].reason", containsString("at most 100"));
        assertThat(Db.count("SELECT count(*) FROM pipeline_ingest_stats")).isEqualTo(rows);
    }

    @Test
    void outsidersGet404AndNoTokenGets401() {
        Api.Team team = Api.team(Tokens.OWNER, Map.of());
        Api.pipeline(team);
        as(Tokens.VIEWER)
                .get(path(team.id()))
                .then()
                .statusCode(404)
                .body("status", equalTo(404))
                .body("error", equalTo("not_found"));
        RestAssured.given().get(path(team.id())).then().statusCode(401);
        as(Tokens.VIEWER).get(path(UUID.randomUUID())).then().statusCode(404);
        // A path that is not a team id is no team either.
        as(Tokens.VIEWER).get("/api/teams/not-a-team/pipelines/activity").then().statusCode(404);
    }
}
