package dev.dash.web.team;

import static dev.dash.web.testing.Api.as;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;

import dev.dash.model.testing.DashTestResource;
import dev.dash.web.testing.Api;
import dev.dash.web.testing.Db;
import dev.dash.web.testing.Tokens;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Renaming a team, the first operation on a Hibernate Reactive Panache repository: role, validation, the
 * entity change and its audit row in one transaction.
 */
@QuarkusTest
@QuarkusTestResource(DashTestResource.class)
class TeamRepositoryTest {

    @Test
    void anAdminRenamesTheTeamAndTheChangeIsAuditedWithBeforeAndAfter() {
        Api.Team team = Api.team(Tokens.OWNER, Map.of("admin", Tokens.ADMIN));
        String before = "Team " + team.slug();

        as(Tokens.ADMIN)
                .body(Map.of("name", "  Renamed  "))
                .patch("/api/teams/" + team.id())
                .then()
                .statusCode(200)
                .body("id", equalTo(team.id().toString()))
                .body("name", equalTo("Renamed"))
                .body("slug", equalTo(team.slug()))
                .body("role", equalTo("admin"));

        as(Tokens.OWNER).get("/api/teams/" + team.id()).then().statusCode(200).body("name", equalTo("Renamed"));
        List<Map<String, Object>> audit = Db.rows(
                "SELECT before->>'name' AS b, after->>'name' AS a, entity_id, actor_subject IS NOT NULL AS who"
                        + " FROM audit_log WHERE team_id = ? AND action = 'team.update'",
                team.id());
        assertThat(audit).hasSize(1);
        assertThat(audit.get(0))
                .containsEntry("b", before)
                .containsEntry("a", "Renamed")
                .containsEntry("entity_id", team.id().toString())
                .containsEntry("who", true);
    }

    @Test
    void aMemberOrABadNameIsRefusedAndNothingIsStored() {
        Api.Team team = Api.team(Tokens.OWNER, Map.of("member", Tokens.MEMBER));
        String before = "Team " + team.slug();

        as(Tokens.MEMBER)
                .body(Map.of("name", "Nope"))
                .patch("/api/teams/" + team.id())
                .then()
                .statusCode(403)
                .body("status", equalTo(403))
                .body("error", equalTo("forbidden"));
        as(Tokens.OWNER)
                .body(Map.of("name", " "))
                .patch("/api/teams/" + team.id())
                .then()
                .statusCode(400)
                .body("status", equalTo(400))
                .body("error", equalTo("invalid_request"))
                .body("fields.field", hasItem("name"));

        assertThat(Db.count("SELECT count(*) FROM teams WHERE id = ? AND name = ?", team.id(), before))
                .isEqualTo(1);
        assertThat(Db.count("SELECT count(*) FROM audit_log WHERE team_id = ? AND action = 'team.update'", team.id()))
                .isZero();
    }
}
