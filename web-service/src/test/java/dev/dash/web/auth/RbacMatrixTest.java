package dev.dash.web.auth;

import static dev.dash.web.testing.Api.as;
import static org.assertj.core.api.Assertions.assertThat;

import dev.dash.model.testing.DashTestResource;
import dev.dash.web.testing.Api;
import dev.dash.web.testing.Tokens;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.BiFunction;
import org.junit.jupiter.api.Test;

/**
 * The whole matrix of docs/rbac.md with real Keycloak tokens: every operation, called by a viewer, a
 * member, an admin, an owner and someone outside the team. Outsiders get 404 (ids of other teams do not
 * leak), roles below the operation's minimum 403, the others 2xx.
 */
@QuarkusTest
@QuarkusTestResource(DashTestResource.class)
class RbacMatrixTest {
    static final List<String> ROLES = List.of("viewer", "member", "admin", "owner");
    static final Map<String, Object> MAPPING = Map.of(
            "fields", List.of(Map.of("name", "temp", "path", "/temp", "type", "number")), "metrics", List.of("temp"));

    /** Team A with one user per role and an outsider who owns team B. */
    record Fx(
            Api.Team team,
            String outsider,
            UUID pipeline,
            String dashboard,
            String widget,
            Api.Team other,
            UUID otherPipeline,
            String otherDashboard,
            String otherWidget) {
        String user(String role) {
            return role.equals("outsider") ? outsider : team.user(role);
        }

        String t() {
            return "/api/teams/" + team.id();
        }

        String p() {
            return t() + "/pipelines/" + pipeline;
        }

        String d() {
            return t() + "/dashboards/" + dashboard;
        }
    }

    record Op(String name, String min, BiFunction<Fx, String, Response> call) {}

    static String dashboard(Api.Team team, String user) {
        return as(user).body(Map.of("name", "D", "slug", Api.unique("d")))
                .post("/api/teams/" + team.id() + "/dashboards")
                .then()
                .statusCode(201)
                .extract()
                .path("id");
    }

    static String widget(Api.Team team, String dashboard, UUID pipeline) {
        return as(team.user("owner"))
                .body(Map.of(
                        "type",
                        "stat_card",
                        "data_query",
                        Map.of("pipeline_id", pipeline.toString(), "metric", "temp")))
                .post("/api/teams/" + team.id() + "/dashboards/" + dashboard + "/widgets")
                .then()
                .statusCode(201)
                .extract()
                .path("id");
    }

    static final Map<String, Object> SINK = Map.of("type", "email", "config", Map.of("to", List.of("ops@example.com")));

    /** A fresh sink of the fixture's pipeline, made by the owner. */
    static String sink(Fx f) {
        return as(f.team().user("owner"))
                .body(SINK)
                .post(f.p() + "/sinks")
                .then()
                .statusCode(201)
                .extract()
                .path("id");
    }

    static Fx fixture() {
        Api.Team team = Api.demoTeam();
        String outsider = Tokens.newUser("outsider");
        UUID pipeline = Api.pipeline(team);
        as(team.user("owner"))
                .body(Map.of("document", MAPPING))
                .post("/api/teams/" + team.id() + "/pipelines/" + pipeline + "/mappings")
                .then()
                .statusCode(201);
        String dashboard = dashboard(team, team.user("owner"));
        String widget = widget(team, dashboard, pipeline);
        Api.Team other = Api.team(outsider, Map.of());
        UUID otherPipeline = Api.pipeline(other);
        String otherDashboard = dashboard(other, outsider);
        String otherWidget = widget(other, otherDashboard, otherPipeline);
        return new Fx(team, outsider, pipeline, dashboard, widget, other, otherPipeline, otherDashboard, otherWidget);
    }

