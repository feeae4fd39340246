package dev.dash.ingestor.silver;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import dev.dash.ingestor.pipeline.PipelineRepository;
import dev.dash.ingestor.testing.TestPipelines;
import dev.dash.ingestor.testing.TestPipelines.Created;
import dev.dash.ingestor.testing.TestPipelines.Spec;
import dev.dash.model.kafka.PointsBatch;
import dev.dash.model.kafka.PointsCodec;
import dev.dash.model.kafka.Topics;
import dev.dash.model.mapping.Labels;
import dev.dash.model.silver.SilverBatch;
import dev.dash.model.silver.SilverStore;
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
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.utils.Utils;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The Silver writer against the real broker and database: mapping, dual write, quarantine, records, points. */
@QuarkusTest
@QuarkusTestResource(DashTestResource.class)
class SilverWriterTest {
    static final String V1 = """
            {"version":1,"time":{"path":"/ts","format":"iso8601"},
             "fields":[{"name":"temp","path":"/temp","type":"number"},{"name":"hum","path":"/hum","type":"number"},
                       {"name":"site","path":"/site","type":"string"}],
             "metrics":["temp","hum"],"labels":["site"]}
            """;
    static final String V2 = """
            {"version":1,"time":{"path":"/ts","format":"iso8601"},
             "fields":[{"name":"temp","path":"/temp","type":"number"},{"name":"site","path":"/site","type":"string"}],
             "metrics":["temp"],"labels":["site"]}
            """;

    @Inject
    PipelineRepository repository;

    @Inject
    AgroalDataSource dataSource;

    TestPipelines pipelines;

    @BeforeEach
    void setUp() {
        pipelines = new TestPipelines();
    }

    @AfterEach
    void tearDown() {
        pipelines.close();
    }

