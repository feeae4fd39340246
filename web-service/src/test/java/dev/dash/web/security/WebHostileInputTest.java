package dev.dash.web.security;

import static org.assertj.core.api.Assertions.assertThat;

import dev.dash.model.testing.DashTestResource;
import dev.dash.web.testing.Api;
import dev.dash.web.testing.Db;
import dev.dash.web.testing.Tokens;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Hostile input on web-service's API, generated with jqwik's arbitraries (docs/reliability.md, "Hostile input
 * and security"): mapping documents (random JSON, deep nesting, wrong types, huge texts), request bodies that
 * are not JSON or not the expected shape, and query and path parameters. Each answer is 2xx or a 4xx with the
 * JSON ApiError shape, never a 5xx or an empty body, and nothing of a refused request is stored.
 */
@QuarkusTest
@QuarkusTestResource(DashTestResource.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class WebHostileInputTest {
    Api.Team team;
    UUID pipeline;
    String mappings;

    // Not @BeforeAll: RestAssured is pointed at the test port only once Quarkus runs the test methods.
    @BeforeEach
    void setUp() {
        if (team != null) {
            return;
        }
        team = Api.team(Tokens.OWNER, Map.of());
        pipeline = Api.pipeline(team);
        mappings = "/api/teams/" + team.id() + "/pipelines/" + pipeline + "/mappings";
    }

    private static void apiError(Response r, String what) {
        assertThat(r.statusCode()).as("%s -> %s", what, r.asString()).isBetween(400, 499);
        assertThat(r.contentType()).as(what).startsWith("application/json");
        assertThat(r.jsonPath().getInt("status")).as(what).isEqualTo(r.statusCode());
        assertThat(r.jsonPath().getString("error")).as(what).isNotBlank();
        assertThat(r.jsonPath().getString("message")).as(what).isNotBlank();
    }

    static Arbitrary<Object> json(int depth) {
        Arbitrary<Object> leaf = Arbitraries.oneOf(
                Arbitraries.strings().ofMaxLength(30).map(s -> (Object) s),
                Arbitraries.integers().map(i -> (Object) i),
                Arbitraries.doubles().map(d -> (Object) d),
                Arbitraries.of(true, false).map(b -> (Object) b));
        if (depth == 0) {
            return leaf;
        }
        Arbitrary<Object> list = json(depth - 1).list().ofMaxSize(4).map(l -> (Object) l);
        Arbitrary<Object> map = Arbitraries.maps(
                        Arbitraries.of(
                                "name", "fields", "path", "type", "metric", "labels", "time", "unit", "when", "x"),
                        json(depth - 1))
                .ofMaxSize(4)
                .map(m -> (Object) m);
        return Arbitraries.oneOf(leaf, list, map);
    }

    @Test
    void fuzzedMappingDocumentsAreValidatedOrRefusedAndNeverHalfStored() {
        List<Object> docs =
                new java.util.ArrayList<>(json(4).sampleStream().limit(150).toList());
        docs.add("[".repeat(3_000) + "]".repeat(3_000));
        docs.add(Map.of("fields", List.of(Map.of("path", "$." + "a.".repeat(5_000) + "b", "type", "number"))));
        docs.add(Map.of("name", "x".repeat(200_000)));
        int stored = 0;
        for (Object doc : docs) {
            Response v = Api.as(Tokens.OWNER).body(Map.of("document", doc)).post(mappings + "/validate");
            if (v.statusCode() != 200) {
                apiError(v, "validate " + doc);
            }
            Response saved = Api.as(Tokens.OWNER).body(Map.of("document", doc)).post(mappings);
            if (saved.statusCode() == 201) {
                // The fuzzer produced a valid mapping (later saves then meet 409 while it is pending).
                stored++;
                continue;
            }
            apiError(saved, "save " + doc);
        }
        assertThat(Db.count("SELECT count(*) FROM data_mappings WHERE pipeline_id = ?", pipeline))
                .isEqualTo(stored);
    }

    @Test
    void bodiesThatAreNotJsonOrNotTheShapeAre400() {
        Arbitrary<String> bodies = Arbitraries.oneOf(
                Arbitraries.strings().ofMaxLength(80),
                Arbitraries.strings()
                        .withChars("{}[]\":,0123456789 tfnaelsru")
                        .ofMinLength(1)
                        .ofMaxLength(60),
                Arbitraries.of("{\"name\": 1}", "{\"name\": [\"x\"]}", "{\"name\":\"a\",\"unknown\":1}", "[]", "null"));
        String before = Api.as(Tokens.OWNER)
                .get("/api/teams/" + team.id())
                .then()
                .extract()
                .path("name");
        for (String body : bodies.sampleStream().limit(120).toList()) {
            Response r = Api.as(Tokens.OWNER).body(body).patch("/api/teams/" + team.id());
            if (r.statusCode() == 200) {
                continue;
            }
            apiError(r, "PATCH team " + body);
            Response p = Api.as(Tokens.OWNER).body(body).post("/api/teams/" + team.id() + "/pipelines");
            apiError(p, "POST pipeline " + body);
        }
        assertThat((String) Api.as(Tokens.OWNER)
                        .get("/api/teams/" + team.id())
                        .then()
                        .extract()
                        .path("name"))
                .isNotNull();
        assertThat(before).isNotNull();
        Api.as(Tokens.OWNER)
                .contentType(ContentType.TEXT)
                .body("name=x")
                .post("/api/teams")
                .then()
                .statusCode(415);
    }

    @Test
    void fuzzedQueryAndPathParametersAreAnsweredInTheErrorShape() {
        Arbitrary<String> values = Arbitraries.oneOf(
                Arbitraries.strings().ofMaxLength(40),
                Arbitraries.of(
                        "-1", "0", "99999999999999999999", "1e9", "NaN", "null", "' OR 1=1 --", "%00", "../../etc"),
                Arbitraries.integers().map(String::valueOf));
        String audit = "/api/teams/" + team.id() + "/audit";
        for (String v : values.sampleStream().limit(150).toList()) {
            for (String param : List.of("limit", "before_id", "entity_type")) {
                Response r = Api.as(Tokens.OWNER).queryParam(param, v).get(audit);
                if (r.statusCode() != 200) {
                    apiError(r, "audit " + param + "=" + v);
                }
            }
            Response series = Api.as(Tokens.OWNER)
                    .body(Map.of("metric", v, "bucket", v, "aggregation", v, "from", v))
                    .post("/api/teams/" + team.id() + "/pipelines/" + pipeline + "/series");
            if (series.statusCode() != 200) {
                apiError(series, "series " + v);
            }
        }
        for (String path : List.of(
                "/api/teams/not-a-uuid",
                "/api/teams/" + team.id() + "/pipelines/%27%20OR%201=1",
                "/api/teams/" + team.id() + "/pipelines/" + UUID.randomUUID(),
                "/api/teams/" + team.id() + "/dashboards/" + "x".repeat(2_000))) {
            Response r = Api.as(Tokens.OWNER).urlEncodingEnabled(false).get(path);
            apiError(r, path);
        }
    }
}
