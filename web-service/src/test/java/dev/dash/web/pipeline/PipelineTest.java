package dev.dash.web.pipeline;

import static dev.dash.web.testing.Api.as;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.nullValue;
import static org.hamcrest.Matchers.startsWith;

import dev.dash.model.crypto.KeyRing;
import dev.dash.model.kafka.ControlCodec;
import dev.dash.model.kafka.PipelineConfig;
import dev.dash.model.signature.Headers;
import dev.dash.model.signature.Preset;
import dev.dash.model.signature.PresetConfig;
import dev.dash.model.signature.SecretMaterial;
import dev.dash.model.signature.SignatureVerifier;
import dev.dash.model.testing.DashTestResource;
import dev.dash.web.testing.Api;
import dev.dash.web.testing.ControlTopic;
import dev.dash.web.testing.Db;
import dev.dash.web.testing.Tokens;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Stream;
import org.eclipse.microprofile.config.ConfigProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

@QuarkusTest
@QuarkusTestResource(DashTestResource.class)
class PipelineTest {

    static KeyRing ring(String active) {
        return KeyRing.parse(ConfigProvider.getConfig().getValue("dash.crypto.keys", String.class), active);
    }

    @Test
    void aNewPipelineShowsItsSecretOnceWithASignedCurlExampleAndIsPublished() throws Exception {
        Api.Team team = Api.team(Tokens.OWNER, Map.of("viewer", Tokens.VIEWER));
        try (ControlTopic control = new ControlTopic()) {
            JsonPath created = Api.createPipeline(
                            team.id(), Tokens.OWNER, Map.of("name", Api.unique("hooks"), "type", "realtime"))
                    .statusCode(201)
                    .body("pipeline.signature_preset", equalTo("standard_webhooks"))
                    .body("pipeline.status", equalTo("active"))
                    .body("secret.value", startsWith("whsec_"))
                    .body("curl_example", containsString("webhook-signature: v1,"))
                    .extract()
                    .jsonPath();
            String id = created.getString("pipeline.id");
            String secret = created.getString("secret.value");
            String secretId = created.getString("secret.id");
            assertThat(created.getString("pipeline.ingest_url")).endsWith("/ingest/" + id);
            assertThat(created.getString("curl_example")).contains(created.getString("pipeline.ingest_url"));

            // The example is really signed with the secret: verify it as the ingestor would.
            Map<String, String> headers = new HashMap<>();
            for (String line : created.getString("curl_example").split("\n")) {
                var m = java.util.regex.Pattern.compile("-H '([^:]+): (.*)'").matcher(line);
                if (m.find()) {
                    headers.put(m.group(1), m.group(2));
                }
            }
            var result = SignatureVerifier.forPreset(PresetConfig.of(Preset.STANDARD_WEBHOOKS))
                    .verify(
                            Headers.ofSingle(headers),
                            "{\"event\":\"example\",\"value\":42}".getBytes(StandardCharsets.UTF_8),
                            List.of(SecretMaterial.of(secretId, secret)),
                            Instant.now());
            assertThat(result.isVerified()).as(result.toString()).isTrue();

            // Never shown again, to anyone.
            as(Tokens.OWNER)
                    .get("/api/teams/" + team.id() + "/pipelines/" + id)
                    .then()
                    .statusCode(200)
                    .body(not(containsString(secret)))
                    .body("secrets", hasSize(1))
                    .body("secrets[0].hint", equalTo(secret.substring(secret.length() - 4)));
            as(Tokens.VIEWER)
                    .get("/api/teams/" + team.id() + "/pipelines")
                    .then()
                    .statusCode(200)
                    .body(not(containsString(secret)));

            // dash.control gets the whole snapshot, with the secret encrypted under the active key.
            var record = control.await(id, v -> v != null);
            PipelineConfig snapshot = ControlCodec.decode(record.value());
            assertThat(snapshot.teamId()).isEqualTo(team.id());
            assertThat(snapshot.signaturePreset()).isEqualTo("standard_webhooks");
            assertThat(snapshot.secrets()).hasSize(1);
            assertThat(new String(record.value(), StandardCharsets.UTF_8)).doesNotContain(secret);
            assertThat(ring(null).decryptString(snapshot.secrets().get(0).ciphertext(), "pipeline_secret:" + secretId))
                    .isEqualTo(secret);
        }
    }

