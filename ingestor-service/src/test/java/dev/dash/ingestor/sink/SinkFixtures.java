package dev.dash.ingestor.sink;

import dev.dash.ingestor.testing.TestPipelines;
import dev.dash.model.kafka.PointsBatch;
import dev.dash.model.kafka.PointsCodec;
import dev.dash.model.testing.LocalServices;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Sinks as web-service stores them (config encrypted with the test key ring, context {@code
 * pipeline_sink:<id>}) and points as the Silver writer publishes them on {@code dash.points}.
 */
final class SinkFixtures implements AutoCloseable {
    final TestPipelines pipelines = new TestPipelines();
    private final KafkaProducer<String, byte[]> producer;

    SinkFixtures() {
        Properties p = new Properties();
        p.put(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
                LocalServices.ensureStarted().kafkaBootstrap());
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        producer = new KafkaProducer<>(p);
    }

    /** A new pipeline (and team). */
    TestPipelines.Created pipeline() throws SQLException {
        TestPipelines.Created p = pipelines.create(TestPipelines.Spec.of("none"));
        created.add(p.id());
        return p;
    }

    private final List<UUID> created = new ArrayList<>();

    /** Stores a sink; returns its id. */
    UUID sink(UUID pipelineId, String type, String configJson, String deliveryJson) throws SQLException {
        UUID id = UUID.randomUUID();
        try (Connection c = pipelines.connect();
                PreparedStatement ps = c.prepareStatement("""
                        INSERT INTO pipeline_sinks (id, pipeline_id, sink_type, sink_config, enabled, delivery)
                        VALUES (?, ?, ?, ?, true, ?::jsonb)
                        """)) {
            ps.setObject(1, id);
            ps.setObject(2, pipelineId);
            ps.setString(3, type);
            ps.setBytes(4, TestPipelines.KEYS.encryptString(configJson, "pipeline_sink:" + id));
            ps.setString(5, deliveryJson);
            ps.executeUpdate();
        }
        return id;
    }

    /** Replaces a sink's config, as a PATCH does. */
    void config(UUID sinkId, String configJson) throws SQLException {
        exec(
                "UPDATE pipeline_sinks SET sink_config = ?, updated_at = now() WHERE id = ?",
                TestPipelines.KEYS.encryptString(configJson, "pipeline_sink:" + sinkId),
                sinkId);
    }

    /** An owner with this e-mail in the pipeline's team. */
    void admin(UUID teamId, String email) throws SQLException {
        UUID user = UUID.randomUUID();
        exec("INSERT INTO users (id, oidc_subject, email) VALUES (?, ?, ?)", user, "sub-" + user, email);
        exec(
                "INSERT INTO memberships (id, team_id, user_id, role) VALUES (?, ?, ?, 'owner')",
                UUID.randomUUID(),
                teamId,
                user);
    }

    /** A point. */
    static PointsBatch.Point point(Instant time, String metric, Map<String, String> labels, double value) {
        return new PointsBatch.Point(time, metric, labels, value, UUID.randomUUID(), 0, 1, Instant.now());
    }

    /** Publishes points of a pipeline as one dash.points record, in the format the Silver writer writes. */
    void publish(TestPipelines.Created p, List<PointsBatch.Point> points) throws Exception {
        publish(p, points, PointsCodec.CURRENT_FORMAT);
    }

    /** Publishes points of a pipeline as one dash.points record in a given format (1: JSON, as before issue 19). */
    void publish(TestPipelines.Created p, List<PointsBatch.Point> points, int format) throws Exception {
        producer.send(new ProducerRecord<>(
                        LocalServices.topics().points(),
                        p.id().toString(),
                        PointsCodec.encode(new PointsBatch(p.id(), p.teamId(), Instant.now(), points), format)))
                .get(10, TimeUnit.SECONDS);
    }

    /** A column of a sink. */
    Object sinkColumn(UUID sinkId, String column) throws SQLException {
        try (Connection c = pipelines.connect();
                PreparedStatement ps = c.prepareStatement("SELECT " + column + " FROM pipeline_sinks WHERE id = ?")) {
            ps.setObject(1, sinkId);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getObject(1) : null;
            }
        }
    }

    /** Rows of the sink's deliveries: id, status, attempts, kind. */
    List<Object[]> deliveries(UUID sinkId) throws SQLException {
        List<Object[]> out = new ArrayList<>();
        try (Connection c = pipelines.connect();
                PreparedStatement ps = c.prepareStatement(
                        "SELECT id, status, attempts, kind FROM sink_deliveries WHERE sink_id = ? ORDER BY created_at")) {
            ps.setObject(1, sinkId);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(new Object[] {rs.getObject(1), rs.getString(2), rs.getInt(3), rs.getString(4)});
                }
            }
        }
        return out;
    }

    void exec(String sql, Object... args) throws SQLException {
        try (Connection c = pipelines.connect();
                PreparedStatement ps = c.prepareStatement(sql)) {
            for (int i = 0; i < args.length; i++) {
                ps.setObject(i + 1, args[i]);
            }
            ps.executeUpdate();
        }
    }

    /**
     * Deletes the sinks of the pipelines made here: left behind, their receivers gone, they would keep later
     * runs in this database busy with retries.
     */
    @Override
    public void close() {
        for (UUID p : created) {
            try {
                exec("DELETE FROM pipeline_sinks WHERE pipeline_id = ?", p);
            } catch (SQLException e) {
                throw new IllegalStateException(e);
            }
        }
        producer.close();
        pipelines.close();
    }
}
