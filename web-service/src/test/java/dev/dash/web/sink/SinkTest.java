package dev.dash.web.sink;

import static dev.dash.web.testing.Api.as;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.hasSize;

import dev.dash.model.testing.DashTestResource;
import dev.dash.web.testing.Api;
import dev.dash.web.testing.Db;
import dev.dash.web.testing.Tokens;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

@QuarkusTest
@QuarkusTestResource(DashTestResource.class)
class SinkTest {
    private static String sinks(Api.Team team, UUID pipeline) {
        return "/api/teams/" + team.id() + "/pipelines/" + pipeline + "/sinks";
    }

    private static long stored(UUID pipeline) {
        return Db.count("SELECT count(*) FROM pipeline_sinks WHERE pipeline_id = ?::uuid", pipeline.toString());
    }

    @Test
    void anAdminCreatesListsChangesAndDeletesSinksWithConfigsMaskedAndAudited() {
        Api.Team team = Api.team(Tokens.OWNER, Map.of("admin", Tokens.ADMIN));
        UUID pipeline = Api.pipeline(team);
        String token = "tok" + UUID.randomUUID().toString().replace("-", "");
        JsonPath webhook = as(Tokens.ADMIN)
                .body(Map.of(
                        "type",
                        "webhook",
                        "config",
                        Map.of(
                                "url",
                                "https://hooks.example.com:8443/in/" + token + "?key=" + token,
                                "headers",
                                Map.of("Authorization", "Bearer " + token),
                                "secret",
                                "signing-" + token)))
                .post(sinks(team, pipeline))
                .then()
                .statusCode(201)
                .body("type", equalTo("webhook"))
                .body("enabled", equalTo(true))
                .body("config.url", equalTo("https://hooks.example.com:8443/****"))
                .body("config.headers.Authorization", equalTo("****"))
                .body("config.secret", equalTo("****"))
                .extract()
                .jsonPath();
        assertThat(webhook.prettify()).doesNotContain(token);
        String webhookId = webhook.getString("id");
        as(Tokens.ADMIN)
                .body(Map.of(
                        "type",
                        "slack",
                        "config",
                        Map.of("webhook_url", "https://hooks.slack.com/services/T0/B0/" + token)))
                .post(sinks(team, pipeline))
                .then()
                .statusCode(201)
                .body("config.webhook_url", equalTo("https://hooks.slack.com/****"));
        String emailId = as(Tokens.ADMIN)
                .body(Map.of(
                        "type",
                        "email",
                        "config",
                        Map.of("to", List.of("Ops@Example.com", "b@example.org")),
                        "enabled",
                        false))
                .post(sinks(team, pipeline))
                .then()
                .statusCode(201)
                .body("config.to", contains("ops@example.com", "b@example.org"))
                .body("enabled", equalTo(false))
                .extract()
                .path("id");

        String list = as(Tokens.ADMIN)
                .get(sinks(team, pipeline))
                .then()
                .statusCode(200)
                .body("$", hasSize(3))
                .body("type", hasItem("slack"))
                .extract()
                .asString();
        assertThat(list).doesNotContain(token);

        // PATCH: enable, and replace the whole config of the webhook.
        as(Tokens.ADMIN)
                .body(Map.of("enabled", true))
                .patch(sinks(team, pipeline) + "/" + emailId)
                .then()
                .statusCode(200)
                .body("enabled", equalTo(true))
                .body("config.to", hasSize(2));
        as(Tokens.ADMIN)
                .body(Map.of("config", Map.of("url", "http://other.example.com")))
                .patch(sinks(team, pipeline) + "/" + webhookId)
                .then()
                .statusCode(200)
                .body("config.url", equalTo("http://other.example.com"))
                .body("config.headers", equalTo(null))
                // The signing secret stays: only a rotation changes it (docs/sinks.md).
                .body("config.secret", equalTo("****"));
        as(Tokens.ADMIN).delete(sinks(team, pipeline) + "/" + webhookId).then().statusCode(204);
        as(Tokens.ADMIN).get(sinks(team, pipeline) + "/" + webhookId).then().statusCode(404);
        assertThat(stored(pipeline)).isEqualTo(2);

        assertThat(Db.count(
                        "SELECT count(*) FROM audit_log WHERE team_id = ?::uuid AND entity_type = 'sink'",
                        team.id().toString()))
                .isEqualTo(6);
        String audit = Db.rows(
                        "SELECT a::text AS t FROM audit_log a WHERE team_id = ?::uuid",
                        team.id().toString())
                .toString();
        assertThat(audit).contains("sink.create", "sink.update", "sink.delete").doesNotContain(token);
    }

