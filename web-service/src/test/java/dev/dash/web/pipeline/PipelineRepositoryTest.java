package dev.dash.web.pipeline;

import static dev.dash.web.testing.Api.as;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;

import dev.dash.model.testing.DashTestResource;
import dev.dash.web.testing.Api;
import dev.dash.web.testing.Db;
import dev.dash.web.testing.Tokens;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * What the move of pipelines, secrets and mapping versions onto Hibernate Reactive Panache repositories must keep:
 * every change moves the snapshot revision ({@code updated_at}, in the database's clock) forward and the response
 * shows the row as stored; columns another service owns are never rewritten; a refused change stores nothing.
 */
@QuarkusTest
@QuarkusTestResource(DashTestResource.class)
class PipelineRepositoryTest {

    private static Instant revision(UUID pipeline) {
        return ((Timestamp) Db.rows("SELECT updated_at FROM pipelines WHERE id = ?", pipeline)
                        .get(0)
                        .get("updated_at"))
                .toInstant();
    }

    /** The revision after a change: later than {@code before}, and the one the response showed. */
    private static Instant movedFrom(Instant before, UUID pipeline, String shown) {
        Instant now = revision(pipeline);
        assertThat(now).isAfter(before);
        assertThat(Instant.parse(shown)).isEqualTo(now);
        return now;
    }

    @Test
    void everyChangeMovesTheRevisionForwardAndAnswersWithTheStoredRow() {
        Api.Team team = Api.team(Tokens.OWNER, Map.of());
        UUID id = Api.pipeline(team);
        String base = "/api/teams/" + team.id() + "/pipelines/" + id;
        Instant r = revision(id);
        String oldSecret =
                as(Tokens.OWNER).get(base).then().statusCode(200).extract().path("secrets[0].id");

        String shown = as(Tokens.OWNER)
                .body(Map.of("name", "renamed-" + id))
                .patch(base)
                .then()
                .statusCode(200)
                .extract()
                .path("pipeline.updated_at");
        r = movedFrom(r, id, shown);

        JsonPath rotated = as(Tokens.OWNER)
                .body(Map.of("overlap_seconds", 600))
                .post(base + "/secrets")
                .then()
                .statusCode(200)
                .extract()
                .jsonPath();
        r = movedFrom(r, id, rotated.getString("pipeline.updated_at"));
        // The old secret as the bulk update left it (expiring), the new one as inserted (with its time).
        assertThat(rotated.getString("pipeline.secrets.find { it.id == '" + oldSecret + "' }.expires_at"))
                .isNotNull();
        assertThat(rotated.getString("pipeline.secrets[0].inserted_at")).isNotNull();

        JsonPath revoked = as(Tokens.OWNER)
                .delete(base + "/secrets/" + oldSecret)
                .then()
                .statusCode(200)
                .extract()
                .jsonPath();
        r = movedFrom(r, id, revoked.getString("updated_at"));
        assertThat(revoked.getBoolean("secrets.find { it.id == '" + oldSecret + "' }.active"))
                .isFalse();
        assertThat(revoked.getString("secrets.find { it.id == '" + oldSecret + "' }.revoked_at"))
                .isNotNull();

        as(Tokens.OWNER)
                .body(Map.of(
                        "document",
                        Map.of(
                                "fields",
                                List.of(Map.of("name", "t", "path", "/t", "type", "number")),
                                "metrics",
                                List.of("t"))))
                .post(base + "/mappings")
                .then()
                .statusCode(201)
                .body("version", equalTo(1))
                .body("status", equalTo("pending"));
        Instant afterMapping = revision(id);
        assertThat(afterMapping).isAfter(r);

        shown = as(Tokens.OWNER)
                .post(base + "/pause")
                .then()
                .statusCode(200)
                .body("status", equalTo("paused"))
                .extract()
                .path("updated_at");
        movedFrom(afterMapping, id, shown);
    }

    @Test
    void anUpdateLeavesTheColumnsReplayServiceOwnsAlone() {
        Api.Team team = Api.team(Tokens.OWNER, Map.of());
        UUID id = Api.pipeline(team);
        // As replay-service's cut-over leaves it.
        Db.update("UPDATE pipelines SET active_mapping_version = 7 WHERE id = ?", id);

        as(Tokens.OWNER)
                .body(Map.of("name", "renamed-" + id, "retention_days", 30))
                .patch("/api/teams/" + team.id() + "/pipelines/" + id)
                .then()
                .statusCode(200)
                .body("pipeline.active_mapping_version", equalTo(7))
                .body("pipeline.retention_days", equalTo(30));
        assertThat(Db.count("SELECT count(*) FROM pipelines WHERE id = ? AND active_mapping_version = 7", id))
                .isEqualTo(1);
    }

    @Test
    void aPipelineThatAP2pPipelineReadsFromIsNotDeletedAndNothingChanges() {
        Api.Team team = Api.team(Tokens.OWNER, Map.of());
        UUID source = Api.pipeline(team);
        Api.createPipeline(
                        team.id(),
                        Tokens.OWNER,
                        Map.of("name", Api.unique("p2p"), "type", "p2p", "source_pipeline_id", source.toString()))
                .statusCode(201);
        Instant before = revision(source);

        as(Tokens.OWNER)
                .delete("/api/teams/" + team.id() + "/pipelines/" + source)
                .then()
                .statusCode(409)
                .body("status", equalTo(409))
                .body("error", equalTo("conflict"))
                .body("message", equalTo("a p2p pipeline reads from this pipeline; delete it first"));

        assertThat(Db.count("SELECT count(*) FROM pipelines WHERE id = ?", source))
                .isEqualTo(1);
        assertThat(Db.count("SELECT count(*) FROM pipeline_secrets WHERE pipeline_id = ?", source))
                .isEqualTo(1);
        assertThat(revision(source)).isEqualTo(before);
        assertThat(Db.count(
                        "SELECT count(*) FROM audit_log WHERE entity_id = ? AND action = 'pipeline.delete'",
                        source.toString()))
                .isZero();
    }
}
