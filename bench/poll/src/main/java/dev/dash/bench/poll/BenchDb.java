package dev.dash.bench.poll;

import dev.dash.model.crypto.KeyRing;
import dev.dash.model.db.DashSchema;
import dev.dash.model.db.Databases;
import dev.dash.model.db.PipelineSnapshots;
import dev.dash.model.db.SilverVariant;
import dev.dash.model.kafka.ControlCodec;
import dev.dash.model.kafka.TopicNames;
import dev.dash.platform.kafka.TopicProvisioner;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ListOffsetsResult;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.postgresql.ds.PGSimpleDataSource;

/**
 * The benchmark's own database (dropped, created and migrated afresh every run, so the shared test databases
 * are left alone and runs do not inherit rows), its consumer groups, and its pipelines, written the way
 * web-service writes them (source configurations and secrets encrypted with the key ring the ingestor is
 * given).
 */
final class BenchDb {
    /** The topics of the installation under test: its {@code DASH_KAFKA_TOPIC_PREFIX}, as the services get it. */
    private static final TopicNames TOPICS =
            new TopicNames(System.getenv().getOrDefault("DASH_KAFKA_TOPIC_PREFIX", ""));

    final Env env;
    final PGSimpleDataSource ds;
    final KeyRing keys;

    BenchDb(Env env) {
        this.env = env;
        this.ds = new PGSimpleDataSource();
        ds.setURL("jdbc:postgresql://" + env.pgHost + ":" + env.pgPort + "/" + env.db);
        ds.setUser(env.pgUser);
        ds.setPassword(env.pgPassword);
        this.keys = KeyRing.parse(env.keys, null);
    }

    Connection connect() throws SQLException {
        return ds.getConnection();
    }

    /** A fresh database, the topics, and this run's consumer groups positioned at the topics' ends. */
    void setup() throws Exception {
        try (Connection admin = DriverManager.getConnection(
                "jdbc:postgresql://" + env.pgHost + ":" + env.pgPort + "/postgres", env.pgUser, env.pgPassword)) {
            Databases.drop(admin, env.db, 60_000);
            admin.createStatement().execute("CREATE DATABASE " + env.db);
        }
        DashSchema.migrate(ds, "public", SilverVariant.Choice.AUTO);
        TopicProvisioner.ensureTopics(env.kafka, TOPICS.specs(), (short) 1, 10_000);
        positionGroups();
    }

