package dev.dash.ingestor.ingest;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.notNullValue;

import dev.dash.ingestor.pipeline.PipelineRepository;
import dev.dash.ingestor.testing.RawTopic;
import dev.dash.ingestor.testing.TestPipelines;
import dev.dash.ingestor.testing.TestPipelines.Created;
import dev.dash.ingestor.testing.TestPipelines.Spec;
import dev.dash.model.envelope.RawEnvelope;
import dev.dash.model.signature.Preset;
import dev.dash.model.signature.PresetConfig;
import dev.dash.model.signature.SecretMaterial;
import dev.dash.model.signature.SignatureSigner;
import dev.dash.model.testing.DashTestResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.ValidatableResponse;
import io.restassured.specification.RequestSpecification;
import jakarta.inject.Inject;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Stream;
import java.util.zip.GZIPOutputStream;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The ingest API against the real broker and database: what is accepted lands on {@code dash.raw} exactly
 * once; every refusal has its status, its error body, and leaves nothing in Kafka.
 */
@QuarkusTest
@QuarkusTestResource(DashTestResource.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class IngestApiTest {
    @Inject
    PipelineRepository repository;

    TestPipelines pipelines;
    RawTopic raw;
    Created github;
    Created stdWebhooks;
    Created slack;
    Created paused;
    Created limited;
    Created open;

    @BeforeAll
    void setUp() throws Exception {
        pipelines = new TestPipelines();
        raw = new RawTopic();
        github = create(Spec.of("github"));
        stdWebhooks = create(Spec.of("standard_webhooks"));
        slack = create(Spec.of("slack"));
        paused = create(Spec.of("github").withStatus("paused"));
        limited = create(Spec.of("none").withQuota(2, 4096L));
        open = create(Spec.of("none"));
    }

    @AfterAll
    void tearDown() {
        pipelines.close();
        raw.close();
    }

    private Created create(Spec spec) throws Exception {
        Created c = pipelines.create(spec);
        pipelines.publish(repository.load(c.id()));
        return c;
    }

    private static RequestSpecification signed(Created p, Preset preset, byte[] body, String deliveryId) {
        Map<String, String> headers = SignatureSigner.forPreset(PresetConfig.of(preset))
                .sign(body, SecretMaterial.of(p.secretId().toString(), p.secret()), Instant.now(), deliveryId);
        return given().headers(headers).contentType("application/json").body(body);
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /** Waits until the node knows the pipeline (its snapshot travels through dash.control). */
    private void awaitKnown(Created p, Preset preset) {
        byte[] body = bytes("{\"warm\":true}");
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> {
            RequestSpecification r =
                    preset == null ? given().contentType("application/json").body(body) : signed(p, preset, body, null);
            return r.post("/ingest/" + p.id()).statusCode() != 404;
        });
    }

    @Test
    void signedEventIsPublishedOnceAndAnswered202() {
        awaitKnown(github, Preset.GITHUB);
        long mark = raw.mark(github.id());
        byte[] body = bytes("{\"ref\":\"refs/heads/main\",\"n\":1}");
        String id = signed(github, Preset.GITHUB, body, "gh-" + UUID.randomUUID())
                .post("/ingest/" + github.id())
                .then()
                .statusCode(202)
                .body("accepted", equalTo(1))
                .body("event_ids", hasSize(1))
                .extract()
                .path("event_ids[0]");
        List<RawEnvelope> got = raw.since(github.id(), mark);
        assertThat(got).hasSize(1);
        RawEnvelope e = got.get(0);
        assertThat(e.eventId()).hasToString(id);
        assertThat(e.body()).isEqualTo(body);
        assertThat(e.teamId()).isEqualTo(github.teamId());
        assertThat(e.verification().isVerified()).isTrue();
        assertThat(e.headers()).containsKey("x-hub-signature-256").containsKey("x-github-delivery");
    }

    @Test
    void ndjsonBatchGzipIsAcceptedWhole() throws Exception {
        awaitKnown(stdWebhooks, Preset.STANDARD_WEBHOOKS);
        long mark = raw.mark(stdWebhooks.id());
        String ndjson = "{\"i\":1}\n\n{\"i\":2}\r\n{\"i\":3}\n";
        byte[] body = bytes(ndjson);
        ByteArrayOutputStream gz = new ByteArrayOutputStream();
        try (GZIPOutputStream out = new GZIPOutputStream(gz)) {
            out.write(body);
        }
        Map<String, String> headers = SignatureSigner.forPreset(PresetConfig.of(Preset.STANDARD_WEBHOOKS))
                .sign(body, SecretMaterial.of("s", stdWebhooks.secret()), Instant.now(), null);
        given().headers(headers)
                .header("Content-Encoding", "gzip")
                .contentType("application/x-ndjson")
                .body(gz.toByteArray())
                .post("/ingest/" + stdWebhooks.id())
                .then()
                .statusCode(202)
                .body("accepted", equalTo(3));
        assertThat(raw.since(stdWebhooks.id(), mark))
                .extracting(e -> new String(e.body(), StandardCharsets.UTF_8))
                .containsExactly("{\"i\":1}", "{\"i\":2}", "{\"i\":3}");
    }

    @Test
    void duplicateDeliveryGets200WithTheOriginalIdsAndIsNotStoredAgain() {
        awaitKnown(github, Preset.GITHUB);
        String delivery = "dup-" + UUID.randomUUID();
        byte[] body = bytes("{\"dup\":true}");
        long mark = raw.mark(github.id());
        String first = signed(github, Preset.GITHUB, body, delivery)
                .post("/ingest/" + github.id())
                .then()
                .statusCode(202)
                .extract()
                .path("event_ids[0]");
        Awaitility.await()
                .atMost(Duration.ofSeconds(5))
                .untilAsserted(() -> signed(github, Preset.GITHUB, body, delivery)
                        .post("/ingest/" + github.id())
                        .then()
                        .statusCode(200)
                        .body("duplicate", equalTo(true))
                        .body("event_ids[0]", equalTo(first)));
        assertThat(raw.since(github.id(), mark)).hasSize(1);
    }

    // Kafka down (503 kafka_unavailable, the retry of the same delivery accepted once back): IngestKafkaDownTest,
    // on a private broker, since the shared one is never stopped.

    @Test
    void slackChallengeIsAnswered() {
        awaitKnown(slack, null);
        long mark = raw.mark(slack.id());
        given().contentType("application/json")
                .body("{\"type\":\"url_verification\",\"challenge\":\"abc123\",\"token\":\"x\"}")
                .post("/ingest/" + slack.id())
                .then()
                .statusCode(200)
                .body("challenge", equalTo("abc123"));
        // The pipeline's own records, not the partition's end offset: other runs on the shared broker write too.
        assertThat(raw.since(slack.id(), mark)).isEmpty();
    }

    Stream<Arguments> rejections() {
        return Stream.of(
                Arguments.of("unknown pipeline", 404, "pipeline_not_found", "pipelineId", (Req)
                        t -> given().contentType("application/json").body("{}").post("/ingest/" + UUID.randomUUID())),
                Arguments.of("not a pipeline id", 404, "pipeline_not_found", "pipelineId", (Req)
                        t -> given().contentType("application/json").body("{}").post("/ingest/nope")),
                Arguments.of("paused pipeline", 409, "pipeline_paused", "status", (Req)
                        t -> signed(t.paused, Preset.GITHUB, bytes("{}"), null).post("/ingest/" + t.paused.id())),
                Arguments.of("bad signature", 401, "bad_signature", "signature", (Req)
                        t -> given().header("X-Hub-Signature-256", "sha256=" + "0".repeat(64))
                                .contentType("application/json")
                                .body("{}")
                                .post("/ingest/" + t.github.id())),
                Arguments.of("missing signature", 401, "missing_header", "signature", (Req)
                        t -> given().contentType("application/json").body("{}").post("/ingest/" + t.github.id())),
                Arguments.of("stale timestamp", 401, "timestamp_out_of_tolerance", "signature", (Req) t ->
                        given().headers(SignatureSigner.forPreset(PresetConfig.of(Preset.STANDARD_WEBHOOKS))
                                        .sign(
                                                bytes("{}"),
                                                SecretMaterial.of("s", t.stdWebhooks.secret()),
                                                Instant.now().minusSeconds(3600),
                                                null))
                                .contentType("application/json")
                                .body("{}")
                                .post("/ingest/" + t.stdWebhooks.id())),
                Arguments.of("invalid JSON", 400, "invalid_json", "body", (Req) t ->
                        signed(t.github, Preset.GITHUB, bytes("{\"a\":"), null).post("/ingest/" + t.github.id())),
                Arguments.of("two documents", 400, "invalid_json", "body", (Req) t ->
                        signed(t.github, Preset.GITHUB, bytes("{} {}"), null).post("/ingest/" + t.github.id())),
                Arguments.of("empty body", 400, "invalid_json", "body", (Req)
                        t -> signed(t.github, Preset.GITHUB, bytes(""), null).post("/ingest/" + t.github.id())),
                Arguments.of("bad gzip", 400, "invalid_encoding", "content-encoding", (Req)
                        t -> given().header("Content-Encoding", "gzip")
                                .contentType("application/json")
                                .body("{}")
                                .post("/ingest/" + t.open.id())),
                Arguments.of("body too large", 413, "body_too_large", "body", (Req)
                        t -> given().contentType("application/json")
                                .body(new byte[1024 * 1024 + 1])
                                .post("/ingest/" + t.open.id())));
    }

    /** One rejected request, built against this test's pipelines. */
    interface Req {
        io.restassured.response.Response send(IngestApiTest t);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("rejections")
    void rejectedRequestsAnswerWithReasonAndStoreNothing(String name, int status, String error, String field, Req req)
            throws Exception {
        awaitKnown(github, Preset.GITHUB);
        awaitKnown(paused, null);
        awaitKnown(open, null);
        List<UUID> ids = List.of(github.id(), paused.id(), stdWebhooks.id(), open.id());
        Map<UUID, Long> marks = new java.util.HashMap<>();
        for (UUID id : ids) {
            marks.put(id, raw.mark(id));
        }
        ValidatableResponse r = req.send(this)
                .then()
                .statusCode(status)
                .contentType("application/json")
                .body("status", equalTo(status))
                .body("error", equalTo(error))
                .body("message", notNullValue())
                .body("fields[0].field", equalTo(field))
                .body("fields[0].reason", notNullValue());
        assertThat(r.extract().asString()).doesNotContain("Exception", "\tat ");
        for (UUID id : ids) {
            assertThat(raw.since(id, marks.get(id)))
                    .as("events of %s on dash.raw", id)
                    .isEmpty();
        }
    }

    @Test
    void ndjsonWithABadLineIsRefusedWholeWithTheLineNumber() {
        awaitKnown(open, null);
        long mark = raw.mark(open.id());
        given().contentType("application/x-ndjson")
                .body(bytes("{\"i\":1}\n{\"i\":2}\n{\"i\":\n{\"i\":4}\n"))
                .post("/ingest/" + open.id())
                .then()
                .statusCode(400)
                .body("error", equalTo("invalid_json"))
                .body("line", equalTo(3))
                .body("message", org.hamcrest.Matchers.startsWith("line 3:"));
        assertThat(raw.since(open.id(), mark)).isEmpty();
    }

    @Test
    void quotaBreachGets429WithRetryAfterAndRateLimitHeaders() {
        awaitKnown(limited, null);
        long mark = raw.mark(limited.id());
        int accepted = 0;
        io.restassured.response.Response refused = null;
        for (int i = 0; i < 10 && refused == null; i++) {
            var r = given().contentType("application/json")
                    .body("{\"i\":" + i + "}")
                    .post("/ingest/" + limited.id());
            if (r.statusCode() == 202) {
                accepted++;
            } else {
                refused = r;
            }
        }
        assertThat(refused).isNotNull();
        refused.then()
                .statusCode(429)
                .header("Retry-After", notNullValue())
                .header("X-RateLimit-Limit", "2")
                .header("X-RateLimit-Remaining", notNullValue())
                .header("X-RateLimit-Reset", notNullValue())
                .body("error", equalTo("quota_exceeded"))
                .body("fields[0].field", equalTo("quota.requests"));
        assertThat(raw.since(limited.id(), mark)).hasSize(accepted);
    }

    @Test
    void pausingAndRotatingElsewhereIsHonouredWithinASecond() throws Exception {
        Created p = create(Spec.of("github"));
        awaitKnown(p, Preset.GITHUB);
        // A new secret arrives through dash.control only (the reconcile runs hourly in tests).
        UUID newId = UUID.randomUUID();
        String newSecret = "rotated-" + UUID.randomUUID();
        try (Connection c = pipelines.connect()) {
            pipelines.addSecret(c, p.id(), newId, newSecret, null);
        }
        pipelines.publish(repository.load(p.id()));
        Created rotated = new Created(p.id(), p.teamId(), newId, newSecret);
        Awaitility.await()
                .atMost(Duration.ofSeconds(1))
                .pollInterval(Duration.ofMillis(50))
                .untilAsserted(() -> signed(rotated, Preset.GITHUB, bytes("{\"r\":1}"), null)
                        .post("/ingest/" + p.id())
                        .then()
                        .statusCode(202));
        try (Connection c = pipelines.connect()) {
            TestPipelines.exec(
                    c, "UPDATE pipelines SET status = 'paused', updated_at = clock_timestamp() WHERE id = ?", p.id());
        }
        pipelines.publish(repository.load(p.id()));
        Awaitility.await()
                .atMost(Duration.ofSeconds(1))
                .pollInterval(Duration.ofMillis(50))
                .untilAsserted(() -> signed(rotated, Preset.GITHUB, bytes("{\"r\":2}"), null)
                        .post("/ingest/" + p.id())
                        .then()
                        .statusCode(409));
        pipelines.tombstone(p.id());
        Awaitility.await()
                .atMost(Duration.ofSeconds(1))
                .pollInterval(Duration.ofMillis(50))
                .untilAsserted(() -> signed(rotated, Preset.GITHUB, bytes("{\"r\":3}"), null)
                        .post("/ingest/" + p.id())
                        .then()
                        .statusCode(404));
    }

    @Test
    void dedupeRecordIsCommittedAfterTheAck() throws Exception {
        awaitKnown(github, Preset.GITHUB);
        String delivery = "c-" + UUID.randomUUID();
        signed(github, Preset.GITHUB, bytes("{\"c\":1}"), delivery)
                .post("/ingest/" + github.id())
                .then()
                .statusCode(202);
        Awaitility.await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
            try (Connection c = pipelines.connect();
                    PreparedStatement ps = c.prepareStatement(
                            "SELECT state FROM ingest_dedupe WHERE pipeline_id = ? AND delivery_id = ?")) {
                ps.setObject(1, github.id());
                ps.setString(2, delivery);
                try (ResultSet rs = ps.executeQuery()) {
                    assertThat(rs.next()).isTrue();
                    assertThat(rs.getString(1)).isEqualTo("committed");
                }
            }
        });
    }

    @Test
    void metricsCoverIngestArchiverAndWriter() {
        awaitKnown(open, null);
        given().contentType("application/json")
                .body("{\"m\":1}")
                .post("/ingest/" + open.id())
                .then()
                .statusCode(202);
        given().contentType("application/json")
                .body("{")
                .post("/ingest/" + open.id())
                .then()
                .statusCode(400);
        String metrics =
                given().get("/q/metrics").then().statusCode(200).extract().asString();
        assertThat(metrics)
                .contains("dash_ingest_accepted_events_total", "dash_ingest_accepted_bytes_total")
                .contains("dash_ingest_rejected_total{reason=\"invalid_json\"}")
                .contains("dash_ingest_inflight_events", "dash_ingest_inflight_bytes")
                .contains("dash_ingest_publish_latency_seconds")
                .contains("dash_bronze_lag", "dash_bronze_objects_total")
                .contains("dash_silver_rows_total", "dash_silver_batch_latency_seconds", "dash_silver_lag")
                .contains("dash_silver_quarantined_total", "dash_silver_receipt_to_commit_seconds")
                // No per-request HTTP timer: its path matching and tag look-up were on every request's way.
                .doesNotContain("http_server_requests");
    }

    @Test
    void concurrentDeliveriesOfOneIdAreStoredOnce() throws Exception {
        awaitKnown(github, Preset.GITHUB);
        String delivery = "race-" + UUID.randomUUID();
        byte[] body = bytes("{\"race\":true}");
        long mark = raw.mark(github.id());
        var pool = java.util.concurrent.Executors.newFixedThreadPool(8);
        try {
            List<java.util.concurrent.Future<Integer>> statuses = new java.util.ArrayList<>();
            for (int i = 0; i < 8; i++) {
                statuses.add(pool.submit(() -> signed(github, Preset.GITHUB, body, delivery)
                        .post("/ingest/" + github.id())
                        .statusCode()));
            }
            List<Integer> got = new java.util.ArrayList<>();
            for (var f : statuses) {
                got.add(f.get());
            }
            assertThat(got).isSubsetOf(202, 200, 503).containsOnlyOnce(202);
        } finally {
            pool.shutdown();
        }
        assertThat(raw.since(github.id(), mark)).hasSize(1);
    }
}
