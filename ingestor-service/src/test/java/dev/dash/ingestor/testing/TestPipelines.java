package dev.dash.ingestor.testing;

import dev.dash.model.crypto.KeyRing;
import dev.dash.model.kafka.ControlCodec;
import dev.dash.model.kafka.PipelineConfig;
import dev.dash.model.testing.Endpoints;
import dev.dash.model.testing.LocalServices;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Creates pipelines the way web-service does (rows in the shared test database, then the snapshot on
 * {@code dash.control}), with unique ids, so tests never depend on what else the database holds.
 */
public final class TestPipelines implements AutoCloseable {
    /** The test key ring of application.properties (shared with web-service's tests). */
    public static final KeyRing KEYS = KeyRing.parse(
            "test-old:jGIDyZYyhFHBT58r5XLU8XkFECLKXxhexxCfFBxoEjs=,test-new:ncBSYP1QfZ7n9m5/XW5ANJQWORBIAfiVkR7UvnPg/f0=",
            "test-new");

    private final Endpoints endpoints = LocalServices.ensureStartedAndMigrated();
    private final KafkaProducer<String, byte[]> producer;

    public TestPipelines() {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, endpoints.kafkaBootstrap());
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        producer = new KafkaProducer<>(p);
    }

    /** A JDBC connection to the test database. */
    public Connection connect() throws SQLException {
        return DriverManager.getConnection(endpoints.jdbcUrl(), endpoints.pgUser(), endpoints.pgPassword());
    }

    /** What a test needs of a pipeline it created. */
    public record Created(UUID id, UUID teamId, UUID secretId, String secret) {}

    /** Options of a new pipeline. */
    public record Spec(
            String preset,
            String status,
            Integer quotaRequestsPerSecond,
            Long quotaBytesPerSecond,
            boolean persistData,
            String activeMapping,
            String pendingMapping,
            String signatureConfig) {
        public static Spec of(String preset) {
            return new Spec(preset, "active", null, null, false, null, null, "{}");
        }

        public Spec withStatus(String s) {
            return new Spec(
                    preset,
                    s,
                    quotaRequestsPerSecond,
                    quotaBytesPerSecond,
                    persistData,
                    activeMapping,
                    pendingMapping,
                    signatureConfig);
        }

        public Spec withQuota(Integer rps, Long bps) {
            return new Spec(preset, status, rps, bps, persistData, activeMapping, pendingMapping, signatureConfig);
        }

        public Spec withMapping(String active) {
            return new Spec(
                    preset,
                    status,
                    quotaRequestsPerSecond,
                    quotaBytesPerSecond,
                    persistData,
                    active,
                    pendingMapping,
                    signatureConfig);
        }

        public Spec withPending(String pending) {
            return new Spec(
                    preset,
                    status,
                    quotaRequestsPerSecond,
                    quotaBytesPerSecond,
                    persistData,
                    activeMapping,
                    pending,
                    signatureConfig);
        }

        public Spec withPersistData() {
            return new Spec(
                    preset,
                    status,
                    quotaRequestsPerSecond,
                    quotaBytesPerSecond,
                    true,
                    activeMapping,
                    pendingMapping,
                    signatureConfig);
        }
    }

    /** Inserts a team and a pipeline (with one secret unless the preset is {@code none}) and publishes it. */
    public Created create(Spec spec) throws SQLException {
        UUID team = UUID.randomUUID();
        UUID id = UUID.randomUUID();
        UUID secretId = UUID.randomUUID();
        String secret = spec.preset().equals("standard_webhooks")
                        || spec.preset().equals("svix")
                ? "whsec_"
                        + java.util.Base64.getEncoder()
                                .encodeToString(UUID.randomUUID().toString().getBytes())
                : "s3cr3t-" + UUID.randomUUID();
        try (Connection c = connect()) {
            exec(
                    c,
                    "INSERT INTO teams (id, name, slug) VALUES (?, ?, ?)",
                    team,
                    "t " + team,
                    "t-" + team.toString().substring(0, 23));
            try (PreparedStatement ps = c.prepareStatement("""
                    INSERT INTO pipelines (id, team_id, name, type, status, signature_preset, signature_config,
                        quota_requests_per_second, quota_bytes_per_second, persist_data, active_mapping_version,
                        allow_unsigned)
                    VALUES (?, ?, ?, 'realtime', ?, ?, ?::jsonb, ?, ?, ?, ?, ?)
                    """)) {
                ps.setObject(1, id);
                ps.setObject(2, team);
                ps.setString(3, "p " + id);
                ps.setString(4, spec.status());
                ps.setString(5, spec.preset());
                ps.setString(6, spec.signatureConfig());
                ps.setObject(7, spec.quotaRequestsPerSecond());
                ps.setObject(8, spec.quotaBytesPerSecond());
                ps.setBoolean(9, spec.persistData());
                ps.setObject(10, spec.activeMapping() == null ? null : 1);
                // An unsigned test pipeline is one an admin allowed to be unsigned (docs/ingest.md).
                ps.setBoolean(11, spec.preset().equals("none"));
                ps.executeUpdate();
            }
            if (!spec.preset().equals("none")) {
                addSecret(c, id, secretId, secret, null);
            }
            if (spec.activeMapping() != null) {
                exec(
                        c,
                        "INSERT INTO data_mappings (id, pipeline_id, version, status, document) VALUES (?, ?, 1, 'active', ?::jsonb)",
                        UUID.randomUUID(),
                        id,
                        spec.activeMapping());
            }
            if (spec.pendingMapping() != null) {
                exec(
                        c,
                        "INSERT INTO data_mappings (id, pipeline_id, version, status, document) VALUES (?, ?, 2, 'pending', ?::jsonb)",
                        UUID.randomUUID(),
                        id,
                        spec.pendingMapping());
            }
        }
        return new Created(id, team, secretId, secret);
    }

    /** Adds a secret to an existing pipeline. */
    public void addSecret(Connection c, UUID pipelineId, UUID secretId, String secret, java.time.Instant expiresAt)
            throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(
                "INSERT INTO pipeline_secrets (id, pipeline_id, ciphertext, hint, expires_at) VALUES (?, ?, ?, ?, ?)")) {
            ps.setObject(1, secretId);
            ps.setObject(2, pipelineId);
            ps.setBytes(3, KEYS.encryptString(secret, "pipeline_secret:" + secretId));
            ps.setString(4, secret.substring(secret.length() - 4));
            ps.setObject(5, expiresAt == null ? null : java.sql.Timestamp.from(expiresAt));
            ps.executeUpdate();
        }
        exec(c, "UPDATE pipelines SET updated_at = clock_timestamp() WHERE id = ?", pipelineId);
    }

    /**
     * A polling or p2p pipeline as web-service stores it: the source configuration encrypted under
     * {@code pipeline_source:<id>}.
     *
     * @param type {@code polling} or {@code p2p}
     * @param sourceType {@code http}, {@code graphql}, or null for p2p
     * @param sourceConfig the source configuration JSON, or null
     * @param intervalSeconds the poll interval, or null
     * @param sourcePipelineId the feeding pipeline of a p2p pipeline, or null
     * @param mapping the active mapping, or null
     */
    public Created createSourced(
            String type,
            String sourceType,
            String sourceConfig,
            Integer intervalSeconds,
            UUID sourcePipelineId,
            String mapping)
            throws SQLException {
        UUID team = UUID.randomUUID();
        UUID id = UUID.randomUUID();
        try (Connection c = connect()) {
            exec(
                    c,
                    "INSERT INTO teams (id, name, slug) VALUES (?, ?, ?)",
                    team,
                    "t " + team,
                    "t-" + team.toString().substring(0, 23));
            try (PreparedStatement ps = c.prepareStatement("""
                    INSERT INTO pipelines (id, team_id, name, type, status, signature_preset, interval_seconds, source_type,
                        source_config, source_pipeline_id, active_mapping_version)
                    VALUES (?, ?, ?, ?, 'active', 'none', ?, ?, ?, ?, ?)
                    """)) {
                ps.setObject(1, id);
                ps.setObject(2, team);
                ps.setString(3, "p " + id);
                ps.setString(4, type);
                ps.setObject(5, intervalSeconds);
                ps.setString(6, sourceType);
                ps.setBytes(7, sourceConfig == null ? null : KEYS.encryptString(sourceConfig, "pipeline_source:" + id));
                ps.setObject(8, sourcePipelineId);
                ps.setObject(9, mapping == null ? null : 1);
                ps.executeUpdate();
            }
            if (mapping != null) {
                exec(
                        c,
                        "INSERT INTO data_mappings (id, pipeline_id, version, status, document) VALUES (?, ?, 1, 'active', ?::jsonb)",
                        UUID.randomUUID(),
                        id,
                        mapping);
            }
        }
        return new Created(id, team, null, null);
    }

    /** Publishes a snapshot, as web-service does after each committed change. */
    public void publish(PipelineConfig config) {
        send(config.id().toString(), ControlCodec.encode(config));
    }

    /** Publishes a tombstone. */
    public void tombstone(UUID id) {
        send(id.toString(), null);
    }

    private void send(String key, byte[] value) {
        try {
            producer.send(new ProducerRecord<>(LocalServices.topics().control(), key, value))
                    .get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** Runs one statement with positional parameters. */
    public static int exec(Connection c, String sql, Object... args) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            for (int i = 0; i < args.length; i++) {
                ps.setObject(i + 1, args[i]);
            }
            return ps.executeUpdate();
        }
    }

    @Override
    public void close() {
        producer.close();
    }
}