    @Test
    void mapsDualWritesQuarantinesPersistsAndPublishes() throws Exception {
        Created p =
                pipelines.create(Spec.of("none").withMapping(V1).withPending(V2).withPersistData());
        pipelines.publish(repository.load(p.id()));
        Instant t0 = Instant.now().truncatedTo(ChronoUnit.SECONDS);
        StringBuilder ndjson = new StringBuilder();
        int good = 0;
        for (int i = 0; i < 40; i++) {
            if (i % 10 == 7) {
                ndjson.append("{\"ts\":\"").append(t0.plusMillis(i)).append("\",\"hum\":1,\"site\":\"x\"}\n");
            } else {
                ndjson.append("{\"ts\":\"")
                        .append(t0.plusMillis(i))
                        .append("\",\"temp\":")
                        .append(i)
                        .append(",\"hum\":")
                        .append(i * 2)
                        .append(",\"site\":\"s")
                        .append(i % 3)
                        .append("\"}\n");
                good++;
            }
        }
        int goodEvents = good;
        try (KafkaConsumer<String, byte[]> points = pointsConsumer(p.id())) {
            Awaitility.await()
                    .atMost(Duration.ofSeconds(10))
                    .until(() -> given().contentType("application/x-ndjson")
                                    .body(ndjson.toString().getBytes(StandardCharsets.UTF_8))
                                    .post("/ingest/" + p.id())
                                    .statusCode()
                            == 202);
            Awaitility.await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
                assertThat(count("SELECT count(*) FROM metrics WHERE pipeline_id = ? AND mapping_version = 1", p.id()))
                        .isEqualTo(goodEvents * 2L);
                assertThat(count("SELECT count(*) FROM metrics WHERE pipeline_id = ? AND mapping_version = 2", p.id()))
                        .isEqualTo(goodEvents);
                assertThat(count("SELECT count(*) FROM quarantine WHERE pipeline_id = ?", p.id()))
                        .isEqualTo(2L * (40 - goodEvents));
                assertThat(count("SELECT count(*) FROM pipeline_records WHERE pipeline_id = ?", p.id()))
                        .isEqualTo(goodEvents * 2L);
                assertThat(count(
                                "SELECT count(*) FROM data_mappings WHERE pipeline_id = ? AND version = 2 AND dual_write_started_at IS NOT NULL",
                                p.id()))
                        .isEqualTo(1L);
            });
            // Points of one event are numbered 0..n-1 in the engine's order; the values are the event's.
            try (Connection c = dataSource.getConnection();
                    PreparedStatement ps = c.prepareStatement(
                            "SELECT metric, value, seq, labels->>'site' FROM metrics WHERE pipeline_id = ? AND mapping_version = 1 AND time = ? ORDER BY seq")) {
                ps.setObject(1, p.id());
                ps.setTimestamp(2, java.sql.Timestamp.from(t0.plusMillis(4)));
                try (ResultSet rs = ps.executeQuery()) {
                    assertThat(rs.next()).isTrue();
                    assertThat(rs.getString(1)).isEqualTo("temp");
                    assertThat(rs.getDouble(2)).isEqualTo(4.0);
                    assertThat(rs.getInt(3)).isZero();
                    assertThat(rs.getString(4)).isEqualTo("s1");
                    assertThat(rs.next()).isTrue();
                    assertThat(rs.getString(1)).isEqualTo("hum");
                    assertThat(rs.getInt(3)).isEqualTo(1);
                }
            }
            String errors = string(
                    "SELECT (errors->0->>'field') || ' ' || (errors->0->>'code') FROM quarantine WHERE pipeline_id = ? AND mapping_version = 1 LIMIT 1",
                    p.id());
            assertThat(errors).isEqualTo("temp missing");
            assertThat(count(
                            "SELECT count(*) FROM quarantine WHERE pipeline_id = ? AND kafka_offset IS NOT NULL",
                            p.id()))
                    .isEqualTo(2L * (40 - goodEvents));
            int[] seen = new int[1];
            Awaitility.await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
                points.poll(Duration.ofMillis(200)).forEach(r -> {
                    if (r.key().equals(p.id().toString())) {
                        PointsBatch b = PointsCodec.decode(r.value());
                        assertThat(b.teamId()).isEqualTo(p.teamId());
                        seen[0] += b.points().size();
                    }
                });
                assertThat(seen[0]).isEqualTo(goodEvents * 3);
            });
        }
    }

    @Test
    void aRedeliveredBatchChangesNothing() throws Exception {
        UUID pipeline = UUID.randomUUID();
        UUID team = UUID.randomUUID();
        SilverStore store = new SilverStore(dataSource);
        SilverBatch batch = new SilverBatch();
        Instant t = Instant.now();
        for (int e = 0; e < 100; e++) {
            UUID event = UUID.randomUUID();
            batch.addPoints(
                    pipeline,
                    team,
                    event,
                    1,
                    t,
                    List.of(
                            new dev.dash.model.mapping.Point(
                                    t.plusMillis(e), "a", Labels.of(Map.of("k", "v\t\"x\"")), e),
                            new dev.dash.model.mapping.Point(t.plusMillis(e), "a", Labels.empty(), -e)));
        }
        assertThat(store.write(batch)).isEqualTo(200);
        assertThat(store.write(batch)).isZero();
        assertThat(count("SELECT count(*) FROM metrics WHERE pipeline_id = ?", pipeline))
                .isEqualTo(200L);
        assertThat(string("SELECT labels->>'k' FROM metrics WHERE pipeline_id = ? AND seq = 0 LIMIT 1", pipeline))
                .isEqualTo("v\t\"x\"");
    }

    private KafkaConsumer<String, byte[]> pointsConsumer(UUID pipeline) {
        Properties props = new Properties();
        props.put(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
                LocalServices.ensureStarted().kafkaBootstrap());
        props.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        props.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        KafkaConsumer<String, byte[]> c = new KafkaConsumer<>(props);
        int n = c.partitionsFor(Topics.POINTS).size();
        TopicPartition tp = new TopicPartition(
                Topics.POINTS,
                Utils.toPositive(Utils.murmur2(pipeline.toString().getBytes(StandardCharsets.UTF_8))) % n);
        c.assign(List.of(tp));
        c.seekToEnd(List.of(tp));
        c.position(tp);
        return c;
    }

    private long count(String sql, Object arg) throws Exception {
        return Long.parseLong(string(sql, arg));
    }

    private String string(String sql, Object arg) throws Exception {
        try (Connection c = dataSource.getConnection();
                PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setObject(1, arg);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getString(1);
            }
        }
    }

    @Test
    void aPipelineMissingFromTheDatabaseDoesNotBlockTheWriter() throws Exception {
        // Known from dash.control only (deleted meanwhile, or another database's snapshot): its failing
        // events cannot be quarantined (foreign key), and must not hold up everyone else's.
        UUID ghost = UUID.randomUUID();
        pipelines.publish(new dev.dash.model.kafka.PipelineConfig(
                ghost,
                UUID.randomUUID(),
                "ghost",
                "realtime",
                "active",
                "none",
                dev.dash.model.json.Json.nodes().objectNode(),
                300,
                0,
                null,
                null,
                false,
                1,
                List.of(new dev.dash.model.kafka.PipelineConfig.MappingVersion(
                        1, "active", dev.dash.model.json.Json.parse(V1), null)),
                List.of(),
                1));
        Created real = pipelines.create(Spec.of("none").withMapping(V1));
        pipelines.publish(repository.load(real.id()));
        String ts = Instant.now().toString();
        Awaitility.await()
                .atMost(Duration.ofSeconds(10))
                .until(() -> given().contentType("application/json")
                                .body("{\"hum\":1}")
                                .post("/ingest/" + ghost)
                                .statusCode()
                        == 202);
        Awaitility.await()
                .atMost(Duration.ofSeconds(10))
                .until(() -> given().contentType("application/json")
                                .body("{\"ts\":\"" + ts + "\",\"temp\":1,\"hum\":2,\"site\":\"a\"}")
                                .post("/ingest/" + real.id())
                                .statusCode()
                        == 202);
        Awaitility.await()
                .atMost(Duration.ofSeconds(30))
                .untilAsserted(() -> assertThat(count("SELECT count(*) FROM metrics WHERE pipeline_id = ?", real.id()))
                        .isEqualTo(2L));
        assertThat(count("SELECT count(*) FROM quarantine WHERE pipeline_id = ?", ghost))
                .isZero();
    }
}
