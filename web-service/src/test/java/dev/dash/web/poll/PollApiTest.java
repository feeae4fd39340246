package dev.dash.web.poll;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static dev.dash.web.testing.Api.as;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.notNullValue;
import static org.hamcrest.Matchers.nullValue;

import com.github.tomakehurst.wiremock.WireMockServer;
import dev.dash.model.testing.DashTestResource;
import dev.dash.web.testing.Api;
import dev.dash.web.testing.Db;
import dev.dash.web.testing.Tokens;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Polling and p2p pipelines through the web API: source configurations refused when saved (server-side
 * request forgery, malformed pagination), cycles of p2p pipelines refused with the cycle named, the poll
 * status, "poll now", and the dry run against WireMock standing in for the polled API.
 */
@QuarkusTest
@QuarkusTestResource(DashTestResource.class)
class PollApiTest {
    static WireMockServer api;

    @BeforeAll
    static void startApi() {
        api = new WireMockServer(options().dynamicPort());
        api.start();
    }

    @AfterAll
    static void stopApi() {
        api.stop();
    }

    static Map<String, Object> polling(Object sourceConfig) {
        Map<String, Object> body = new HashMap<>();
        body.put("name", Api.unique("poll"));
        body.put("type", "polling");
        body.put("interval_seconds", 60);
        body.put("source_type", "http");
        body.put("source_config", sourceConfig);
        return body;
    }

    static Stream<Arguments> refusedSources() {
        return Stream.of(
                Arguments.of(Map.of("url", "http://127.0.0.1:8080/x"), "source_config.url", "loopback"),
                Arguments.of(Map.of("url", "http://2130706433/x"), "source_config.url", "non-canonical"),
                Arguments.of(Map.of("url", "http://0x7f.0.0.1/x"), "source_config.url", "neither a valid name"),
                Arguments.of(
                        Map.of("url", "http://169.254.169.254/latest/meta-data/"), "source_config.url", "link-local"),
                Arguments.of(Map.of("url", "http://metadata.google.internal/"), "source_config.url", "metadata"),
                Arguments.of(Map.of("url", "http://10.1.2.3/"), "source_config.url", "private"),
                Arguments.of(Map.of("url", "http://192.168.0.10/"), "source_config.url", "private"),
                Arguments.of(Map.of("url", "http://[::1]/"), "source_config.url", "loopback"),
                Arguments.of(Map.of("url", "http://admin:pw@example.com/"), "source_config.url", "user info"),
                Arguments.of(Map.of("url", "ftp://example.com/data"), "source_config.url", "http or https"),
                Arguments.of(Map.of("url", "file:///etc/passwd"), "source_config.url", "http or https"),
                Arguments.of(
                        Map.of(
                                "url",
                                "https://api.example.com/",
                                "auth",
                                Map.of(
                                        "type",
                                        "oauth2_client_credentials",
                                        "token_url",
                                        "http://172.16.0.1/token",
                                        "client_id",
                                        "a",
                                        "client_secret",
                                        "b")),
                        "source_config.auth.token_url",
                        "private"),
                Arguments.of(
                        Map.of("url", "https://api.example.com/", "pagination", Map.of("type", "pages")),
                        "source_config.pagination.type",
                        "must be one of"),
                Arguments.of(
                        Map.of("url", "https://api.example.com/", "records", "data["),
                        "source_config.records",
                        "JSONPath"));
    }

    @ParameterizedTest
    @MethodSource("refusedSources")
    void aRefusedSourceIs400WithTheFieldAndNothingIsStored(Map<String, Object> source, String field, String reason) {
        Api.Team team = Api.team(Tokens.OWNER, Map.of());
        Api.createPipeline(team.id(), Tokens.OWNER, polling(source))
                .statusCode(400)
                .body("status", equalTo(400))
                .body("error", equalTo("invalid_request"))
                .body("fields.field", hasItem(field))
                .body("fields.reason", hasItem(containsString(reason)))
                .body(not(containsString("Exception")));
        assertThat(Db.count("SELECT count(*) FROM pipelines WHERE team_id = ?", team.id()))
                .isZero();
        assertThat(Db.count("SELECT count(*) FROM audit_log WHERE team_id = ? AND entity_type = 'pipeline'", team.id()))
                .isZero();
    }

