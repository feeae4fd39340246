package dev.dash.web.team;

import static dev.dash.web.testing.Api.as;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.not;

import dev.dash.model.testing.DashTestResource;
import dev.dash.web.testing.Api;
import dev.dash.web.testing.Db;
import dev.dash.web.testing.Tokens;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

@QuarkusTest
@QuarkusTestResource(DashTestResource.class)
class TeamTest {

    @Test
    void theCreatorOwnsTheTeamAndItIsAudited() {
        String slug = Api.unique("own");
        String id = as(Tokens.OWNER)
                .body(Map.of("name", "Own", "slug", slug))
                .post("/api/teams")
                .then()
                .statusCode(201)
                .body("role", equalTo("owner"))
                .body("slug", equalTo(slug))
                .extract()
                .path("id");
        as(Tokens.OWNER).get("/api/teams").then().statusCode(200).body("slug", hasItem(slug));
        assertThat(Db.count("SELECT count(*) FROM audit_log WHERE team_id = ?::uuid AND action = 'team.create'", id))
                .isEqualTo(1);
    }

    static Stream<Arguments> badTeams() {
        return Stream.of(
                Arguments.of(Map.of("slug", "ok-slug"), "name", "is required"),
                Arguments.of(Map.of("name", " ", "slug", "ok-slug"), "name", "must not be blank"),
                Arguments.of(Map.of("name", "x".repeat(201), "slug", "ok-slug"), "name", "at most 200"),
                Arguments.of(Map.of("name", "A"), "slug", "is required"),
                Arguments.of(Map.of("name", "A", "slug", "Not A Slug"), "slug", "must be 1-63"),
                Arguments.of(Map.of("name", "A", "slug", "ok", "color", "red"), "color", "unknown field"),
                Arguments.of(Map.of("name", 12, "slug", Map.of()), "slug", "wrong type"));
    }

    @ParameterizedTest
    @MethodSource("badTeams")
    void aBadTeamIsRefusedWithTheFieldAndNothingIsStored(Map<String, Object> body, String field, String reason) {
        long before = Db.count("SELECT count(*) FROM teams");
        String name = String.valueOf(body.get("name"));
        as(Tokens.OWNER)
                .body(body)
                .post("/api/teams")
                .then()
                .statusCode(400)
                .body("status", equalTo(400))
                .body("error", equalTo("invalid_request"))
                .body("fields.field", hasItem(field))
                .body("fields.reason", hasItem(containsString(reason)))
                .body(not(containsString("Exception")))
                .body(not(containsString("\tat ")));
        assertThat(Db.count("SELECT count(*) FROM teams WHERE name = ?", name)).isZero();
        assertThat(Db.count("SELECT count(*) FROM teams")).isGreaterThanOrEqualTo(before);
    }

    @Test
    void notJsonIsRefusedWithTheSameShape() {
        as(Tokens.OWNER)
                .body("{\"name\": ")
                .post("/api/teams")
                .then()
                .statusCode(400)
                .body("error", equalTo("invalid_request"))
                .body("fields[0].field", equalTo("body"));
    }

    @Test
    void aTakenSlugIs409AndTheSecondTeamIsNotStored() {
        Api.Team team = Api.team(Tokens.OWNER, Map.of());
        as(Tokens.ADMIN)
                .body(Map.of("name", "Copy", "slug", team.slug()))
                .post("/api/teams")
                .then()
                .statusCode(409)
                .body("fields[0].field", equalTo("slug"));
        assertThat(Db.count("SELECT count(*) FROM teams WHERE slug = ?", team.slug()))
                .isEqualTo(1);
    }

    @Test
    void invitationsAreAcceptedOnlyByTheInvitedAddress() {
        Api.Team team = Api.team(Tokens.OWNER, Map.of());
        String invitee = Tokens.newUser("invitee");
        String invitation = as(Tokens.OWNER)
                .body(Map.of("email", invitee.toUpperCase(), "role", "member"))
                .post("/api/teams/" + team.id() + "/invitations")
                .then()
                .statusCode(201)
                .body("email", equalTo(invitee))
                .extract()
                .path("id");
        // Someone else cannot see or accept it.
        as(Tokens.VIEWER)
                .post("/api/invitations/" + invitation + "/accept")
                .then()
                .statusCode(404);
        as(invitee).get("/api/invitations").then().statusCode(200).body("id", hasItem(invitation));
        as(invitee)
                .post("/api/invitations/" + invitation + "/accept")
                .then()
                .statusCode(200)
                .body("role", equalTo("member"));
        as(invitee).post("/api/invitations/" + invitation + "/accept").then().statusCode(409);
        as(invitee).get("/api/teams/" + team.id()).then().statusCode(200).body("role", equalTo("member"));
    }