    static List<Op> operations() {
        List<Op> ops = new ArrayList<>();
        // viewer: read dashboards and data
        ops.add(new Op("GET team", "viewer", (f, r) -> as(f.user(r)).get(f.t())));
        ops.add(new Op("GET members", "viewer", (f, r) -> as(f.user(r)).get(f.t() + "/members")));
        ops.add(new Op("GET pipelines", "viewer", (f, r) -> as(f.user(r)).get(f.t() + "/pipelines")));
        ops.add(new Op("GET pipeline", "viewer", (f, r) -> as(f.user(r)).get(f.p())));
        ops.add(new Op("GET mappings", "viewer", (f, r) -> as(f.user(r)).get(f.p() + "/mappings")));
        ops.add(new Op("GET mapping", "viewer", (f, r) -> as(f.user(r)).get(f.p() + "/mappings/1")));
        ops.add(new Op("GET quarantine", "viewer", (f, r) -> as(f.user(r)).get(f.p() + "/quarantine")));
        ops.add(new Op(
                "POST series",
                "viewer",
                (f, r) -> as(f.user(r)).body(Map.of("metric", "temp")).post(f.p() + "/series")));
        ops.add(new Op("GET storage", "viewer", (f, r) -> as(f.user(r)).get(f.t() + "/storage")));
        ops.add(new Op("GET dashboards", "viewer", (f, r) -> as(f.user(r)).get(f.t() + "/dashboards")));
        ops.add(new Op("GET dashboard", "viewer", (f, r) -> as(f.user(r)).get(f.d())));
        ops.add(new Op(
                "POST widget data",
                "viewer",
                (f, r) -> as(f.user(r)).body(Map.of()).post(f.d() + "/widgets/" + f.widget() + "/data")));
        // member: also edit dashboards and widgets
        ops.add(new Op(
                "POST dashboard",
                "member",
                (f, r) -> as(f.user(r))
                        .body(Map.of("name", "N", "slug", Api.unique("n")))
                        .post(f.t() + "/dashboards")));
        ops.add(new Op(
                "PATCH dashboard",
                "member",
                (f, r) -> as(f.user(r)).body(Map.of("name", "Renamed")).patch(f.d())));
        ops.add(new Op(
                "DELETE dashboard",
                "member",
                (f, r) -> as(f.user(r))
                        .delete(f.t() + "/dashboards/"
                                + dashboard(f.team(), f.team().user("owner")))));
        ops.add(new Op(
                "POST widget",
                "member",
                (f, r) -> as(f.user(r)).body(Map.of("type", "table")).post(f.d() + "/widgets")));
        ops.add(new Op(
                "PATCH widget",
                "member",
                (f, r) -> as(f.user(r)).body(Map.of("title", "T")).patch(f.d() + "/widgets/" + f.widget())));
        ops.add(new Op(
                "DELETE widget",
                "member",
                (f, r) -> as(f.user(r)).delete(f.d() + "/widgets/" + widget(f.team(), f.dashboard(), f.pipeline()))));
        // admin: also pipelines, mappings, secrets, replays' inputs, public links, audit
        ops.add(new Op(
                "PATCH team",
                "admin",
                (f, r) -> as(f.user(r)).body(Map.of("name", "Renamed")).patch(f.t())));
        ops.add(new Op(
                "POST pipeline",
                "admin",
                (f, r) -> as(f.user(r))
                        .body(Map.of("name", Api.unique("p"), "type", "realtime"))
                        .post(f.t() + "/pipelines")));
        ops.add(new Op(
                "PATCH pipeline",
                "admin",
                (f, r) -> as(f.user(r)).body(Map.of("retention_days", 30)).patch(f.p())));
        ops.add(new Op("POST pause", "admin", (f, r) -> as(f.user(r)).post(f.p() + "/pause")));
        ops.add(new Op("POST resume", "admin", (f, r) -> as(f.user(r)).post(f.p() + "/resume")));
        ops.add(new Op(
                "POST secret",
                "admin",
                (f, r) -> as(f.user(r)).body(Map.of("overlap_seconds", 60)).post(f.p() + "/secrets")));
        ops.add(new Op("DELETE secret", "admin", (f, r) -> {
            String secret = as(f.team().user("owner"))
                    .body(Map.of())
                    .post(f.p() + "/secrets")
                    .then()
                    .statusCode(200)
                    .extract()
                    .path("secret.id");
            return as(f.user(r)).delete(f.p() + "/secrets/" + secret);
        }));
        ops.add(new Op(
                "DELETE pipeline",
                "admin",
                (f, r) -> as(f.user(r)).delete(f.t() + "/pipelines/" + Api.pipeline(f.team()))));
        ops.add(new Op(
                "POST mapping",
                "admin",
                (f, r) -> as(f.user(r))
                        .body(Map.of("document", MAPPING))
                        .post(f.t() + "/pipelines/" + Api.pipeline(f.team()) + "/mappings")));
        ops.add(new Op(
                "POST validate",
                "admin",
                (f, r) -> as(f.user(r)).body(Map.of("document", MAPPING)).post(f.p() + "/mappings/validate")));
        ops.add(new Op(
                "POST preview",
                "admin",
                (f, r) -> as(f.user(r))
                        .body(Map.of("document", MAPPING, "samples", List.of(Map.of("temp", 1))))
                        .post(f.p() + "/mappings/preview")));
        ops.add(new Op(
                "POST infer",
                "admin",
                (f, r) -> as(f.user(r))
                        .body(Map.of("samples", List.of(Map.of("temp", 1))))
                        .post(f.p() + "/mappings/infer")));
        ops.add(new Op("GET sinks", "admin", (f, r) -> as(f.user(r)).get(f.p() + "/sinks")));
        ops.add(new Op("POST sink", "admin", (f, r) -> as(f.user(r)).body(SINK).post(f.p() + "/sinks")));
        ops.add(new Op("GET sink", "admin", (f, r) -> as(f.user(r)).get(f.p() + "/sinks/" + sink(f))));
        ops.add(new Op(
                "PATCH sink",
                "admin",
                (f, r) -> as(f.user(r)).body(Map.of("enabled", false)).patch(f.p() + "/sinks/" + sink(f))));
        ops.add(new Op("DELETE sink", "admin", (f, r) -> as(f.user(r)).delete(f.p() + "/sinks/" + sink(f))));
        ops.add(new Op("GET audit", "admin", (f, r) -> as(f.user(r)).get(f.t() + "/audit")));
        ops.add(new Op(
                "POST public link",
                "admin",
                (f, r) -> as(f.user(r)).body(Map.of()).post(f.d() + "/public-link")));
        ops.add(new Op("DELETE public link", "admin", (f, r) -> as(f.user(r)).delete(f.d() + "/public-link")));
        // owner: also members and deleting the team
        ops.add(new Op(
                "POST invitation",
                "owner",
                (f, r) -> as(f.user(r))
                        .body(Map.of("email", Api.unique("inv") + "@test.dash", "role", "viewer"))
                        .post(f.t() + "/invitations")));
        ops.add(new Op("GET invitations", "owner", (f, r) -> as(f.user(r)).get(f.t() + "/invitations")));
        ops.add(new Op("DELETE invitation", "owner", (f, r) -> {
            String inv = as(f.team().user("owner"))
                    .body(Map.of("email", Api.unique("inv") + "@test.dash", "role", "viewer"))
                    .post(f.t() + "/invitations")
                    .then()
                    .statusCode(201)
                    .extract()
                    .path("id");
            return as(f.user(r)).delete(f.t() + "/invitations/" + inv);
        }));
        ops.add(new Op("PUT member role", "owner", (f, r) -> {
            String viewerId = as(Tokens.VIEWER).get("/api/me").then().extract().path("user_id");
            return as(f.user(r)).body(Map.of("role", "viewer")).put(f.t() + "/members/" + viewerId + "/role");
        }));
        ops.add(new Op("DELETE member", "owner", (f, r) -> {
            String extra = Tokens.newUser("extra");
            Api.join(f.team().id(), f.team().user("owner"), extra, "viewer");
            String id = as(extra).get("/api/me").then().extract().path("user_id");
            return as(f.user(r)).delete(f.t() + "/members/" + id);
        }));
        ops.add(new Op("DELETE team", "owner", (f, r) -> {
            Api.Team fresh = Api.demoTeam();
            String caller = r.equals("outsider") ? f.outsider() : fresh.user(r);
            return as(caller).delete("/api/teams/" + fresh.id());
        }));
        return ops;
    }