    @Test
    void noSecretSourceConfigOrSinkConfigIsStoredInPlaintext() {
        Api.Team team = Api.team(Tokens.OWNER, Map.of());
        String apiToken = "tok-" + UUID.randomUUID();
        JsonPath created = Api.createPipeline(
                        team.id(),
                        Tokens.OWNER,
                        Map.of(
                                "name",
                                Api.unique("poll"),
                                "type",
                                "polling",
                                "signature_preset",
                                "github",
                                "interval_seconds",
                                60,
                                "source_type",
                                "http",
                                "source_config",
                                Map.of(
                                        "url",
                                        "https://api.example.com/stats",
                                        "headers",
                                        Map.of("Authorization", "Bearer " + apiToken))))
                .statusCode(201)
                .extract()
                .jsonPath();
        String id = created.getString("pipeline.id");
        String secret = created.getString("secret.value");
        String rotated = as(Tokens.OWNER)
                .body(Map.of("overlap_seconds", 60))
                .post("/api/teams/" + team.id() + "/pipelines/" + id + "/secrets")
                .then()
                .statusCode(200)
                .extract()
                .path("secret.value");
        // Admins read the source config back, decrypted.
        as(Tokens.OWNER)
                .get("/api/teams/" + team.id() + "/pipelines/" + id)
                .then()
                .body("source_config.headers.Authorization", equalTo("Bearer " + apiToken));

        String sinkToken = "sink-" + UUID.randomUUID();
        String sinkId = as(Tokens.OWNER)
                .body(Map.of(
                        "type",
                        "webhook",
                        "config",
                        Map.of(
                                "url",
                                "https://sink.example.net/in?token=" + sinkToken,
                                "headers",
                                Map.of("X-Api-Key", sinkToken),
                                "secret",
                                "whsec-" + sinkToken)))
                .post("/api/teams/" + team.id() + "/pipelines/" + id + "/sinks")
                .then()
                .statusCode(201)
                .extract()
                .path("id");

        // Every row that mentions the pipeline, as text and as bytes.
        String everything = String.join(
                "\n",
                Db.rows("SELECT p::text AS t FROM pipelines p WHERE id = ?::uuid", id)
                        .toString(),
                Db.rows("SELECT s::text AS t FROM pipeline_secrets s WHERE pipeline_id = ?::uuid", id)
                        .toString(),
                Db.rows("SELECT a::text AS t FROM audit_log a WHERE team_id = ?", team.id())
                        .toString(),
                new String(
                        (byte[]) Db.rows("SELECT source_config FROM pipelines WHERE id = ?::uuid", id)
                                .get(0)
                                .get("source_config"),
                        StandardCharsets.ISO_8859_1));
        everything += Db.rows("SELECT s::text AS t FROM pipeline_sinks s WHERE id = ?::uuid", sinkId);
        everything += new String(
                (byte[]) Db.rows("SELECT sink_config FROM pipeline_sinks WHERE id = ?::uuid", sinkId)
                        .get(0)
                        .get("sink_config"),
                StandardCharsets.ISO_8859_1);
        for (var row : Db.rows("SELECT ciphertext FROM pipeline_secrets WHERE pipeline_id = ?::uuid", id)) {
            everything += new String((byte[]) row.get("ciphertext"), StandardCharsets.ISO_8859_1);
        }
        assertThat(everything)
                .contains(id)
                .doesNotContain(secret)
                .doesNotContain(rotated)
                .doesNotContain(apiToken)
                .doesNotContain("api.example.com")
                .doesNotContain(sinkToken);
        assertThat(Db.count("SELECT count(*) FROM pipeline_secrets WHERE pipeline_id = ?::uuid", id))
                .isEqualTo(2);
    }