    @Test
    void anUpdateToAPrivateDestinationIsRefusedAndTheOldSourceKept() {
        Api.Team team = Api.team(Tokens.OWNER, Map.of());
        String id = Api.createPipeline(team.id(), Tokens.OWNER, polling(Map.of("url", "https://api.example.com/a")))
                .statusCode(201)
                .extract()
                .path("pipeline.id");
        as(Tokens.OWNER)
                .body(Map.of("source_config", Map.of("url", "http://169.254.169.254/latest/meta-data/iam")))
                .patch("/api/teams/" + team.id() + "/pipelines/" + id)
                .then()
                .statusCode(400)
                .body("fields[0].field", equalTo("source_config.url"));
        as(Tokens.OWNER)
                .get("/api/teams/" + team.id() + "/pipelines/" + id)
                .then()
                .body("source_config.url", equalTo("https://api.example.com/a"));
    }

    @Test
    void aCycleOfP2pPipelinesIsRefusedWithTheCycleNamed() {
        Api.Team team = Api.team(Tokens.OWNER, Map.of());
        String a = Api.createPipeline(
                        team.id(), Tokens.OWNER, Map.of("name", "a-" + UUID.randomUUID(), "type", "realtime"))
                .statusCode(201)
                .extract()
                .path("pipeline.id");
        String bName = "b-" + UUID.randomUUID();
        String b = Api.createPipeline(
                        team.id(),
                        Tokens.OWNER,
                        Map.of(
                                "name",
                                bName,
                                "type",
                                "p2p",
                                "source_pipeline_id",
                                a,
                                "source_config",
                                Map.of("metrics", List.of("temp"))))
                .statusCode(201)
                .extract()
                .path("pipeline.id");
        String cName = "c-" + UUID.randomUUID();
        String c = Api.createPipeline(
                        team.id(), Tokens.OWNER, Map.of("name", cName, "type", "p2p", "source_pipeline_id", b))
                .statusCode(201)
                .extract()
                .path("pipeline.id");
        long audits = Db.count("SELECT count(*) FROM audit_log WHERE team_id = ?", team.id());
        as(Tokens.OWNER)
                .body(Map.of("source_pipeline_id", c))
                .patch("/api/teams/" + team.id() + "/pipelines/" + b)
                .then()
                .statusCode(400)
                .body("error", equalTo("invalid_request"))
                .body("fields[0].field", equalTo("source_pipeline_id"))
                .body("fields[0].reason", containsString(bName + " → " + cName + " → " + bName));
        assertThat(Db.rows("SELECT source_pipeline_id::text AS s FROM pipelines WHERE id = ?::uuid", b)
                        .get(0)
                        .get("s"))
                .isEqualTo(a);
        assertThat(Db.count("SELECT count(*) FROM audit_log WHERE team_id = ?", team.id()))
                .isEqualTo(audits);
        // A p2p filter must be metric names and label values.
        Api.createPipeline(
                        team.id(),
                        Tokens.OWNER,
                        Map.of(
                                "name",
                                "d",
                                "type",
                                "p2p",
                                "source_pipeline_id",
                                a,
                                "source_config",
                                Map.of("labels", Map.of("site", 3))))
                .statusCode(400)
                .body("fields.field", hasItem("source_config.labels"));
    }

