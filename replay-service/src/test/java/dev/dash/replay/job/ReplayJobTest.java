package dev.dash.replay.job;

import static org.assertj.core.api.Assertions.assertThat;

import dev.dash.model.envelope.RawEnvelope;
import dev.dash.model.kafka.ControlCodec;
import dev.dash.model.kafka.PipelineConfig;
import dev.dash.model.testing.DashTestResource;
import dev.dash.model.testing.LocalServices;
import dev.dash.replay.JobsProfile;
import dev.dash.replay.testing.ReplayFixture;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.function.Predicate;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The replay job in-process against the real database, S3 server and Kafka, on Bronze objects laid out as
 * the archiver leaves them: a replay to the pending version writes exactly that version of every event
 * before the dual-write boundary, refreshes the rollups, cuts over in one transaction, tells the writers,
 * and the old version's rows are swept after the grace period; a job resumes after its checkpoints; a
 * failed or cancelled replay leaves the active version untouched; a quarantine replay resolves what maps.
 */
@Tag(LocalServices.SILVER_TAG)
@QuarkusTest
@QuarkusTestResource(DashTestResource.class)
@TestProfile(JobsProfile.class)
class ReplayJobTest {
    static final String V1 = """
            {"version":1,"fields":[{"name":"n","path":"/n","type":"number"}],"metrics":["n"]}
            """;
    static final String V2 = """
            {"version":1,"fields":[{"name":"m","path":"/m","type":"number"},{"name":"kind","path":"/kind","type":"string"}],
             "metrics":["m"],"labels":["kind"]}
            """;
    static final Instant BASE = Instant.now().minus(3, ChronoUnit.HOURS).truncatedTo(ChronoUnit.MINUTES);

    static ReplayFixture fx;
    static int partitions;

    @BeforeAll
    static void setUp() throws Exception {
        fx = new ReplayFixture();
        partitions = LocalServices.ensureStarted() != null ? rawPartitions() : 0;
        // The test database is shared: replays left open by earlier suites (their pipelines have no
        // writers here) would only compete for this node's slots.
        fx.exec(
                "UPDATE replays SET state = 'cancelled', finished_at = now() WHERE team_id <> ? "
                        + "AND state IN ('queued', 'waiting_for_archive', 'running', 'cutting_over')",
                fx.team);
    }

    @AfterAll
    static void tearDown() {
        fx.close();
    }

    /**
     * Three objects of 400 events on partition 1 before the boundary, one after it (dual-written). Bronze objects
     * written before and after line version 2 (issue 19): the first object's lines are version 1, the second's
     * version 2, the third's both, alternating; every 50th body is pretty-printed JSON (a line break: a version-2
     * line holds it as body_text, not unescaped).
     */
    record History(UUID pipeline, List<RawEnvelope> replayed, List<RawEnvelope> afterBoundary, List<String> keys) {}