    @Test
    void rotationKeepsTheOldSecretValidForTheOverlap() {
        Api.Team team = Api.team(Tokens.OWNER, Map.of("admin", Tokens.ADMIN));
        UUID id = Api.pipeline(team);
        String oldId = as(Tokens.OWNER)
                .get("/api/teams/" + team.id() + "/pipelines/" + id)
                .then()
                .extract()
                .path("secrets[0].id");
        try (ControlTopic control = new ControlTopic()) {
            JsonPath rotated = as(Tokens.ADMIN)
                    .body(Map.of("overlap_seconds", 3600))
                    .post("/api/teams/" + team.id() + "/pipelines/" + id + "/secrets")
                    .then()
                    .statusCode(200)
                    .body("secret.value", startsWith("whsec_"))
                    .body("pipeline.secrets", hasSize(2))
                    .body("pipeline.secrets.active", not(hasItem(false)))
                    .extract()
                    .jsonPath();
            java.sql.Timestamp expiry =
                    (java.sql.Timestamp) Db.rows("SELECT expires_at FROM pipeline_secrets WHERE id = ?::uuid", oldId)
                            .get(0)
                            .get("expires_at");
            assertThat(Duration.between(Instant.now(), expiry.toInstant()).toSeconds())
                    .isBetween(3500L, 3601L);
            String newId = rotated.getString("secret.id");
            var snapshot = ControlCodec.decode(control.await(
                            id.toString(),
                            v -> v != null && ControlCodec.decode(v).secrets().size() == 2)
                    .value());
            assertThat(snapshot.secrets().get(0).id().toString()).isEqualTo(newId);
            assertThat(snapshot.secrets().get(1).expiresAt()).isNotNull();

            // Revoking the old one drops it from the snapshot at once.
            as(Tokens.ADMIN)
                    .delete("/api/teams/" + team.id() + "/pipelines/" + id + "/secrets/" + oldId)
                    .then()
                    .statusCode(200);
            control.await(
                    id.toString(),
                    v -> v != null && ControlCodec.decode(v).secrets().size() == 1);
        }
    }

    @Test
    void pauseResumeAndDeleteArePublishedAndAudited() {
        Api.Team team = Api.team(Tokens.OWNER, Map.of());
        UUID id = Api.pipeline(team);
        String base = "/api/teams/" + team.id() + "/pipelines/" + id;
        try (ControlTopic control = new ControlTopic()) {
            as(Tokens.OWNER).post(base + "/pause").then().statusCode(200).body("status", equalTo("paused"));
            control.await(
                    id.toString(),
                    v -> v != null && ControlCodec.decode(v).status().equals("paused"));
            as(Tokens.OWNER).post(base + "/resume").then().statusCode(200).body("status", equalTo("active"));
            as(Tokens.OWNER)
                    .body(Map.of("name", "renamed-" + id))
                    .patch(base)
                    .then()
                    .statusCode(200)
                    .body("pipeline.name", equalTo("renamed-" + id))
                    .body("secret", nullValue());
            control.await(
                    id.toString(),
                    v -> v != null && ControlCodec.decode(v).name().equals("renamed-" + id));
            as(Tokens.OWNER).delete(base).then().statusCode(204);
            control.await(id.toString(), v -> v == null);
        }
        as(Tokens.OWNER).get(base).then().statusCode(404);
        assertThat(Db.rows("SELECT action FROM audit_log WHERE entity_id = ? ORDER BY id", id.toString()).stream()
                        .map(r -> r.get("action"))
                        .toList())
                .containsExactly(
                        "pipeline.create", "pipeline.pause", "pipeline.resume", "pipeline.update", "pipeline.delete");
        var update = Db.rows(
                        "SELECT before->>'name' AS b, after->>'name' AS a FROM audit_log WHERE entity_id = ? AND action = 'pipeline.update'",
                        id.toString())
                .get(0);
        assertThat(update.get("a")).isEqualTo("renamed-" + id);
        assertThat(update.get("b")).isNotEqualTo(update.get("a"));
    }

