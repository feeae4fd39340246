package dev.dash.ingestor.p2p;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import dev.dash.ingestor.pipeline.PipelineRepository;
import dev.dash.ingestor.poll.RecordPublisher;
import dev.dash.ingestor.testing.BronzeContents;
import dev.dash.ingestor.testing.TestPipelines;
import dev.dash.ingestor.testing.TestPipelines.Created;
import dev.dash.ingestor.testing.TestPipelines.Spec;
import dev.dash.model.envelope.RawEnvelope;
import dev.dash.model.envelope.Source;
import dev.dash.model.json.Json;
import dev.dash.model.kafka.PointsBatch;
import dev.dash.model.testing.DashTestResource;
import io.agroal.api.AgroalDataSource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * A p2p pipeline B fed by pipeline A: webhooks into A are mapped by A, forwarded from {@code dash.points} as
 * B's input events (filtered by label), archived in B's Bronze and mapped again by B's own mapping into B's
 * Silver rows.
 */
@QuarkusTest
@QuarkusTestResource(DashTestResource.class)
class P2pTest {
    static final String A_MAPPING = """
            {"version":1,"fields":[{"name":"n","path":"/n","type":"number"},{"name":"kind","path":"/kind","type":"string"}],
             "metrics":["n"],"labels":["kind"]}
            """;
    static final String B_MAPPING = """
            {"version":1,"time":{"path":"/time","format":"iso8601"},
             "fields":[{"name":"doubled","path":"/value","type":"number","transform":[{"op":"scale","by":2}]},
                       {"name":"kind","path":"/labels/kind","type":"string"},
                       {"name":"from","path":"/metric","type":"string"}],
             "metrics":["doubled"],"labels":["kind","from"]}
            """;

    @Inject
    AgroalDataSource dataSource;

    @Inject
    PipelineRepository repository;

    @Inject
    S3Client s3;

    @Test
    void pointsOfAReachBMappedAgainInSilverAndBronze() throws Exception {
        try (TestPipelines pipelines = new TestPipelines()) {
            Created a = pipelines.create(Spec.of("none").withMapping(A_MAPPING));
            pipelines.publish(repository.load(a.id()));
            Created b =
                    pipelines.createSourced("p2p", null, "{\"labels\":{\"kind\":\"keep\"}}", null, a.id(), B_MAPPING);
            pipelines.publish(repository.load(b.id()));
            Awaitility.await()
                    .atMost(Duration.ofSeconds(10))
                    .until(() -> given().body("{}").post("/ingest/" + a.id()).statusCode() != 404);
            int keep = 0;
            for (int i = 0; i < 30; i++) {
                String kind = i % 3 == 0 ? "drop" : "keep";
                keep += kind.equals("keep") ? 1 : 0;
                given().contentType("application/json")
                        .body("{\"n\":" + i + ",\"kind\":\"" + kind + "\"}")
                        .post("/ingest/" + a.id())
                        .then()
                        .statusCode(202);
            }
            int expected = keep;
            // B's Silver rows: one per kept point of A, value doubled by B's mapping, labels from A's point.
            Awaitility.await()
                    .atMost(Duration.ofSeconds(60))
                    .pollInterval(Duration.ofMillis(500))
                    .until(() -> rows(b.id()).size() >= expected);
            List<Map<String, Object>> rows = rows(b.id());
            assertThat(rows).hasSize(expected);
            assertThat(rows)
                    .allMatch(r -> r.get("metric").equals("doubled")
                            && ((String) r.get("labels")).contains("\"kind\": \"keep\"")
                            && ((String) r.get("labels")).contains("\"from\": \"n\""));
            double sum = rows.stream().mapToDouble(r -> (Double) r.get("value")).sum();
            double kept = 0;
            for (int i = 0; i < 30; i++) {
                kept += i % 3 == 0 ? 0 : i;
            }
            assertThat(sum).isEqualTo(2 * kept);
            // B's input events are in Bronze, as p2p events with delivery ids, replayable.
            Awaitility.await()
                    .atMost(Duration.ofSeconds(60))
                    .pollInterval(Duration.ofMillis(500))
                    .untilAsserted(() -> {
                        try (Connection c = dataSource.getConnection()) {
                            List<RawEnvelope> bronze = BronzeContents.read(c, s3, "dash-bronze", b.id());
                            assertThat(bronze).hasSize(expected);
                            for (RawEnvelope e : bronze) {
                                assertThat(e.source()).isEqualTo(Source.P2P);
                                assertThat(e.deliveryId()).startsWith("p2p:");
                                assertThat(Json.parse(e.body())
                                                .path("source_pipeline_id")
                                                .asText())
                                        .isEqualTo(a.id().toString());
                            }
                        }
                    });
        }
    }

    @Test
    void onlyTheActiveVersionsPointsPassTheFilter() {
        UUID src = UUID.randomUUID();
        P2pRoute route =
                new P2pRoute(UUID.randomUUID(), UUID.randomUUID(), src, Set.of("temp"), Map.of("site", "a"), 60);
        Instant t = Instant.parse("2026-12-01T00:00:00Z");
        List<PointsBatch.Point> points = new ArrayList<>();
        UUID e = UUID.randomUUID();
        points.add(new PointsBatch.Point(t, "temp", Map.of("site", "a"), 1, e, 0, 1, t));
        points.add(new PointsBatch.Point(t, "temp", Map.of("site", "b"), 2, e, 1, 1, t));
        points.add(new PointsBatch.Point(t, "hum", Map.of("site", "a"), 3, e, 2, 1, t));
        points.add(new PointsBatch.Point(t, "temp", Map.of("site", "a"), 4, e, 0, 2, t));
        var out = P2pForwarder.forward(new PointsBatch(src, UUID.randomUUID(), t, points), List.of(route), 1);
        assertThat(out).hasSize(1);
        assertThat(out.get(0).items())
                .extracting(RecordPublisher.Item::deliveryId)
                .containsExactly("p2p:" + e + ":1:0");
    }

    List<Map<String, Object>> rows(UUID pipelineId) throws Exception {
        List<Map<String, Object>> out = new ArrayList<>();
        try (Connection c = dataSource.getConnection();
                PreparedStatement ps = c.prepareStatement(
                        "SELECT metric, labels::text AS labels, value, event_id FROM metrics WHERE pipeline_id = ?")) {
            ps.setObject(1, pipelineId);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(Map.of(
                            "metric", rs.getString(1),
                            "labels", rs.getString(2),
                            "value", rs.getDouble(3),
                            "event_id", rs.getObject(4)));
                }
            }
        }
        return out;
    }
}
