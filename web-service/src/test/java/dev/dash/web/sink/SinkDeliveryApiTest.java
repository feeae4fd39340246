package dev.dash.web.sink;

import static dev.dash.web.testing.Api.as;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.nullValue;
import static org.hamcrest.Matchers.startsWith;

import dev.dash.model.testing.DashTestResource;
import dev.dash.web.testing.Api;
import dev.dash.web.testing.Db;
import dev.dash.web.testing.Tokens;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Sink delivery settings, signing secrets and the delivery log through the API (docs/sinks.md). */
@QuarkusTest
@QuarkusTestResource(DashTestResource.class)
class SinkDeliveryApiTest {
    private static String sinks(Api.Team team, UUID pipeline) {
        return "/api/teams/" + team.id() + "/pipelines/" + pipeline + "/sinks";
    }

    @Test
    void aWebhookGetsASecretShownOnceAndARotationKeepsThePreviousOneForTheOverlap() {
        Api.Team team = Api.team(Tokens.OWNER, Map.of());
        UUID pipeline = Api.pipeline(team);
        String secret = as(Tokens.OWNER)
                .body(Map.of("type", "webhook", "config", Map.of("url", "https://hooks.example.com/in")))
                .post(sinks(team, pipeline))
                .then()
                .statusCode(201)
                .body("secret", startsWith("whsec_"))
                .body("config.secret", equalTo("****"))
                .body("delivery.mode", equalTo("points"))
                .extract()
                .path("secret");
        String id = Db.rows(
                        "SELECT id::text AS id FROM pipeline_sinks WHERE pipeline_id = ?::uuid", pipeline.toString())
                .get(0)
                .get("id")
                .toString();
        as(Tokens.OWNER)
                .get(sinks(team, pipeline) + "/" + id)
                .then()
                .statusCode(200)
                .body("secret", nullValue());
        String rotated = as(Tokens.OWNER)
                .body(Map.of("overlap_seconds", 3600))
                .post(sinks(team, pipeline) + "/" + id + "/rotate-secret")
                .then()
                .statusCode(200)
                .body("secret", startsWith("whsec_"))
                .body("config.previous_secrets_expire_at", hasSize(1))
                .extract()
                .path("secret");
        assertThat(rotated).isNotEqualTo(secret);
        // A new URL keeps the secrets.
        as(Tokens.OWNER)
                .body(Map.of("config", Map.of("url", "https://hooks.example.com/other")))
                .patch(sinks(team, pipeline) + "/" + id)
                .then()
                .statusCode(200)
                .body("config.secret", equalTo("****"))
                .body("config.previous_secrets_expire_at", hasSize(1));
        as(Tokens.OWNER)
                .body(Map.of("overlap_seconds", -1))
                .post(sinks(team, pipeline) + "/" + id + "/rotate-secret")
                .then()
                .statusCode(400)
                .body("fields[0].field", equalTo("overlap_seconds"));
        assertThat(Db.count("SELECT count(*) FROM audit_log WHERE entity_id = ? AND action = 'sink.rotate_secret'", id))
                .isEqualTo(1);
    }

    @Test
    void anAlertSinkIsStoredWithItsDefaultsAndSwitchingOnClearsTheReason() {
        Api.Team team = Api.team(Tokens.OWNER, Map.of());
        UUID pipeline = Api.pipeline(team);
        String id = as(Tokens.OWNER)
                .body(Map.of(
                        "type",
                        "slack",
                        "config",
                        Map.of("webhook_url", "https://hooks.slack.com/services/a"),
                        "delivery",
                        Map.of(
                                "mode",
                                "alert",
                                "metric",
                                "cpu",
                                "operator",
                                "above",
                                "threshold",
                                90,
                                "hold_seconds",
                                60)))
                .post(sinks(team, pipeline))
                .then()
                .statusCode(201)
                .body("delivery.operator", equalTo("above"))
                .body("delivery.recovery_hold_seconds", equalTo(60.0f))
                .body("disabled_reason", nullValue())
                .extract()
                .path("id");
        Db.update(
                "UPDATE pipeline_sinks SET enabled = false, disabled_reason = '410 Gone', failure_streak = 7 WHERE id = ?::uuid",
                id);
        as(Tokens.OWNER)
                .get(sinks(team, pipeline) + "/" + id)
                .then()
                .body("disabled_reason", equalTo("410 Gone"))
                .body("failure_streak", equalTo(7));
        as(Tokens.OWNER)
                .body(Map.of("enabled", true))
                .patch(sinks(team, pipeline) + "/" + id)
                .then()
                .statusCode(200)
                .body("enabled", equalTo(true))
                .body("disabled_reason", nullValue())
                .body("failure_streak", equalTo(0));
        as(Tokens.OWNER)
                .body(Map.of("type", "email", "config", Map.of("to", List.of("a@example.com"))))
                .post(sinks(team, pipeline))
                .then()
                .statusCode(201)
                .body("delivery.mode", equalTo("batch"))
                .body("delivery.max_points", equalTo(100));
    }

