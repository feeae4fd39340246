package dev.dash.chaos;

import dev.dash.model.crypto.KeyRing;
import dev.dash.model.db.PipelineSnapshots;
import dev.dash.model.kafka.ControlCodec;
import dev.dash.model.testing.Endpoints;
import dev.dash.model.testing.LocalServices;
import dev.dash.model.testing.PackagedService;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.postgresql.ds.PGSimpleDataSource;

/**
 * Pipelines made the way web-service makes them (rows, then the snapshot on {@code dash.control}), each in a
 * team of its own, GitHub-signed (so every request carries a signature and a delivery id, and a retried
 * delivery is deduplicated), mapped to one point per event.
 */
final class Fixture {
    static final KeyRing KEYS = KeyRing.parse(PackagedService.TEST_CRYPTO_KEYS, "test-new");
    /** One point per event: the metric {@code v} from {@code /v}. */
    static final String V1 = """
            {"version":1,"fields":[{"name":"v","path":"/v","type":"number"}],"metrics":["v"]}
            """;
    /** The replayed version: the same point, scaled. */
    static final String V2 = """
            {"version":1,"fields":[{"name":"v","path":"/v","type":"number","transform":[{"op":"scale","by":10}]}],
             "metrics":["v"]}
            """;

    /** A pipeline and the secret its producer signs with. */
    record Pipeline(UUID id, UUID team, String secretId, String secret) {}

    private final Endpoints env;

    Fixture(Endpoints env) {
        this.env = env;
    }

    Connection connect() throws SQLException {
        return DriverManager.getConnection(env.jdbcUrl(), env.pgUser(), env.pgPassword());
    }

    Pipeline create(String label) throws SQLException {
        return create(label, null);
    }

    /** A pipeline with a quota of {@code quotaRequestsPerSecond} (null: none). */
    Pipeline create(String label, Integer quotaRequestsPerSecond) throws SQLException {
        UUID team = UUID.randomUUID();
        UUID id = UUID.randomUUID();
        UUID secretId = UUID.randomUUID();
        String secret = "chaos-" + UUID.randomUUID();
        try (Connection c = connect()) {
            exec(c, "INSERT INTO teams (id, name, slug) VALUES (?, ?, ?)", team, "chaos " + label, "chaos-" + id);
            exec(c, """
                    INSERT INTO pipelines (id, team_id, name, type, status, signature_preset, signature_config,
                        active_mapping_version, quota_requests_per_second)
                    VALUES (?, ?, ?, 'realtime', 'active', 'github', '{}'::jsonb, 1, ?)
                    """, id, team, "chaos " + label, quotaRequestsPerSecond);
            try (PreparedStatement ps = c.prepareStatement(
                    "INSERT INTO pipeline_secrets (id, pipeline_id, ciphertext, hint) VALUES (?, ?, ?, ?)")) {
                ps.setObject(1, secretId);
                ps.setObject(2, id);
                ps.setBytes(3, KEYS.encryptString(secret, "pipeline_secret:" + secretId));
                ps.setString(4, secret.substring(secret.length() - 4));
                ps.executeUpdate();
            }
            exec(
                    c,
                    "INSERT INTO data_mappings (id, pipeline_id, version, status, document) "
                            + "VALUES (?, ?, 1, 'active', ?::jsonb)",
                    UUID.randomUUID(),
                    id,
                    V1);
        }
        publish(id);
        return new Pipeline(id, team, secretId.toString(), secret);
    }

    /** Saves version 2 as pending, as web-service does; replay-service queues its replay from the snapshot. */
    void savePending(UUID pipeline) throws SQLException {
        try (Connection c = connect()) {
            exec(
                    c,
                    "INSERT INTO data_mappings (id, pipeline_id, version, status, document) "
                            + "VALUES (?, ?, 2, 'pending', ?::jsonb)",
                    UUID.randomUUID(),
                    pipeline,
                    V2);
            exec(c, "UPDATE pipelines SET updated_at = clock_timestamp() WHERE id = ?", pipeline);
        }
        publish(pipeline);
    }

    /** The replay's state, or null when none is queued yet. */
    String replayState(UUID pipeline) throws SQLException {
        try (Connection c = connect();
                PreparedStatement ps = c.prepareStatement(
                        "SELECT state FROM replays WHERE pipeline_id = ? ORDER BY inserted_at DESC LIMIT 1")) {
            ps.setObject(1, pipeline);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getString(1) : null;
            }
        }
    }

    /** The replay's state and objects done, e.g. {@code running 12/29}, or null when none is queued yet. */
    String replayProgress(UUID pipeline) throws SQLException {
        try (Connection c = connect();
                PreparedStatement ps = c.prepareStatement("SELECT state || ' ' || objects_done || '/' || objects_total"
                        + " FROM replays WHERE pipeline_id = ? ORDER BY inserted_at DESC LIMIT 1")) {
            ps.setObject(1, pipeline);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getString(1) : null;
            }
        }
    }

    void publish(UUID pipeline) throws SQLException {
        PGSimpleDataSource ds = new PGSimpleDataSource();
        ds.setURL(env.jdbcUrl());
        ds.setUser(env.pgUser());
        ds.setPassword(env.pgPassword());
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, env.kafkaBootstrap());
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        props.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        props.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(props)) {
            producer.send(new ProducerRecord<>(
                            LocalServices.topics().control(),
                            pipeline.toString(),
                            ControlCodec.encode(new PipelineSnapshots(ds).load(pipeline))))
                    .get(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
            throw new IllegalStateException("cannot publish the snapshot of " + pipeline, e);
        }
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