    static Stream<Arguments> badPipelines() {
        return Stream.of(
                Arguments.of(Map.of("type", "realtime"), "name", "is required"),
                Arguments.of(Map.of("name", "x", "type", "stream"), "type", "must be one of"),
                Arguments.of(
                        Map.of("name", "x", "type", "realtime", "signature_preset", "md5"),
                        "signature_preset",
                        "must be one of"),
                Arguments.of(Map.of("name", "x", "type", "polling"), "interval_seconds", "is required"),
                Arguments.of(
                        Map.of(
                                "name",
                                "x",
                                "type",
                                "polling",
                                "interval_seconds",
                                0,
                                "source_type",
                                "http",
                                "source_config",
                                Map.of("url", "https://x")),
                        "interval_seconds",
                        "between"),
                Arguments.of(Map.of("name", "x", "type", "p2p"), "source_pipeline_id", "is required"),
                Arguments.of(
                        Map.of(
                                "name",
                                "x",
                                "type",
                                "p2p",
                                "source_pipeline_id",
                                UUID.randomUUID().toString()),
                        "source_pipeline_id",
                        "no such pipeline"),
                Arguments.of(
                        Map.of("name", "x", "type", "realtime", "signature_preset", "generic_hmac"),
                        "signature_config",
                        "needs a recipe"),
                Arguments.of(
                        Map.of("name", "x", "type", "realtime", "timestamp_tolerance_seconds", 999999),
                        "timestamp_tolerance_seconds",
                        "between"));
    }

    @ParameterizedTest
    @MethodSource("badPipelines")
    void aBadPipelineIsRefusedWithTheFieldAndNothingIsStored(Map<String, Object> body, String field, String reason) {
        Api.Team team = Api.team(Tokens.OWNER, Map.of());
        Api.createPipeline(team.id(), Tokens.OWNER, body)
                .statusCode(400)
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
    void aDuplicateNameIs409() {
        Api.Team team = Api.team(Tokens.OWNER, Map.of());
        Api.createPipeline(team.id(), Tokens.OWNER, Map.of("name", "same", "type", "realtime"))
                .statusCode(201);
        Api.createPipeline(team.id(), Tokens.OWNER, Map.of("name", "same", "type", "realtime"))
                .statusCode(409)
                .body("fields[0].field", equalTo("name"));
        assertThat(Db.count("SELECT count(*) FROM pipelines WHERE team_id = ?", team.id()))
                .isEqualTo(1);
    }

    @Test
    void masterKeyRotationRewritesOldCiphertexts() {
        Api.Team team = Api.team(Tokens.OWNER, Map.of());
        UUID id = Api.pipeline(team);
        // A secret written while the old key was active.
        UUID secretId = UUID.randomUUID();
        byte[] old = ring("test-old").encryptString("whsec_b2xkLXNlY3JldA==", "pipeline_secret:" + secretId);
        Db.update(
                "INSERT INTO pipeline_secrets (id, pipeline_id, ciphertext, hint) VALUES (?, ?, ?, 'ZQ==')",
                secretId,
                id,
                old);
        as(Tokens.OWNER).post("/api/platform/crypto/reencrypt").then().statusCode(403);
        as(Tokens.PLATFORM)
                .post("/api/platform/crypto/reencrypt")
                .then()
                .statusCode(200)
                .body("active_key", equalTo("test-new"));
        byte[] now = (byte[]) Db.rows("SELECT ciphertext FROM pipeline_secrets WHERE id = ?", secretId)
                .get(0)
                .get("ciphertext");
        assertThat(ring(null).needsReencryption(now)).isFalse();
        assertThat(ring(null).decryptString(now, "pipeline_secret:" + secretId)).isEqualTo("whsec_b2xkLXNlY3JldA==");
        assertThat(
                        Db.count(
                                "SELECT count(*) FROM pipeline_secrets WHERE substring(ciphertext FROM 3 FOR get_byte(ciphertext, 1)) = 'test-old'::bytea"))
                .isZero();
    }
}
