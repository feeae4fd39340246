package dev.dash.ingestor.silver;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import dev.dash.ingestor.pipeline.PipelineRepository;
import dev.dash.ingestor.testing.PointsTopic;
import dev.dash.ingestor.testing.TestPipelines;
import dev.dash.ingestor.testing.TestPipelines.Created;
import dev.dash.ingestor.testing.TestPipelines.Spec;
import dev.dash.model.kafka.PointsBatch;
import dev.dash.model.kafka.PointsCodec;
import dev.dash.model.mapping.Labels;
import dev.dash.model.silver.SilverBatch;
import dev.dash.model.silver.SilverStore;
import dev.dash.model.testing.DashTestResource;
import dev.dash.model.testing.LocalServices;
import io.agroal.api.AgroalDataSource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The Silver writer against the real broker and database: mapping, dual write, quarantine, records, points,
 * and the dual-write boundaries a replay waits for (docs/replay.md, step 2).
 */
@Tag(LocalServices.SILVER_TAG)
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

    @TestHTTPResource("/")
    URI root;

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
        try (KafkaConsumer<String, byte[]> points = PointsTopic.fromEnd(p.id())) {
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
            // The pipelines list's rate: every event read counts once (quarantined ones too), after the commit (the
            // committed batches' counts are written at most once a second, so the row may not be there yet).
            Awaitility.await()
                    .atMost(Duration.ofSeconds(10))
                    .untilAsserted(() -> assertThat(count(
                                    "SELECT coalesce((SELECT minute_events + prev_minute_events FROM pipeline_ingest_stats"
                                            + " WHERE pipeline_id = ?), 0)",
                                    p.id()))
                            .isEqualTo(40L));
            assertThat(count(
                            "SELECT count(*) FROM pipeline_ingest_stats WHERE pipeline_id = ? AND last_event_at > now() - interval '1 minute'",
                            p.id()))
                    .isEqualTo(1L);
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
                1,
                true)); // unsigned, as an admin allowed it explicitly
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

    @Test
    void aPendingVersionWithoutTrafficGetsABoundaryOnEveryPartition() throws Exception {
        Created p = pipelines.create(Spec.of("none").withMapping(V1));
        pipelines.publish(repository.load(p.id()));
        try (SilverGroup group = new SilverGroup()) {
            group.awaitCaughtUp();
            // Not the end offsets at publication: the writer may hear of the version earlier (a rebalance
            // reloads the pipelines from the database), and being caught up a moment ago does not keep it at
            // the end. What holds: each partition's owner reads on from at least the offset committed before
            // the version existed, and knows the version from some offset on (no event of this pipeline
            // is read meanwhile, so the boundary is an offset the writer had reached).
            Map<Integer, Long> before = group.committed();
            addPending(p.id(), 2, V2);
            pipelines.publish(repository.load(p.id()));
            Awaitility.await()
                    .atMost(Duration.ofSeconds(10))
                    .untilAsserted(() -> assertThat(boundaries(p.id(), 2)).hasSize(group.partitionCount()));
            Map<Integer, Long> end = group.end();
            boundaries(p.id(), 2)
                    .forEach((partition, offset) -> assertThat(offset)
                            .as("boundary of partition %d", partition)
                            .isBetween(before.get(partition), end.get(partition)));
        }
    }

    @Test
    void eventsFromTheBoundaryOnAreWrittenUnderBothVersions() throws Exception {
        Created p = pipelines.create(Spec.of("none").withMapping(V1));
        pipelines.publish(repository.load(p.id()));
        HttpClient http = HttpClient.newHttpClient();
        try (SilverGroup group = new SilverGroup()) {
            int partition = group.partitionOf(p.id());
            long from = group.end().get(partition);
            Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> post(http, p.id(), 0) == 202);
            // Events keep coming while the writer hears of the pending version, so that some are read before
            // it, some in the batch during which it does, and some after.
            AtomicBoolean sending = new AtomicBoolean(true);
            AtomicInteger sent = new AtomicInteger(1);
            ExecutorService sender = Executors.newSingleThreadExecutor();
            Future<?> load = sender.submit(() -> {
                while (sending.get() && sent.get() < 20_000) {
                    post(http, p.id(), sent.getAndIncrement());
                }
                return null;
            });
            long boundary;
            long endWhenSeen;
            try {
                Awaitility.await()
                        .atMost(Duration.ofSeconds(30))
                        .until(() -> count(
                                        "SELECT count(*) FROM metrics WHERE pipeline_id = ? AND mapping_version = 1",
                                        p.id())
                                >= 2 * 50);
                addPending(p.id(), 2, V2);
                pipelines.publish(repository.load(p.id()));
                Awaitility.await()
                        .atMost(Duration.ofSeconds(10))
                        .until(() -> boundaries(p.id(), 2).containsKey(partition));
                boundary = boundaries(p.id(), 2).get(partition);
                // Every event published from now on gets an offset at or after this end.
                endWhenSeen = group.end().get(partition);
                Awaitility.await()
                        .atMost(Duration.ofSeconds(30))
                        .until(() -> count(
                                        "SELECT count(*) FROM metrics WHERE pipeline_id = ? AND mapping_version = 2",
                                        p.id())
                                >= 50);
            } finally {
                sending.set(false);
                sender.shutdown();
            }
            load.get(30, TimeUnit.SECONDS);
            assertThat(post(http, p.id(), sent.getAndIncrement())).isEqualTo(202);
            assertThat(boundary).isLessThanOrEqualTo(endWhenSeen);
            Map<Long, UUID> events = group.events(p.id(), from);
            long last = events.keySet().stream().max(Long::compare).orElseThrow();
            assertThat(boundary).isLessThanOrEqualTo(last);
            // The 50 events written before the version existed lie before its boundary.
            assertThat(events.keySet().stream().filter(o -> o < boundary).count())
                    .isGreaterThanOrEqualTo(50);
            Awaitility.await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
                Map<UUID, Map<Integer, Long>> rows = rowsByEvent(p.id());
                events.forEach((offset, event) -> {
                    Map<Integer, Long> byVersion = rows.getOrDefault(event, Map.of());
                    assertThat(byVersion.get(1))
                            .as("rows of the event at %d under version 1", offset)
                            .isEqualTo(2L);
                    if (offset >= boundary) {
                        assertThat(byVersion.get(2))
                                .as("rows of the event at %d (boundary %d) under version 2", offset, boundary)
                                .isEqualTo(1L);
                    }
                });
            });
        }
    }

    @Test
    void aGreaterStoredBoundaryStaysAndAVersionNoLongerPendingGetsNone() throws Exception {
        Created p = pipelines.create(Spec.of("none").withMapping(V1).withPending(V2));
        HttpClient http = HttpClient.newHttpClient();
        try (SilverGroup group = new SilverGroup()) {
            long far = group.end().get(0) + 1_000_000;
            try (Connection c = pipelines.connect()) {
                TestPipelines.exec(
                        c,
                        "INSERT INTO dual_write_boundaries (pipeline_id, mapping_version, kafka_partition, boundary_offset) VALUES (?, 2, 0, ?)",
                        p.id(),
                        far);
            }
            pipelines.publish(repository.load(p.id()));
            Awaitility.await()
                    .atMost(Duration.ofSeconds(10))
                    .untilAsserted(() -> assertThat(boundaries(p.id(), 2)).hasSize(group.partitionCount()));
            Map<Integer, Long> end = group.end();
            Map<Integer, Long> recorded = boundaries(p.id(), 2);
            assertThat(recorded.get(0)).isEqualTo(far);
            recorded.forEach((partition, offset) -> {
                if (partition != 0) {
                    assertThat(offset).isLessThanOrEqualTo(end.get(partition));
                }
            });

            // Saving a newer version cancels the pending one first (docs/replay.md, step 1).
            try (Connection c = pipelines.connect()) {
                TestPipelines.exec(
                        c,
                        "UPDATE data_mappings SET status = 'cancelled' WHERE pipeline_id = ? AND version = 2",
                        p.id());
                TestPipelines.exec(
                        c, "DELETE FROM dual_write_boundaries WHERE pipeline_id = ? AND mapping_version = 2", p.id());
            }
            addPending(p.id(), 3, V2);
            pipelines.publish(repository.load(p.id()));
            Awaitility.await()
                    .atMost(Duration.ofSeconds(10))
                    .untilAsserted(() -> assertThat(boundaries(p.id(), 3)).hasSize(group.partitionCount()));
            // The writer holds the snapshot without version 2 now: an event goes to versions 1 and 3 only.
            Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> post(http, p.id(), 1) == 202);
            Awaitility.await()
                    .atMost(Duration.ofSeconds(30))
                    .untilAsserted(() -> assertThat(rowsByEvent(p.id()).values())
                            .singleElement()
                            .isEqualTo(Map.of(1, 2L, 3, 1L)));
            assertThat(boundaries(p.id(), 2)).isEmpty();
        }
    }

    @Test
    void anAssignmentReloadsThePipelinesAndRecordsBoundariesAgain() throws Exception {
        Created p = pipelines.create(Spec.of("none").withMapping(V1));
        pipelines.publish(repository.load(p.id()));
        // Committed to the database, never published on dash.control: only a reload tells the writer of it
        // (as when it is assigned a partition before the snapshot reaches it).
        addPending(p.id(), 2, V2);
        try (SilverGroup group = new SilverGroup()) {
            group.rebalance();
            Awaitility.await()
                    .atMost(Duration.ofSeconds(30))
                    .untilAsserted(() -> assertThat(boundaries(p.id(), 2)).hasSize(group.partitionCount()));
            // Recorded once per assignment: when the partitions come back, again.
            try (Connection c = pipelines.connect()) {
                TestPipelines.exec(
                        c, "DELETE FROM dual_write_boundaries WHERE pipeline_id = ? AND mapping_version = 2", p.id());
            }
            group.rebalance();
            Awaitility.await()
                    .atMost(Duration.ofSeconds(30))
                    .untilAsserted(() -> assertThat(boundaries(p.id(), 2)).hasSize(group.partitionCount()));
        }
    }

    /** Adds a pending version the way web-service saves one: the row, and a new revision of the pipeline. */
    private void addPending(UUID pipeline, int version, String document) throws SQLException {
        try (Connection c = pipelines.connect()) {
            TestPipelines.exec(
                    c,
                    "INSERT INTO data_mappings (id, pipeline_id, version, status, document) VALUES (?, ?, ?, 'pending', ?::jsonb)",
                    UUID.randomUUID(),
                    pipeline,
                    version,
                    document);
            TestPipelines.exec(c, "UPDATE pipelines SET updated_at = clock_timestamp() WHERE id = ?", pipeline);
        }
    }

    /** The pipeline version's recorded boundaries: partition to offset. */
    private Map<Integer, Long> boundaries(UUID pipeline, int version) throws SQLException {
        Map<Integer, Long> out = new TreeMap<>();
        try (Connection c = dataSource.getConnection();
                PreparedStatement ps = c.prepareStatement(
                        "SELECT kafka_partition, boundary_offset FROM dual_write_boundaries WHERE pipeline_id = ? AND mapping_version = ?")) {
            ps.setObject(1, pipeline);
            ps.setInt(2, version);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.put(rs.getInt(1), rs.getLong(2));
                }
            }
        }
        return out;
    }

    /** The pipeline's metric rows per event and mapping version. */
    private Map<UUID, Map<Integer, Long>> rowsByEvent(UUID pipeline) throws SQLException {
        Map<UUID, Map<Integer, Long>> out = new HashMap<>();
        try (Connection c = dataSource.getConnection();
                PreparedStatement ps = c.prepareStatement(
                        "SELECT event_id, mapping_version, count(*) FROM metrics WHERE pipeline_id = ? GROUP BY 1, 2")) {
            ps.setObject(1, pipeline);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.computeIfAbsent(rs.getObject(1, UUID.class), k -> new TreeMap<>())
                            .put(rs.getInt(2), rs.getLong(3));
                }
            }
        }
        return out;
    }

    /** Ingests one event mapped by both V1 (two points) and V2 (one); the status code. */
    private int post(HttpClient http, UUID pipeline, int n) throws Exception {
        String body = "{\"ts\":\"" + Instant.now() + "\",\"temp\":" + n + ",\"hum\":" + n + ",\"site\":\"b\"}";
        return http.send(
                        HttpRequest.newBuilder(root.resolve("/ingest/" + pipeline))
                                .header("content-type", "application/json")
                                .POST(HttpRequest.BodyPublishers.ofString(body))
                                .build(),
                        HttpResponse.BodyHandlers.discarding())
                .statusCode();
    }
}