    static Stream<Arguments> badDeliveries() {
        return Stream.of(
                Arguments.of("webhook", "points", "delivery", "must be a JSON object"),
                Arguments.of(
                        "webhook", Map.of("mode", "sometimes"), "delivery.mode", "must be one of points, batch, alert"),
                Arguments.of("webhook", Map.of(), "delivery.mode", "is required"),
                Arguments.of("email", Map.of("mode", "points"), "delivery.mode", "e-mail sinks send batches or alerts"),
                Arguments.of(
                        "webhook",
                        Map.of("mode", "points", "size", 3),
                        "delivery.size",
                        "unknown field for mode points"),
                Arguments.of(
                        "webhook",
                        Map.of("mode", "batch", "max_points", 0),
                        "delivery.max_points",
                        "must be between 1 and 10000"),
                Arguments.of(
                        "webhook",
                        Map.of("mode", "batch", "max_points", 2.5),
                        "delivery.max_points",
                        "must be a whole number"),
                Arguments.of(
                        "webhook",
                        Map.of("mode", "batch", "max_wait_seconds", "1m"),
                        "delivery.max_wait_seconds",
                        "must be a number"),
                Arguments.of(
                        "webhook",
                        Map.of("mode", "alert", "operator", "above", "threshold", 1),
                        "delivery.metric",
                        "is required"),
                Arguments.of(
                        "webhook",
                        Map.of("mode", "alert", "metric", "cpu", "threshold", 1),
                        "delivery.operator",
                        "is required"),
                Arguments.of(
                        "webhook",
                        Map.of("mode", "alert", "metric", "cpu", "operator", "over", "threshold", 1),
                        "delivery.operator",
                        "must be one of above, below, outside"),
                Arguments.of(
                        "webhook",
                        Map.of("mode", "alert", "metric", "cpu", "operator", "above"),
                        "delivery.threshold",
                        "is required"),
                Arguments.of(
                        "webhook",
                        Map.of("mode", "alert", "metric", "cpu", "operator", "outside", "low", 5, "high", 1),
                        "delivery.high",
                        "must be greater than low"),
                Arguments.of(
                        "webhook",
                        Map.of("mode", "alert", "metric", "cpu", "operator", "outside", "threshold", 5),
                        "delivery.low",
                        "is required"),
                Arguments.of(
                        "webhook",
                        Map.of(
                                "mode",
                                "alert",
                                "metric",
                                "cpu",
                                "operator",
                                "above",
                                "threshold",
                                1,
                                "hold_seconds",
                                -1),
                        "delivery.hold_seconds",
                        "must be between 0 and 86400"),
                Arguments.of(
                        "webhook",
                        Map.of(
                                "mode",
                                "alert",
                                "metric",
                                "cpu",
                                "operator",
                                "above",
                                "threshold",
                                1,
                                "labels",
                                List.of("a")),
                        "delivery.labels",
                        "must be a JSON object"),
                Arguments.of(
                        "webhook",
                        Map.of(
                                "mode",
                                "alert",
                                "metric",
                                "cpu",
                                "operator",
                                "above",
                                "threshold",
                                1,
                                "labels",
                                Map.of("host", 1)),
                        "delivery.labels.host",
                        "must be a string"));
    }

