package dev.dash.web.testing;

import static io.restassured.RestAssured.given;

import io.restassured.http.ContentType;
import io.restassured.response.ValidatableResponse;
import io.restassured.specification.RequestSpecification;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/** Calls the API as a given user, and builds the fixtures the tests share. */
public final class Api {
    private Api() {}

    public static RequestSpecification as(String user) {
        return given().auth()
                .oauth2(Tokens.of(user))
                .contentType(ContentType.JSON)
                .accept(ContentType.JSON);
    }

    public static String unique(String prefix) {
        return prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
    }

    /**
     * A team with one user per role.
     *
     * @param id team id
     * @param users role name (owner, admin, member, viewer) to user
     */
    public record Team(UUID id, String slug, Map<String, String> users) {
        public String user(String role) {
            return users.get(role);
        }
    }

    /** Creates a team owned by {@code owner} and invites (and accepts for) each further role. */
    public static Team team(String owner, Map<String, String> others) {
        String slug = unique("t");
        String id = as(owner)
                .body(Map.of("name", "Team " + slug, "slug", slug))
                .post("/api/teams")
                .then()
                .statusCode(201)
                .extract()
                .path("id");
        UUID teamId = UUID.fromString(id);
        others.forEach((role, user) -> join(teamId, owner, user, role));
        var users = new java.util.HashMap<>(others);
        users.put("owner", owner);
        return new Team(teamId, slug, Map.copyOf(users));
    }

    /** The standard team: the demo users in their roles. */
    public static Team demoTeam() {
        return team(Tokens.OWNER, Map.of("admin", Tokens.ADMIN, "member", Tokens.MEMBER, "viewer", Tokens.VIEWER));
    }

    public static void join(UUID teamId, String owner, String user, String role) {
        String invitation = as(owner)
                .body(Map.of("email", user, "role", role))
                .post("/api/teams/" + teamId + "/invitations")
                .then()
                .statusCode(201)
                .extract()
                .path("id");
        as(user).post("/api/invitations/" + invitation + "/accept").then().statusCode(200);
    }

    /** Creates a realtime pipeline (Standard Webhooks) as {@code user}; returns the whole creation response. */
    public static ValidatableResponse createPipeline(UUID teamId, String user, Map<String, Object> body) {
        return as(user).body(body).post("/api/teams/" + teamId + "/pipelines").then();
    }

    public static UUID pipeline(Team team) {
        String id = createPipeline(team.id(), team.user("owner"), Map.of("name", unique("p"), "type", "realtime"))
                .statusCode(201)
                .extract()
                .path("pipeline.id");
        return UUID.fromString(id);
    }

    /**
     * A pipeline whose mapping version 1 ({@code t} from {@code /t}) is active, as a finished replay leaves
     * it: saved through the API, activated in the database as replay-service's cut-over does, and the
     * replay that replay-service may have queued for it (when it runs in the test) removed.
     */
    public static UUID activePipeline(Team team) {
        UUID p = pipeline(team);
        as(team.user("owner"))
                .body(Map.of(
                        "document",
                        Map.of(
                                "fields",
                                List.of(Map.of("name", "t", "path", "/t", "type", "number")),
                                "metrics",
                                List.of("t"))))
                .post("/api/teams/" + team.id() + "/pipelines/" + p + "/mappings")
                .then()
                .statusCode(201);
        // Activated first: replay-service queues only for a version still pending, so none comes after the delete.
        Db.update("UPDATE data_mappings SET status = 'active', activated_at = now() WHERE pipeline_id = ?", p);
        Db.update("UPDATE pipelines SET active_mapping_version = 1 WHERE id = ?", p);
        Db.update("DELETE FROM replays WHERE pipeline_id = ?", p);
        return p;
    }

    public static List<Object> list(Object... items) {
        return List.of(items);
    }
}