    @Test
    void theSinkConfigIsStoredEncrypted() {
        Api.Team team = Api.team(Tokens.OWNER, Map.of());
        UUID pipeline = Api.pipeline(team);
        String token = "tok" + UUID.randomUUID().toString().replace("-", "");
        String id = as(Tokens.OWNER)
                .body(Map.of(
                        "type",
                        "webhook",
                        "config",
                        Map.of("url", "https://secret-host.example.com/" + token, "secret", "s-" + token)))
                .post(sinks(team, pipeline))
                .then()
                .statusCode(201)
                .extract()
                .path("id");
        byte[] config = (byte[]) Db.rows("SELECT sink_config FROM pipeline_sinks WHERE id = ?::uuid", id)
                .get(0)
                .get("sink_config");
        String raw = new String(config, StandardCharsets.ISO_8859_1)
                + Db.rows("SELECT s::text AS t FROM pipeline_sinks s WHERE id = ?::uuid", id);
        assertThat(raw).doesNotContain(token).doesNotContain("secret-host");
    }

    static Stream<Arguments> badSinks() {
        Map<String, Object> nullSecret = new HashMap<>();
        nullSecret.put("url", "https://x.example.com");
        nullSecret.put("headers", Map.of("Bad Name", "v"));
        return Stream.of(
                Arguments.of(Map.of("config", Map.of("url", "https://x.example.com")), "type", "is required"),
                Arguments.of(
                        Map.of("type", "pager", "config", Map.of()), "type", "must be one of webhook, slack, email"),
                Arguments.of(Map.of("type", "webhook"), "config", "is required"),
                Arguments.of(Map.of("type", "webhook", "config", "https://x"), "config", "must be a JSON object"),
                Arguments.of(Map.of("type", "webhook", "config", Map.of()), "config.url", "is required"),
                Arguments.of(
                        Map.of("type", "webhook", "config", Map.of("url", "ftp://x.example.com/a")),
                        "config.url",
                        "must be an http or https URL"),
                Arguments.of(
                        Map.of("type", "webhook", "config", Map.of("url", "https://exa mple.com")),
                        "config.url",
                        "must be an http or https URL"),
                Arguments.of(
                        Map.of("type", "webhook", "config", Map.of("url", "not a url")),
                        "config.url",
                        "must be an http or https URL"),
                Arguments.of(
                        Map.of("type", "webhook", "config", Map.of("url", 42)),
                        "config.url",
                        "must be an http or https URL of at most 2048 characters"),
                Arguments.of(
                        Map.of("type", "webhook", "config", nullSecret),
                        "config.headers.Bad Name",
                        "is not a valid header name"),
                Arguments.of(
                        Map.of(
                                "type",
                                "webhook",
                                "config",
                                Map.of("url", "https://x.example.com", "headers", List.of("a"))),
                        "config.headers",
                        "must be a JSON object of header names to values"),
                Arguments.of(
                        Map.of("type", "webhook", "config", Map.of("url", "https://x.example.com", "secret", "short")),
                        "config.secret",
                        "must be a string of 16 to 256 characters"),
                Arguments.of(
                        Map.of("type", "webhook", "config", Map.of("url", "https://x.example.com", "method", "PUT")),
                        "config.method",
                        "unknown field for a webhook sink"),
                Arguments.of(Map.of("type", "slack", "config", Map.of()), "config.webhook_url", "is required"),
                Arguments.of(
                        Map.of("type", "slack", "config", Map.of("webhook_url", "javascript:alert(1)")),
                        "config.webhook_url",
                        "must be an http or https URL"),
                Arguments.of(Map.of("type", "email", "config", Map.of()), "config.to", "is required"),
                Arguments.of(
                        Map.of("type", "email", "config", Map.of("to", List.of())),
                        "config.to",
                        "must be a list of 1 to 20 e-mail addresses"),
                Arguments.of(
                        Map.of("type", "email", "config", Map.of("to", "a@example.com")),
                        "config.to",
                        "must be a list of 1 to 20 e-mail addresses"),
                Arguments.of(
                        Map.of("type", "email", "config", Map.of("to", List.of("ok@example.com", "nope"))),
                        "config.to[1]",
                        "must be an e-mail address"),
                Arguments.of(
                        Map.of("type", "email", "config", Map.of("to", List.of("a@example.com")), "colour", "red"),
                        "colour",
                        "unknown field"));
    }