    @ParameterizedTest
    @MethodSource("badDeliveries")
    void aBadDeliveryIsRefusedWithTheFieldAndNothingIsStored(
            String type, Object delivery, String field, String reason) {
        Api.Team team = Api.team(Tokens.OWNER, Map.of());
        UUID pipeline = Api.pipeline(team);
        Map<String, Object> config = type.equals("email")
                ? Map.of("to", List.of("a@example.com"))
                : Map.of("url", "https://hooks.example.com/in");
        as(Tokens.OWNER)
                .body(Map.of("type", type, "config", config, "delivery", delivery))
                .post(sinks(team, pipeline))
                .then()
                .statusCode(400)
                .body("status", equalTo(400))
                .body("error", equalTo("invalid_request"))
                .body("fields.field", hasItem(field))
                .body(
                        "fields.find { it.field == '" + field + "' }.reason",
                        org.hamcrest.Matchers.containsString(reason));
        assertThat(Db.count("SELECT count(*) FROM pipeline_sinks WHERE pipeline_id = ?::uuid", pipeline.toString()))
                .isZero();
    }

    /** A sink with three deliveries as the ingestor records them: delivered, failed after retries, pending. */
    private record Logged(Api.Team team, UUID pipeline, String sink, UUID delivered, UUID failed, UUID pending) {}

    private Logged logged() {
        Api.Team team = Api.team(Tokens.OWNER, Map.of());
        UUID pipeline = Api.pipeline(team);
        String sink = as(Tokens.OWNER)
                .body(Map.of("type", "webhook", "config", Map.of("url", "https://hooks.example.com/in")))
                .post(sinks(team, pipeline))
                .then()
                .statusCode(201)
                .extract()
                .path("id");
        UUID delivered = UUID.randomUUID();
        UUID failed = UUID.randomUUID();
        UUID pending = UUID.randomUUID();
        String insert = """
                INSERT INTO sink_deliveries (id, sink_id, pipeline_id, kind, payload, point_count, status, attempts,
                    next_attempt_at, last_status_code, last_response, created_at)
                VALUES (?::uuid, ?::uuid, ?::uuid, 'points', '{"points": []}', 1, ?, ?, ?::timestamptz, ?, ?,
                    ?::timestamptz)
                """;
        Instant t = Instant.now().minusSeconds(600);
        Db.update(
                insert, delivered.toString(), sink, pipeline.toString(), "delivered", 1, null, 200, "ok", t.toString());
        Db.update(
                insert,
                failed.toString(),
                sink,
                pipeline.toString(),
                "failed",
                3,
                null,
                500,
                "boom",
                t.plusSeconds(60).toString());
        Db.update(
                insert,
                pending.toString(),
                sink,
                pipeline.toString(),
                "pending",
                1,
                t.plusSeconds(3600).toString(),
                503,
                "busy",
                t.plusSeconds(120).toString());
        for (int a = 1; a <= 3; a++) {
            Db.update(
                    "INSERT INTO sink_attempts (delivery_id, attempt, started_at, outcome, status_code, response, latency_ms) VALUES (?::uuid, ?, now(), 'failed', 500, 'boom', 12)",
                    failed.toString(),
                    a);
        }
        return new Logged(team, pipeline, sink, delivered, failed, pending);
    }