    @Test
    void anInvitationNeedsAVerifiedEmailAddressToBeAccepted() {
        Api.Team team = Api.team(Tokens.OWNER, Map.of());
        String unverified = Tokens.newUser("unverified", false);
        String invitation = as(Tokens.OWNER)
                .body(Map.of("email", unverified, "role", "admin"))
                .post("/api/teams/" + team.id() + "/invitations")
                .then()
                .statusCode(201)
                .extract()
                .path("id");
        as(unverified)
                .post("/api/invitations/" + invitation + "/accept")
                .then()
                .statusCode(403)
                .body("error", equalTo("forbidden"))
                .body("message", containsString("e-mail address is not verified"));
        String userId =
                as(unverified).get("/api/me").then().statusCode(200).extract().path("user_id");
        assertThat(Db.count(
                        "SELECT count(*) FROM memberships WHERE team_id = ?::uuid AND user_id = ?::uuid",
                        team.id().toString(),
                        userId))
                .isZero();
        assertThat(Db.count("SELECT count(*) FROM invitations WHERE id = ?::uuid AND accepted_at IS NULL", invitation))
                .isEqualTo(1);
        assertThat(Db.count(
                        "SELECT count(*) FROM audit_log WHERE team_id = ?::uuid AND action = 'invitation.accept'",
                        team.id().toString()))
                .isZero();
    }

    @Test
    void aBadInvitationIsRefusedAndNotStored() {
        Api.Team team = Api.team(Tokens.OWNER, Map.of());
        as(Tokens.OWNER)
                .body(Map.of("email", "not-an-address", "role", "king"))
                .post("/api/teams/" + team.id() + "/invitations")
                .then()
                .statusCode(400)
                .body("fields.field", hasItem("email"))
                .body("fields.field", hasItem("role"));
        assertThat(Db.count("SELECT count(*) FROM invitations WHERE team_id = ?", team.id()))
                .isZero();
    }

    @Test
    void revokedInvitationsCannotBeAccepted() {
        Api.Team team = Api.team(Tokens.OWNER, Map.of());
        String invitee = Tokens.newUser("revoked");
        String invitation = as(Tokens.OWNER)
                .body(Map.of("email", invitee, "role", "viewer"))
                .post("/api/teams/" + team.id() + "/invitations")
                .then()
                .statusCode(201)
                .extract()
                .path("id");
        as(Tokens.OWNER)
                .delete("/api/teams/" + team.id() + "/invitations/" + invitation)
                .then()
                .statusCode(204);
        as(invitee).post("/api/invitations/" + invitation + "/accept").then().statusCode(409);
        as(invitee).get("/api/teams/" + team.id()).then().statusCode(404);
    }

    @Test
    void theLastOwnerCanNeitherLeaveNorBeDemoted() {
        Api.Team team = Api.team(Tokens.OWNER, Map.of("admin", Tokens.ADMIN));
        String ownerId = as(Tokens.OWNER).get("/api/me").then().extract().path("user_id");
        String adminId = as(Tokens.ADMIN).get("/api/me").then().extract().path("user_id");
        String base = "/api/teams/" + team.id() + "/members/";
        as(Tokens.OWNER)
                .body(Map.of("role", "admin"))
                .put(base + ownerId + "/role")
                .then()
                .statusCode(409)
                .body("fields[0].field", equalTo("role"));
        as(Tokens.OWNER).delete(base + ownerId).then().statusCode(409);
        assertThat(Db.rows(
                                "SELECT role FROM memberships WHERE team_id = ? AND user_id = ?",
                                team.id(),
                                UUID.fromString(ownerId))
                        .get(0)
                        .get("role"))
                .isEqualTo("owner");
        // With a second owner, the first may step down, and the second may then not.
        as(Tokens.OWNER)
                .body(Map.of("role", "owner"))
                .put(base + adminId + "/role")
                .then()
                .statusCode(200);
        as(Tokens.OWNER)
                .body(Map.of("role", "viewer"))
                .put(base + ownerId + "/role")
                .then()
                .statusCode(200)
                .body("role", equalTo("viewer"));
        as(Tokens.ADMIN).delete(base + adminId).then().statusCode(409);
        // A member leaves by removing themselves.
        as(Tokens.OWNER).delete(base + ownerId).then().statusCode(204);
        as(Tokens.OWNER).get("/api/teams/" + team.id()).then().statusCode(404);
        as(Tokens.ADMIN)
                .get("/api/teams/" + team.id() + "/members")
                .then()
                .statusCode(200)
                .body("$", hasSize(1));
    }

    @Test
    void anOwnerDeletesTheTeam() {
        Api.Team team = Api.team(Tokens.OWNER, Map.of());
        as(Tokens.OWNER).delete("/api/teams/" + team.id()).then().statusCode(204);
        as(Tokens.OWNER).get("/api/teams/" + team.id()).then().statusCode(404);
        assertThat(Db.count("SELECT count(*) FROM teams WHERE id = ?", team.id()))
                .isZero();
        assertThat(Db.count("SELECT count(*) FROM audit_log WHERE team_id = ? AND action = 'team.delete'", team.id()))
                .isEqualTo(1);
    }
}