    @Test
    void everyRoleGetsExactlyWhatTheMatrixSays() {
        Fx f = fixture();
        List<String> wrong = new ArrayList<>();
        List<String> callers = new ArrayList<>(ROLES);
        callers.add("outsider");
        for (Op op : operations()) {
            for (String caller : callers) {
                int expected =
                        caller.equals("outsider") ? 404 : ROLES.indexOf(caller) < ROLES.indexOf(op.min()) ? 403 : 200;
                Response r = op.call().apply(f, caller);
                int got = r.statusCode();
                boolean ok = expected == 200 ? got >= 200 && got < 300 : got == expected;
                if (ok && expected != 200) {
                    ok = r.jsonPath().getString("error").equals(expected == 404 ? "not_found" : "forbidden");
                }
                if (!ok) {
                    wrong.add(op.name() + " as " + caller + ": expected " + expected + ", got " + got + " "
                            + r.asString());
                }
            }
        }
        assertThat(wrong).isEmpty();
    }

    @Test
    void anotherTeamsResourcesAnswer404EvenThroughOnesOwnTeam() {
        Fx f = fixture();
        String owner = f.team().user("owner");
        String otherSink = as(f.outsider())
                .body(SINK)
                .post("/api/teams/" + f.other().id() + "/pipelines/" + f.otherPipeline() + "/sinks")
                .then()
                .statusCode(201)
                .extract()
                .path("id");
        List<Response> calls = List.of(
                as(owner).get(f.t() + "/pipelines/" + f.otherPipeline()),
                as(owner).get(f.t() + "/pipelines/" + f.otherPipeline() + "/mappings"),
                as(owner).body(Map.of("metric", "temp")).post(f.t() + "/pipelines/" + f.otherPipeline() + "/series"),
                as(owner).delete(f.t() + "/pipelines/" + f.otherPipeline()),
                as(owner).get(f.t() + "/pipelines/" + f.otherPipeline() + "/sinks"),
                as(owner).body(SINK).post(f.t() + "/pipelines/" + f.otherPipeline() + "/sinks"),
                as(owner).get(f.p() + "/sinks/" + otherSink),
                as(owner).body(Map.of("enabled", false)).patch(f.p() + "/sinks/" + otherSink),
                as(owner).delete(f.p() + "/sinks/" + otherSink),
                as(owner).delete(f.t() + "/pipelines/" + f.otherPipeline() + "/sinks/" + otherSink),
                as(owner).get(f.t() + "/dashboards/" + f.otherDashboard()),
                as(owner).delete(f.t() + "/dashboards/" + f.otherDashboard()),
                as(owner).body(Map.of("title", "x")).patch(f.d() + "/widgets/" + f.otherWidget()),
                as(owner).body(Map.of()).post(f.d() + "/widgets/" + f.otherWidget() + "/data"),
                as(owner).get("/api/teams/" + f.other().id()),
                as(owner).get("/api/teams/" + f.other().id() + "/pipelines/" + f.otherPipeline()),
                as(owner).get("/api/teams/" + UUID.randomUUID()));
        for (Response r : calls) {
            assertThat(r.statusCode()).as(r.asString()).isEqualTo(404);
            assertThat(r.jsonPath().getString("error")).isEqualTo("not_found");
        }
        // And nothing of team B changed.
        as(f.outsider())
                .get("/api/teams/" + f.other().id() + "/pipelines/" + f.otherPipeline())
                .then()
                .statusCode(200);
        as(f.outsider())
                .get("/api/teams/" + f.other().id() + "/dashboards/" + f.otherDashboard())
                .then()
                .statusCode(200);
        as(f.outsider())
                .get("/api/teams/" + f.other().id() + "/pipelines/" + f.otherPipeline() + "/sinks/" + otherSink)
                .then()
                .statusCode(200)
                .body("enabled", org.hamcrest.Matchers.equalTo(true));
    }
}