    @Test
    void theDeliveryLogListsFiltersAndShowsEveryAttemptAndARetryOrResendMakesDeliveriesDue() {
        Logged l = logged();
        String base = sinks(l.team(), l.pipeline()) + "/" + l.sink();
        as(Tokens.OWNER)
                .get(base + "/deliveries")
                .then()
                .statusCode(200)
                .body("$", hasSize(3))
                .body("[0].id", equalTo(l.pending().toString()))
                .body("[0].next_attempt_at", org.hamcrest.Matchers.notNullValue())
                .body("[0].last_response", equalTo("busy"));
        as(Tokens.OWNER)
                .queryParam("status", "failed")
                .get(base + "/deliveries")
                .then()
                .body("$", hasSize(1))
                .body("[0].webhook_id", equalTo("msg_" + l.failed().toString().replace("-", "")));
        as(Tokens.OWNER)
                .queryParam("limit", 1)
                .queryParam("before", Instant.now().minusSeconds(570).toString())
                .get(base + "/deliveries")
                .then()
                .body("$", hasSize(1))
                .body("[0].id", equalTo(l.delivered().toString()));
        as(Tokens.OWNER)
                .get(base + "/deliveries/" + l.failed())
                .then()
                .statusCode(200)
                .body("attempt_log", hasSize(3))
                .body("attempt_log[2].status_code", equalTo(500))
                .body("attempt_log[2].response", equalTo("boom"))
                .body("attempt_log[2].latency_ms", equalTo(12))
                .body("payload.points", hasSize(0));
        as(Tokens.OWNER)
                .post(base + "/deliveries/" + l.failed() + "/retry")
                .then()
                .statusCode(202)
                .body("status", equalTo("pending"))
                .body("attempts", equalTo(3));
        as(Tokens.OWNER)
                .body(Map.of("since", Instant.now().minusSeconds(3600).toString(), "status", "delivered"))
                .post(base + "/resend")
                .then()
                .statusCode(202)
                .body("requeued", equalTo(1));
        assertThat(Db.count(
                        "SELECT count(*) FROM sink_deliveries WHERE sink_id = ?::uuid AND status = 'pending' AND next_attempt_at <= now()",
                        l.sink()))
                .isEqualTo(2);
        as(Tokens.OWNER).get(base + "/deliveries/" + UUID.randomUUID()).then().statusCode(404);
        as(Tokens.OWNER)
                .get(sinks(l.team(), l.pipeline()) + "/" + UUID.randomUUID() + "/deliveries")
                .then()
                .statusCode(404);
    }

    static Stream<Arguments> badLogRequests() {
        return Stream.of(
                Arguments.of("GET", "deliveries?status=lost", null, "status", "must be one of"),
                Arguments.of("GET", "deliveries?limit=0", null, "limit", "must be between 1 and 500"),
                Arguments.of("GET", "deliveries?before=yesterday", null, "before", "must be an ISO-8601 instant"),
                Arguments.of("POST", "resend", Map.of(), "since", "is required"),
                Arguments.of(
                        "POST",
                        "resend",
                        Map.of("since", "2999-01-01T00:00:00Z"),
                        "since",
                        "must not be in the future"),
                Arguments.of(
                        "POST",
                        "resend",
                        Map.of("since", "2020-01-01T00:00:00Z", "status", "collecting"),
                        "status",
                        "must be one of"));
    }

    @ParameterizedTest
    @MethodSource("badLogRequests")
    void aBadLogRequestIsRefusedAndChangesNothing(
            String method, String path, Object body, String field, String reason) {
        Logged l = logged();
        String url = sinks(l.team(), l.pipeline()) + "/" + l.sink() + "/" + path;
        var request = as(Tokens.OWNER);
        if (body != null) {
            request = request.body(body);
        }
        (method.equals("GET") ? request.get(url) : request.post(url))
                .then()
                .statusCode(400)
                .body("status", equalTo(400))
                .body("error", equalTo("invalid_request"))
                .body("fields.field", hasItem(field))
                .body(
                        "fields.find { it.field == '" + field + "' }.reason",
                        org.hamcrest.Matchers.containsString(reason));
        assertThat(Db.count(
                        "SELECT count(*) FROM sink_deliveries WHERE sink_id = ?::uuid AND status = 'pending'",
                        l.sink()))
                .isEqualTo(1);
        assertThat(Db.count("SELECT count(*) FROM audit_log WHERE entity_id = ? AND action = 'sink.resend'", l.sink()))
                .isZero();
    }

    @Test
    void aMemberCannotSeeTheLog() {
        Logged l = logged();
        Api.join(l.team().id(), Tokens.OWNER, Tokens.MEMBER, "member");
        as(Tokens.MEMBER)
                .get(sinks(l.team(), l.pipeline()) + "/" + l.sink() + "/deliveries")
                .then()
                .statusCode(403);
    }
}