    static History history(int objects, int perObject, boolean withBadEvent) throws Exception {
        UUID p = fx.pipeline(V1, V2);
        List<RawEnvelope> replayed = new ArrayList<>();
        List<String> keys = new ArrayList<>();
        int n = 0;
        for (int o = 0; o < objects; o++) {
            List<RawEnvelope> events = new ArrayList<>();
            for (int i = 0; i < perObject; i++, n++) {
                String body = withBadEvent && n == 7
                        ? "{\"n\":" + n + ",\"kind\":\"bad\"}"
                        : "{\"n\":" + n + ",\"m\":" + (n * 10) + ",\"kind\":\"k" + (n % 3) + "\"}";
                if (n % 50 == 1) {
                    body = body.replace(",", ",\n  ");
                }
                events.add(fx.event(p, body, BASE.plusSeconds(n)));
            }
            int version = o % 3;
            keys.add(fx.object(
                    p, 1, 1000L + o * perObject, events, i -> version == 0 ? 1 : version == 1 ? 2 : 1 + (i & 1)));
            replayed.addAll(events);
        }
        // Version 1 as the live writer left it, one row per event (one statement: a connection per row cost seconds).
        fx.exec(
                "INSERT INTO metrics (time, pipeline_id, team_id, metric, labels, value, event_id, mapping_version, seq) "
                        + "SELECT t, ?, ?, 'n', '{}', 1, e, 1, 0 FROM unnest(?::timestamptz[], ?::uuid[]) AS u(t, e)",
                p,
                fx.team,
                replayed.stream().map(e -> e.receivedAt().toString()).toArray(String[]::new),
                ids(replayed));
        long boundary = 1000L + (long) objects * perObject;
        List<RawEnvelope> after = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            after.add(fx.event(p, "{\"n\":-1,\"m\":-1,\"kind\":\"after\"}", BASE.plusSeconds(10_000 + i)));
        }
        keys.add(fx.object(p, 1, boundary, after));
        fx.boundaries(p, 2, partitions, Map.of(1, boundary));
        return new History(p, replayed, after, keys);
    }

    @Test
    void aReplayWritesThePendingVersionOfEveryEventThenCutsOverAndSweepsTheOldOne() throws Exception {
        History h = history(3, 400, true);
        UUID p = h.pipeline();
        UUID replay = fx.replay(p, "mapping", 2, "queued");

        awaitState(replay, "succeeded");

        // Exactly version 2 of every event before the boundary: one point each, the right value, no duplicates,
        // the event that lacks /m quarantined under version 2 with its Bronze object.
        int good = h.replayed().size() - 1;
        assertThat(fx.count("SELECT count(*) FROM metrics WHERE pipeline_id = ? AND mapping_version = 2", p))
                .isEqualTo(good);
        assertThat(fx.count(
                        "SELECT count(DISTINCT event_id) FROM metrics WHERE pipeline_id = ? AND mapping_version = 2",
                        p))
                .isEqualTo(good);
        assertThat(fx.count(
                        "SELECT count(*) FROM metrics WHERE pipeline_id = ? AND mapping_version = 2 AND metric = 'm' "
                                + "AND value = 10 * extract(epoch FROM (time - ?::timestamptz))",
                        p,
                        java.sql.Timestamp.from(BASE)))
                .as("value = 10 x n for every event (n = seconds after BASE)")
                .isEqualTo(good);
        assertThat(fx.count(
                        "SELECT count(*) FROM metrics WHERE pipeline_id = ? AND mapping_version = 2 AND labels->>'kind' = 'after'",
                        p))
                .as("objects from the boundary on are the live writers' (dual write), not the replay's")
                .isZero();
        assertThat(fx.rows(
                        "SELECT mapping_version, bronze_key, errors->0->>'field' FROM quarantine WHERE pipeline_id = ?",
                        p))
                .containsExactly(List.of(2, h.keys().get(0), "m"));
        assertThat(lineVersions(h.keys().get(0))).containsExactly("1");
        assertThat(lineVersions(h.keys().get(1))).containsExactly("2");
        assertThat(lineVersions(h.keys().get(2))).containsExactlyInAnyOrder("1", "2");

        // Counters, checkpoints, rollups refreshed before the switch, the switch itself.
        assertThat(fx.rows(
                        "SELECT objects_total, objects_done, events_read, points_written, error_count, bytes_read > 0 "
                                + "FROM replays WHERE id = ?",
                        replay))
                .containsExactly(List.of(3, 3, 1200L, (long) good, 1L, true));
        assertThat(fx.count("SELECT count(*) FROM replay_checkpoints WHERE replay_id = ?", replay))
                .isEqualTo(3);
        assertThat(fx.count(
                        "SELECT coalesce(sum(n), 0) FROM metrics_1m WHERE pipeline_id = ? AND mapping_version = 2", p))
                .as("the 1-minute rollups hold version 2's history at the switch")
                .isEqualTo(good);
        if (fx.count("SELECT (dash_silver_variant() = 'plain')::int") == 1) {
            // The job refreshed its pending version's rollups itself: its batches left the live rollup job nothing.
            assertThat(fx.count("SELECT count(*) FROM rollup_invalidations WHERE pipeline_id = ?", p))
                    .as("a mapping replay's batches do not log their hours for the live rollup job")
                    .isZero();
        }
        if (fx.count("SELECT (dash_silver_variant() = 'timescaledb')::int") == 1) {
            // Materialised, not only added by real-time aggregation: the cut-over refreshed the aggregates.
            for (String view : List.of("metrics_1m", "metrics_1h")) {
                assertThat(fx.count(
                                "SELECT coalesce(sum(n), 0) FROM " + materialized(view)
                                        + " WHERE pipeline_id = ? AND mapping_version = 2",
                                p))
                        .as(view + " materialised at the switch")
                        .isEqualTo(good);
            }
        }
        assertThat(fx.rows("SELECT version, status FROM data_mappings WHERE pipeline_id = ? ORDER BY version", p))
                .containsExactly(List.of(1, "retired"), List.of(2, "active"));
        assertThat(fx.count("SELECT active_mapping_version FROM pipelines WHERE id = ?", p))
                .isEqualTo(2);
        assertThat(fx.count("SELECT count(*) FROM dual_write_boundaries WHERE pipeline_id = ?", p))
                .isZero();

        // The writers hear of it on dash.control; viewers of progress on dash.replays.
        PipelineConfig snapshot = ControlCodec.decode(lastValue(
                LocalServices.topics().control(),
                p.toString(),
                v -> ControlCodec.decode(v).activeMappingVersion() == 2));
        assertThat(snapshot.mappings())
                .extracting(PipelineConfig.MappingVersion::version, PipelineConfig.MappingVersion::status)
                .containsExactly(org.assertj.core.groups.Tuple.tuple(2, "active"));
        String progress = new String(lastValue(
                LocalServices.topics().replays(), replay.toString(), v -> new String(v).contains("\"succeeded\"")));
        assertThat(progress).contains("\"events_read\":1200");

        // Version 1 is swept after the grace period, rollups with it.
        Awaitility.await()
                .atMost(Duration.ofSeconds(60))
                .until(() ->
                        fx.count("SELECT count(*) FROM metrics WHERE pipeline_id = ? AND mapping_version = 1", p) == 0);
        Awaitility.await()
                .atMost(Duration.ofSeconds(30))
                .until(() ->
                        fx.count("SELECT sweeps FROM data_mappings WHERE pipeline_id = ? AND version = 1", p) >= 1);
        assertThat(fx.count("SELECT count(*) FROM metrics WHERE pipeline_id = ? AND mapping_version = 2", p))
                .isEqualTo(good);
        for (String view : List.of("metrics_1m", "metrics_1h")) {
            String table =
                    fx.count("SELECT (dash_silver_variant() = 'timescaledb')::int") == 1 ? materialized(view) : view;
            assertThat(fx.count("SELECT count(*) FROM " + table + " WHERE pipeline_id = ? AND mapping_version = 1", p))
                    .as(view + " without the swept version")
                    .isZero();
        }
    }

    /** The line versions a Bronze object holds, as its lines' first bytes say. */
    private static java.util.Set<String> lineVersions(String key) throws java.io.IOException {
        try (var in = new java.util.zip.GZIPInputStream(
                fx.s3().getObject(b -> b.bucket(ReplayFixture.BUCKET).key(key)))) {
            return new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8)
                    .lines()
                    .map(l -> l.substring(5, 6))
                    .collect(java.util.stream.Collectors.toSet());
        }
    }

    /** The hypertable that holds a continuous aggregate's materialised buckets (TimescaleDB). */
    private String materialized(String view) throws java.sql.SQLException {
        return fx.rows(
                        "SELECT format('%I.%I', materialization_hypertable_schema, materialization_hypertable_name) "
                                + "FROM timescaledb_information.continuous_aggregates WHERE view_name = ?",
                        view)
                .get(0)
                .get(0)
                .toString();
    }

    @Test
    void rollupsRefreshedWhileTheReplayWritesAreExactAtTheSwitch() throws Exception {
        // Ten objects of a minute each: the refresh behind the replay (RollupTracker) takes the settled minutes
        // while later objects are written, the cut-over the rest; every bucket must then match the raw rows.
        History h = history(10, 60, false);
        UUID p = h.pipeline();
        UUID replay = fx.replay(p, "mapping", 2, "queued");

        awaitState(replay, "succeeded");

        assertThat(fx.count("SELECT count(*) FROM metrics WHERE pipeline_id = ? AND mapping_version = 2", p))
                .isEqualTo(600);
        boolean timescale = fx.count("SELECT (dash_silver_variant() = 'timescaledb')::int") == 1;
        for (String view : List.of("metrics_1m", "metrics_1h")) {
            String width = view.equals("metrics_1m") ? "1 minute" : "1 hour";
            String table = timescale ? materialized(view) : view;
            assertThat(fx.count(
                            "SELECT count(*) FROM (SELECT date_bin('" + width
                                    + "', time, TIMESTAMPTZ '2000-01-01Z') AS b, "
                                    + "count(*) AS n, sum(value) AS s FROM metrics WHERE pipeline_id = ? AND mapping_version = 2 "
                                    + "GROUP BY 1) raw FULL JOIN (SELECT bucket AS b, sum(n) AS n, sum(total) AS s FROM "
                                    + table + " WHERE pipeline_id = ? AND mapping_version = 2 GROUP BY 1) r USING (b) "
                                    + "WHERE raw.n IS DISTINCT FROM r.n OR raw.s IS DISTINCT FROM r.s",
                            p,
                            p))
                    .as(view + ": every bucket as the raw rows say, at the switch")
                    .isZero();
        }
    }

    @Test
    void aJobLeftByADeadNodeResumesAfterItsLastCheckpoint() throws Exception {
        History h = history(3, 100, false);
        UUID p = h.pipeline();
        // Object 0 was done by a node that then died; its lease runs out a moment later.
        UUID replay = fx.replay(p, "mapping", 2, "running", "dead-node");
        fx.exec("UPDATE replays SET objects_done = 1, events_read = 100, started_at = now() WHERE id = ?", replay);
        fx.exec(
                "INSERT INTO replay_checkpoints (replay_id, object_key, events, points) VALUES (?, ?, 100, 100)",
                replay,
                h.keys().get(0));
        assertThat(fx.string("SELECT owner_node FROM replays WHERE id = ?", replay))
                .as("set up before the lease ran out")
                .isEqualTo("dead-node");

        awaitState(replay, "succeeded");

        assertThat(fx.count(
                        "SELECT count(*) FROM metrics WHERE pipeline_id = ? AND mapping_version = 2 AND event_id = ANY (?)",
                        p,
                        ids(h.replayed().subList(100, 300))))
                .isEqualTo(200);
        assertThat(fx.count(
                        "SELECT count(*) FROM metrics WHERE pipeline_id = ? AND mapping_version = 2 AND event_id = ANY (?)",
                        p,
                        ids(h.replayed().subList(0, 100))))
                .as("the checkpointed object is not read again")
                .isZero();
        assertThat(fx.rows("SELECT objects_done, events_read FROM replays WHERE id = ?", replay))
                .containsExactly(List.of(3, 300L));
    }

    @Test
    void aMissingBronzeObjectFailsTheReplayAndLeavesTheActiveVersionUntouched() throws Exception {
        History h = history(2, 50, false);
        UUID p = h.pipeline();
        fx.s3().deleteObject(b -> b.bucket(ReplayFixture.BUCKET).key(h.keys().get(1)));
        UUID replay = fx.replay(p, "mapping", 2, "queued");

        awaitState(replay, "failed");

        assertThat(fx.string("SELECT last_error FROM replays WHERE id = ?", replay))
                .contains(h.keys().get(1))
                .contains("not in the bucket");
        assertThat(fx.rows("SELECT version, status FROM data_mappings WHERE pipeline_id = ? ORDER BY version", p))
                .containsExactly(List.of(1, "active"), List.of(2, "failed"));
        assertThat(fx.count("SELECT active_mapping_version FROM pipelines WHERE id = ?", p))
                .isEqualTo(1);
        assertThat(fx.count("SELECT count(*) FROM metrics WHERE pipeline_id = ? AND mapping_version = 1", p))
                .isEqualTo(100);
        // The failed version's partial rows go in the background; version 1 stays whole.
        Awaitility.await()
                .atMost(Duration.ofSeconds(60))
                .until(() ->
                        fx.count("SELECT count(*) FROM metrics WHERE pipeline_id = ? AND mapping_version = 2", p) == 0);
        assertThat(fx.count("SELECT count(*) FROM metrics WHERE pipeline_id = ? AND mapping_version = 1", p))
                .isEqualTo(100);
        assertThat(ControlCodec.decode(lastValue(LocalServices.topics().control(), p.toString(), v -> true))
                        .mappings())
                .extracting(PipelineConfig.MappingVersion::status)
                .containsExactly("active");
    }

    @Test
    void aCancelAskedOfARunningReplayEndsItAndLeavesTheActiveVersion() throws Exception {
        History h = history(2, 50, false);
        UUID p = h.pipeline();
        UUID replay = fx.replay(p, "mapping", 2, "running");
        fx.exec("UPDATE replays SET cancel_requested = true WHERE id = ?", replay);

        awaitState(replay, "cancelled");

        assertThat(fx.rows("SELECT version, status FROM data_mappings WHERE pipeline_id = ? ORDER BY version", p))
                .containsExactly(List.of(1, "active"), List.of(2, "cancelled"));
        assertThat(fx.count("SELECT active_mapping_version FROM pipelines WHERE id = ?", p))
                .isEqualTo(1);
        assertThat(fx.count("SELECT count(*) FROM metrics WHERE pipeline_id = ? AND mapping_version = 1", p))
                .isEqualTo(100);
        assertThat(fx.count(
                        "SELECT count(*) FROM audit_log WHERE entity_id = ? AND action = 'replay.cancel'",
                        replay.toString()))
                .isEqualTo(1);
    }

    @Test
    void aReplayWaitsForTheArchiveBeforeItRuns() throws Exception {
        UUID p = fx.pipeline(V1, V2);
        // A boundary the archiver has not reached on partition 1 (far beyond anything written).
        fx.boundaries(p, 2, partitions, Map.of());
        fx.exec(
                "UPDATE dual_write_boundaries SET boundary_offset = 9000000000000 WHERE pipeline_id = ? AND kafka_partition = 1",
                p);
        UUID replay = fx.replay(p, "mapping", 2, "queued");
        awaitState(replay, "waiting_for_archive");
        UUID other = fx.replay(fx.pipeline(V1, V2), "mapping", 2, "queued");
        awaitState(other, "waiting_for_archive");
        // Once the boundary is passed it runs (here: the boundary moves down to what is archived).
        fx.exec(
                "UPDATE dual_write_boundaries SET boundary_offset = 0 WHERE pipeline_id = ? AND kafka_partition = 1",
                p);
        awaitState(replay, "succeeded");
        assertThat(fx.string("SELECT state FROM replays WHERE id = ?", other))
                .as("a replay without boundaries keeps waiting, holding no slot")
                .isEqualTo("waiting_for_archive");
        assertThat(fx.string("SELECT owner_node FROM replays WHERE id = ?", other))
                .isNull();
    }

    @Test
    void aQuarantineReplayResolvesTheEventsThatNowMapAndKeepsTheOthers() throws Exception {
        UUID p = fx.pipeline(V1, null);
        List<RawEnvelope> events = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            events.add(fx.event(p, i == 3 ? "{\"x\":1}" : "{\"n\":" + i + "}", BASE.plusSeconds(i)));
        }
        String key = fx.object(p, 2, 500, events);
        // Events 2 and 3 were quarantined under version 1 (2: found through the manifest by its offset).
        fx.exec(
                "INSERT INTO quarantine (pipeline_id, team_id, event_id, mapping_version, received_at, errors, "
                        + "kafka_partition, kafka_offset) VALUES (?, ?, ?, 1, now(), '[{\"field\":\"n\",\"code\":\"internal\"}]', 2, 502)",
                p,
                fx.team,
                events.get(2).eventId());
        fx.exec(
                "INSERT INTO quarantine (pipeline_id, team_id, event_id, mapping_version, received_at, errors, "
                        + "kafka_partition, kafka_offset, bronze_key) VALUES (?, ?, ?, 1, now(), '[]', 2, 503, ?)",
                p,
                fx.team,
                events.get(3).eventId(),
                key);
        fx.archived(2, 520);
        UUID replay = fx.replay(p, "quarantine", 1, "queued");

        awaitState(replay, "succeeded");

        assertThat(fx.rows("SELECT event_id, value FROM metrics WHERE pipeline_id = ?", p))
                .containsExactly(List.of(events.get(2).eventId(), 2.0));
        assertThat(fx.rows(
                        "SELECT event_id, resolved_at IS NOT NULL, errors->0->>'code' FROM quarantine WHERE pipeline_id = ? "
                                + "ORDER BY kafka_offset",
                        p))
                .containsExactly(
                        List.of(events.get(2).eventId(), true, "internal"),
                        List.of(events.get(3).eventId(), false, "missing"));
        assertThat(fx.count("SELECT active_mapping_version FROM pipelines WHERE id = ?", p))
                .isEqualTo(1);
        if (fx.count("SELECT (dash_silver_variant() = 'plain')::int") == 1) {
            // The active version, which queries read: its hour is logged for the live rollup job, as the writer's.
            assertThat(fx.count("SELECT count(*) FROM rollup_invalidations WHERE pipeline_id = ?", p))
                    .as("a quarantine replay's batches log their hours for the live rollup job")
                    .isEqualTo(1);
        }
    }

    private static void awaitState(UUID replay, String state) {
        Awaitility.await()
                .atMost(Duration.ofSeconds(90))
                .pollInterval(Duration.ofMillis(100))
                .until(() -> state.equals(fx.string("SELECT state FROM replays WHERE id = ?", replay)));
    }

    private static UUID[] ids(List<RawEnvelope> events) {
        return events.stream().map(RawEnvelope::eventId).toArray(UUID[]::new);
    }

    private static int rawPartitions() {
        try (KafkaConsumer<String, byte[]> c = consumer()) {
            return c.partitionsFor(LocalServices.topics().raw()).size();
        }
    }

    /** The newest value under {@code key} on the topic that satisfies {@code accept}, awaited. */
    private static byte[] lastValue(String topic, String key, Predicate<byte[]> accept) {
        List<byte[]> seen = new ArrayList<>();
        try (KafkaConsumer<String, byte[]> c = consumer()) {
            var parts = c.partitionsFor(topic).stream()
                    .map(i -> new org.apache.kafka.common.TopicPartition(topic, i.partition()))
                    .toList();
            c.assign(parts);
            c.seekToBeginning(parts);
            Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> {
                for (ConsumerRecord<String, byte[]> r : c.poll(Duration.ofMillis(200))) {
                    if (key.equals(r.key()) && r.value() != null && accept.test(r.value())) {
                        seen.add(r.value());
                    }
                }
                return !seen.isEmpty()
                        && c.assignment().stream()
                                .allMatch(tp -> c.position(tp)
                                        >= c.endOffsets(List.of(tp)).get(tp));
            });
        }
        return seen.get(seen.size() - 1);
    }

    private static KafkaConsumer<String, byte[]> consumer() {
        Properties p = new Properties();
        p.put(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
                LocalServices.ensureStarted().kafkaBootstrap());
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        return new KafkaConsumer<>(p);
    }
}