    @ParameterizedTest
    @MethodSource("badSinks")
    void aBadSinkIsRefusedWithTheFieldAndNothingIsStored(Map<String, Object> body, String field, String reason) {
        Api.Team team = Api.team(Tokens.OWNER, Map.of());
        UUID pipeline = Api.pipeline(team);
        as(Tokens.OWNER)
                .body(body)
                .post(sinks(team, pipeline))
                .then()
                .statusCode(400)
                .body("error", equalTo("invalid_request"))
                .body("fields.field", hasItem(field))
                .body(
                        "fields.find { it.field == '" + field + "' }.reason",
                        org.hamcrest.Matchers.containsString(reason));
        assertThat(stored(pipeline)).isZero();
        assertThat(Db.count(
                        "SELECT count(*) FROM audit_log WHERE team_id = ?::uuid AND entity_type = 'sink'",
                        team.id().toString()))
                .isZero();
    }

    @Test
    void aBadChangeIsRefusedAndTheStoredSinkStaysAsItWas() {
        Api.Team team = Api.team(Tokens.OWNER, Map.of());
        UUID pipeline = Api.pipeline(team);
        String id = as(Tokens.OWNER)
                .body(Map.of("type", "slack", "config", Map.of("webhook_url", "https://hooks.slack.com/services/a")))
                .post(sinks(team, pipeline))
                .then()
                .statusCode(201)
                .extract()
                .path("id");
        Object before = Db.rows("SELECT sink_config, enabled, updated_at FROM pipeline_sinks WHERE id = ?::uuid", id)
                .get(0)
                .values()
                .stream()
                .map(v -> v instanceof byte[] b ? new String(b, StandardCharsets.ISO_8859_1) : String.valueOf(v))
                .toList();
        as(Tokens.OWNER)
                .body(Map.of("type", "webhook"))
                .patch(sinks(team, pipeline) + "/" + id)
                .then()
                .statusCode(400)
                .body("fields[0].field", equalTo("type"))
                .body("fields[0].reason", equalTo("cannot change; create another sink"));
        as(Tokens.OWNER)
                .body(Map.of("config", Map.of("webhook_url", "file:///etc/passwd"), "enabled", false))
                .patch(sinks(team, pipeline) + "/" + id)
                .then()
                .statusCode(400)
                .body("fields[0].field", equalTo("config.webhook_url"))
                .body("fields[0].reason", equalTo("must be an http or https URL"));
        Object after = Db.rows("SELECT sink_config, enabled, updated_at FROM pipeline_sinks WHERE id = ?::uuid", id)
                .get(0)
                .values()
                .stream()
                .map(v -> v instanceof byte[] b ? new String(b, StandardCharsets.ISO_8859_1) : String.valueOf(v))
                .toList();
        assertThat(after).isEqualTo(before);
        assertThat(Db.count("SELECT count(*) FROM audit_log WHERE entity_id = ? AND action = 'sink.update'", id))
                .isZero();
    }
}