    @Test
    void statusPollNowAndADryRunThatStoresNothing() {
        String p = "/" + UUID.randomUUID();
        api.stubFor(
                get(urlPathEqualTo(p + "/items"))
                        .willReturn(
                                aResponse()
                                        .withHeader("Content-Type", "application/json")
                                        .withBody(
                                                "{\"data\":[{\"t\":\"2026-12-01T00:00:00Z\",\"temp\":21.5,\"site\":\"a\"},"
                                                        + "{\"t\":\"2026-12-01T00:01:00Z\",\"temp\":\"hot\",\"site\":\"b\"}],\"next\":\"c2\"}")));
        api.stubFor(get(urlPathEqualTo(p + "/broken"))
                .willReturn(aResponse().withStatus(500).withBody("oops")));
        Api.Team team = Api.team(Tokens.OWNER, Map.of("viewer", Tokens.VIEWER));
        String base = "http://localhost:" + api.port() + p;
        String id = Api.createPipeline(
                        team.id(),
                        Tokens.OWNER,
                        polling(Map.of(
                                "url",
                                base + "/items",
                                "records",
                                "$.data[*]",
                                "auth",
                                Map.of("type", "api_key", "in", "query", "name", "key", "value", "secret-key"),
                                "pagination",
                                Map.of("type", "cursor", "cursor_path", "$.next"))))
                .statusCode(201)
                .extract()
                .path("pipeline.id");
        String url = "/api/teams/" + team.id() + "/pipelines/" + id + "/poll";
        as(Tokens.VIEWER)
                .get(url)
                .then()
                .statusCode(200)
                .body("state", equalTo("never_polled"))
                .body("interval_seconds", equalTo(60))
                .body("last_polled_at", nullValue());

        Map<String, Object> mapping = Map.of(
                "version",
                1,
                "time",
                Map.of("path", "/t", "format", "iso8601"),
                "fields",
                List.of(
                        Map.of("name", "temp", "path", "/temp", "type", "number"),
                        Map.of("name", "site", "path", "/site", "type", "string")),
                "metrics",
                List.of("temp"),
                "labels",
                List.of("site"));
        as(Tokens.OWNER)
                .body(Map.of("mapping", mapping))
                .post(url + "/test")
                .then()
                .log()
                .ifValidationFails()
                .statusCode(200)
                .body("url", equalTo(base + "/items"))
                .body("status", equalTo(200))
                .body("records", equalTo(2))
                .body("sample", hasSize(2))
                .body("has_next_page", equalTo(true))
                .body("mapping.mapped", equalTo(1))
                .body("mapping.quarantined", equalTo(1))
                .body("mapping.entries[0].points[0].metric", equalTo("temp"))
                .body("mapping.entries[0].points[0].labels.site", equalTo("a"))
                .body("mapping.entries[1].errors[0].field", notNullValue())
                .body(not(containsString("secret-key")));
        assertThat(api.findAll(getRequestedFor(urlPathEqualTo(p + "/items")))
                        .get(0)
                        .queryParameter("key")
                        .firstValue())
                .isEqualTo("secret-key");

        // A dry run of an unsaved configuration naming a refused destination: 400, and no request made.
        as(Tokens.OWNER)
                .body(Map.of("source_config", Map.of("url", "http://127.0.0.1:" + api.port() + p + "/items")))
                .post(url + "/test")
                .then()
                .statusCode(400)
                .body("fields[0].field", equalTo("source_config.url"))
                .body("fields[0].reason", containsString("loopback"));
        // A failing source: 502 with the source's answer.
        as(Tokens.OWNER)
                .body(Map.of("source_config", Map.of("url", base + "/broken")))
                .post(url + "/test")
                .then()
                .statusCode(502)
                .body("error", equalTo("source_failed"))
                .body("message", containsString("HTTP 500"));
        // Nothing stored by the dry runs: no poll state, no audit entry.
        assertThat(Db.count("SELECT count(*) FROM poll_state WHERE pipeline_id = ?::uuid", id))
                .isZero();
        assertThat(Db.count("SELECT count(*) FROM audit_log WHERE entity_id = ? AND action <> 'pipeline.create'", id))
                .isZero();
        // Only admins may run one.
        as(Tokens.VIEWER).body(Map.of()).post(url + "/test").then().statusCode(403);

        as(Tokens.OWNER)
                .post(url + "/now")
                .then()
                .statusCode(202)
                .body("state", equalTo("scheduled"))
                .body("next_poll_at", notNullValue());
        assertThat(Db.count(
                        "SELECT count(*) FROM poll_state WHERE pipeline_id = ?::uuid AND next_poll_at <= now()", id))
                .isEqualTo(1);
        assertThat(Db.count("SELECT count(*) FROM audit_log WHERE entity_id = ? AND action = 'pipeline.poll_now'", id))
                .isEqualTo(1);

        // A realtime pipeline is not polled.
        String realtime = Api.createPipeline(
                        team.id(), Tokens.OWNER, Map.of("name", Api.unique("rt"), "type", "realtime"))
                .statusCode(201)
                .extract()
                .path("pipeline.id");
        as(Tokens.OWNER)
                .get("/api/teams/" + team.id() + "/pipelines/" + realtime + "/poll")
                .then()
                .statusCode(409)
                .body("fields[0].field", equalTo("type"));
    }
}
