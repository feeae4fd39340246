package dev.dash.ingestor;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import dev.dash.ingestor.pipeline.PipelineRepository;
import dev.dash.ingestor.testing.BronzeContents;
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
import dev.dash.model.testing.LocalServices;
import io.agroal.api.AgroalDataSource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * N signed events in (single and NDJSON batches): exactly N on dash.raw, exactly N distinct events in Bronze
 * read back byte for byte, and their points in Silver.
 */
@Tag(LocalServices.SILVER_TAG)
@QuarkusTest
@QuarkusTestResource(DashTestResource.class)
class IngestEndToEndTest {
    static final String MAPPING = """
            {"version":1,"fields":[{"name":"n","path":"/n","type":"number"},{"name":"kind","path":"/kind","type":"string"}],
             "metrics":["n"],"labels":["kind"]}
            """;

    @Inject
    PipelineRepository repository;

    @Inject
    AgroalDataSource dataSource;

    @Inject
    S3Client s3;

    @Test
    void everyAcceptedEventIsOnKafkaInBronzeAndInSilverExactlyOnce() throws Exception {
        try (TestPipelines pipelines = new TestPipelines();
                RawTopic raw = new RawTopic()) {
            Created p = pipelines.create(Spec.of("github").withMapping(MAPPING));
            pipelines.publish(repository.load(p.id()));
            SignatureSigner signer = SignatureSigner.forPreset(PresetConfig.of(Preset.GITHUB));
            SecretMaterial secret = SecretMaterial.of(p.secretId().toString(), p.secret());
            Awaitility.await()
                    .atMost(Duration.ofSeconds(60))
                    .until(() -> given().body("{}").post("/ingest/" + p.id()).statusCode() != 404);
            long mark = raw.mark(p.id());
            Map<UUID, byte[]> sent = new LinkedHashMap<>();
            int n = 0;
            for (int i = 0; i < 60; i++) {
                byte[] body = ("{\"n\":" + n++ + ",\"kind\":\"single\",\"pad\":\"é\\u00e9 " + UUID.randomUUID() + "\"}")
                        .getBytes(StandardCharsets.UTF_8);
                List<String> ids = given().headers(signer.sign(
                                body, secret, Instant.now(), UUID.randomUUID().toString()))
                        .contentType("application/json")
                        .body(body)
                        .post("/ingest/" + p.id())
                        .then()
                        .statusCode(202)
                        .extract()
                        .path("event_ids");
                sent.put(UUID.fromString(ids.get(0)), body);
            }
            for (int b = 0; b < 4; b++) {
                StringBuilder nd = new StringBuilder();
                List<byte[]> lines = new java.util.ArrayList<>();
                for (int i = 0; i < 35; i++) {
                    String line = "{\"n\":" + n++ + ",\"kind\":\"batch\"}";
                    lines.add(line.getBytes(StandardCharsets.UTF_8));
                    nd.append(line).append('\n');
                }
                byte[] body = nd.toString().getBytes(StandardCharsets.UTF_8);
                List<String> ids = given().headers(signer.sign(
                                body, secret, Instant.now(), UUID.randomUUID().toString()))
                        .contentType("application/x-ndjson")
                        .body(body)
                        .post("/ingest/" + p.id())
                        .then()
                        .statusCode(202)
                        .extract()
                        .path("event_ids");
                assertThat(ids).hasSize(35);
                for (int i = 0; i < 35; i++) {
                    sent.put(UUID.fromString(ids.get(i)), lines.get(i));
                }
            }
            int total = n;
            assertThat(sent).hasSize(total);

            List<RawEnvelope> onKafka = raw.since(p.id(), mark);
            assertThat(onKafka).hasSize(total);
            assertThat(onKafka).extracting(RawEnvelope::eventId).containsExactlyInAnyOrderElementsOf(sent.keySet());

            Awaitility.await()
                    .atMost(Duration.ofSeconds(60))
                    .pollInterval(Duration.ofMillis(500))
                    .untilAsserted(() -> {
                        try (Connection c = dataSource.getConnection()) {
                            List<RawEnvelope> bronze = BronzeContents.read(c, s3, "dash-bronze", p.id());
                            Map<UUID, byte[]> distinct = new HashMap<>();
                            bronze.forEach(e -> distinct.put(e.eventId(), e.body()));
                            assertThat(distinct.keySet()).containsExactlyInAnyOrderElementsOf(sent.keySet());
                            sent.forEach((id, body) -> assertThat(distinct.get(id))
                                    .as("body of %s", id)
                                    .isEqualTo(body));
                            assertThat(bronze).hasSize(total);
                        }
                    });
            Awaitility.await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
                try (Connection c = dataSource.getConnection();
                        PreparedStatement ps = c.prepareStatement(
                                "SELECT count(*), count(DISTINCT event_id), sum(value) FROM metrics WHERE pipeline_id = ?")) {
                    ps.setObject(1, p.id());
                    try (ResultSet rs = ps.executeQuery()) {
                        rs.next();
                        assertThat(rs.getLong(1)).isEqualTo(total);
                        assertThat(rs.getLong(2)).isEqualTo(total);
                        assertThat(rs.getDouble(3)).isEqualTo(total * (total - 1) / 2.0);
                    }
                }
            });
        }
    }
}