    /**
     * dash.raw and dash.points are shared with every other installation on this broker (other developers'
     * tests and services); a new consumer group would start at the beginning of their backlog. The benchmark
     * ingestor's groups (a prefix of their own) are committed at the topics' current ends instead.
     */
    private void positionGroups() throws Exception {
        Properties p = new Properties();
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, env.kafka);
        try (Admin admin = Admin.create(p)) {
            Map<String, List<String>> groups = Map.of(
                    TOPICS.raw(), List.of("silver", "bronze"),
                    TOPICS.points(), List.of("sinks", "p2p"));
            for (Map.Entry<String, List<String>> e : groups.entrySet()) {
                TopicDescription d = admin.describeTopics(List.of(e.getKey()))
                        .allTopicNames()
                        .get()
                        .get(e.getKey());
                Map<TopicPartition, OffsetSpec> specs = new HashMap<>();
                d.partitions()
                        .forEach(tp -> specs.put(new TopicPartition(e.getKey(), tp.partition()), OffsetSpec.latest()));
                Map<TopicPartition, ListOffsetsResult.ListOffsetsResultInfo> ends =
                        admin.listOffsets(specs).all().get();
                Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
                ends.forEach((tp, info) -> offsets.put(tp, new OffsetAndMetadata(info.offset())));
                for (String role : e.getValue()) {
                    admin.alterConsumerGroupOffsets(env.groupPrefix + "-" + role, offsets)
                            .all()
                            .get();
                }
            }
        }
    }

    UUID team() throws SQLException {
        UUID team = UUID.randomUUID();
        try (Connection c = connect()) {
            exec(
                    c,
                    "INSERT INTO teams (id, name, slug) VALUES (?, ?, ?)",
                    team,
                    "bench " + team,
                    "b-" + team.toString().substring(0, 23));
        }
        return team;
    }

    /**
     * Publishes pipelines' snapshots on {@code dash.control}, as web-service does after each change (the ingest
     * API knows a pipeline from there).
     */
    void announce(List<UUID> ids) throws Exception {
        Properties p = new Properties();
        p.put("bootstrap.servers", env.kafka);
        p.put("key.serializer", "org.apache.kafka.common.serialization.StringSerializer");
        p.put("value.serializer", "org.apache.kafka.common.serialization.ByteArraySerializer");
        PipelineSnapshots snapshots = new PipelineSnapshots(ds);
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(p)) {
            for (UUID id : ids) {
                producer.send(new ProducerRecord<>(
                                TOPICS.control(), id.toString(), ControlCodec.encode(snapshots.load(id))))
                        .get();
            }
        }
    }

    /** A realtime pipeline signed as GitHub does, with the benchmark's mapping; returns {id, secretId}. */
    UUID[] webhookPipeline(UUID team, String secret) throws SQLException {
        UUID id = UUID.randomUUID();
        UUID secretId = UUID.randomUUID();
        try (Connection c = connect()) {
            exec(
                    c,
                    "INSERT INTO pipelines (id, team_id, name, type, signature_preset, active_mapping_version,"
                            + " dedupe_window_seconds) VALUES (?, ?, ?, 'realtime', 'github', 1, ?)",
                    id,
                    team,
                    "webhook " + id,
                    env.dedupeWindow);
            try (PreparedStatement ps = c.prepareStatement(
                    "INSERT INTO pipeline_secrets (id, pipeline_id, ciphertext, hint) VALUES (?, ?, ?, 'xxxx')")) {
                ps.setObject(1, secretId);
                ps.setObject(2, id);
                ps.setBytes(3, keys.encryptString(secret, "pipeline_secret:" + secretId));
                ps.executeUpdate();
            }
            mapping(c, id);
        }
        return new UUID[] {id, secretId};
    }

    /**
     * Polling pipelines with the given source configurations, each with a schedule entry that is never due
     * ({@code next_poll_at} infinity) until the benchmark moves it.
     */
    List<UUID> pollingPipelines(UUID team, int intervalSeconds, List<String> sourceConfigs) throws SQLException {
        List<UUID> ids = new ArrayList<>();
        try (Connection c = connect()) {
            c.setAutoCommit(false);
            try (PreparedStatement p = c.prepareStatement(
                            "INSERT INTO pipelines (id, team_id, name, type, status, signature_preset, interval_seconds,"
                                    + " source_type, source_config, active_mapping_version, dedupe_window_seconds)"
                                    + " VALUES (?, ?, ?, 'polling', 'active', 'none', ?, 'http', ?, 1, ?)");
                    PreparedStatement m = c.prepareStatement("INSERT INTO data_mappings (id, pipeline_id, version,"
                            + " status, document) VALUES (?, ?, 1, 'active', ?::jsonb)");
                    PreparedStatement s = c.prepareStatement(
                            "INSERT INTO poll_state (pipeline_id, next_poll_at) VALUES (?, 'infinity')")) {
                for (String config : sourceConfigs) {
                    UUID id = UUID.randomUUID();
                    ids.add(id);
                    p.setObject(1, id);
                    p.setObject(2, team);
                    p.setString(3, "polling " + id);
                    p.setInt(4, intervalSeconds);
                    p.setBytes(5, keys.encryptString(config, "pipeline_source:" + id));
                    p.setInt(6, env.dedupeWindow);
                    p.addBatch();
                    m.setObject(1, UUID.randomUUID());
                    m.setObject(2, id);
                    m.setString(3, Records.MAPPING);
                    m.addBatch();
                    s.setObject(1, id);
                    s.addBatch();
                }
                p.executeBatch();
                m.executeBatch();
                s.executeBatch();
            }
            c.commit();
        }
        return ids;
    }

    private static void mapping(Connection c, UUID pipeline) throws SQLException {
        exec(
                c,
                "INSERT INTO data_mappings (id, pipeline_id, version, status, document) VALUES (?, ?, 1, 'active', ?::jsonb)",
                UUID.randomUUID(),
                pipeline,
                Records.MAPPING);
    }

    static void exec(Connection c, String sql, Object... args) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            for (int i = 0; i < args.length; i++) {
                ps.setObject(i + 1, args[i]);
            }
            ps.executeUpdate();
        }
    }
}
