package dev.dash.model.db;

import com.fasterxml.jackson.databind.JsonNode;
import dev.dash.model.json.Json;
import dev.dash.model.kafka.PipelineConfig;
import dev.dash.model.mapping.MappingStatus;
import java.io.IOException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import javax.sql.DataSource;

/**
 * Reads pipeline snapshots from the database in the shape web-service publishes on {@code dash.control}: for
 * the ingestor cache's start-up load, its periodic reconcile and a writer that meets a pipeline it has not
 * heard of yet, for replay-service, which publishes the snapshot after a cut-over, and for web-service's
 * {@code ControlPublisher}, which publishes it after every committed change: the one loader of the snapshot.
 * Blocking JDBC: never called on an event loop.
 */
public class PipelineSnapshots {
    private static final String PIPELINES = """
            SELECT id, team_id, name, type, status, coalesce(signature_preset, 'none') AS signature_preset,
                   signature_config::text AS signature_config, timestamp_tolerance_seconds, dedupe_window_seconds,
                   quota_requests_per_second, quota_bytes_per_second, persist_data, active_mapping_version, allow_unsigned,
                   (extract(epoch FROM updated_at) * 1000000)::bigint AS revision
            FROM pipelines
            """;
    private static final String MAPPINGS = """
            SELECT pipeline_id, version, status, document::text AS document, dual_write_started_at FROM data_mappings
            WHERE status IN ('%s', '%s') %s ORDER BY pipeline_id, version
            """;
    private static final String SECRETS = """
            SELECT pipeline_id, id, ciphertext, expires_at FROM pipeline_secrets
            WHERE revoked_at IS NULL AND (expires_at IS NULL OR expires_at > now()) %s
            ORDER BY pipeline_id, inserted_at DESC
            """;

    private final DataSource dataSource;

    public PipelineSnapshots(DataSource dataSource) {
        this.dataSource = dataSource;
    }

    /** Every pipeline. */
    public List<PipelineConfig> loadAll() throws SQLException {
        return inOneSnapshot(null);
    }

    /** One pipeline, or null when it does not exist. */
    public PipelineConfig load(UUID id) throws SQLException {
        List<PipelineConfig> found = inOneSnapshot(id);
        return found.isEmpty() ? null : found.get(0);
    }

    /**
     * Reads the three tables in one read-only {@code REPEATABLE READ} transaction: all three queries see the
     * same snapshot, so a pipeline is never read half-changed (a new mapping version beside the old pipeline
     * row, or a rotated secret without the revision that announces it).
     */
    private List<PipelineConfig> inOneSnapshot(UUID id) throws SQLException {
        try (Connection c = dataSource.getConnection()) {
            boolean autoCommit = c.getAutoCommit();
            c.setAutoCommit(false);
            try {
                try (var st = c.createStatement()) {
                    st.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY");
                }
                return load(c, id);
            } finally {
                c.rollback();
                c.setAutoCommit(autoCommit);
            }
        }
    }

    private static List<PipelineConfig> load(Connection c, UUID id) throws SQLException {
        String where = id == null ? "" : " AND pipeline_id = ?";
        Map<UUID, List<PipelineConfig.MappingVersion>> mappings = new HashMap<>();
        try (PreparedStatement ps = c.prepareStatement(
                MAPPINGS.formatted(MappingStatus.ACTIVE.dbName(), MappingStatus.PENDING.dbName(), where))) {
            if (id != null) {
                ps.setObject(1, id);
            }
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    mappings.computeIfAbsent(rs.getObject("pipeline_id", UUID.class), k -> new ArrayList<>())
                            .add(new PipelineConfig.MappingVersion(
                                    rs.getInt("version"),
                                    rs.getString("status"),
                                    json(rs.getString("document")),
                                    instant(rs.getTimestamp("dual_write_started_at"))));
                }
            }
        }
        Map<UUID, List<PipelineConfig.Secret>> secrets = new HashMap<>();
        try (PreparedStatement ps = c.prepareStatement(SECRETS.formatted(where))) {
            if (id != null) {
                ps.setObject(1, id);
            }
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    secrets.computeIfAbsent(rs.getObject("pipeline_id", UUID.class), k -> new ArrayList<>())
                            .add(new PipelineConfig.Secret(
                                    rs.getObject("id", UUID.class),
                                    rs.getBytes("ciphertext"),
                                    instant(rs.getTimestamp("expires_at"))));
                }
            }
        }
        Map<UUID, PipelineConfig> out = new LinkedHashMap<>();
        try (PreparedStatement ps = c.prepareStatement(PIPELINES + (id == null ? "" : " WHERE id = ?"))) {
            if (id != null) {
                ps.setObject(1, id);
            }
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    UUID pid = rs.getObject("id", UUID.class);
                    out.put(
                            pid,
                            new PipelineConfig(
                                    pid,
                                    rs.getObject("team_id", UUID.class),
                                    rs.getString("name"),
                                    rs.getString("type"),
                                    rs.getString("status"),
                                    rs.getString("signature_preset"),
                                    json(rs.getString("signature_config")),
                                    rs.getInt("timestamp_tolerance_seconds"),
                                    rs.getInt("dedupe_window_seconds"),
                                    (Integer) rs.getObject("quota_requests_per_second"),
                                    (Long) rs.getObject("quota_bytes_per_second"),
                                    rs.getBoolean("persist_data"),
                                    (Integer) rs.getObject("active_mapping_version"),
                                    mappings.getOrDefault(pid, List.of()),
                                    secrets.getOrDefault(pid, List.of()),
                                    rs.getLong("revision"),
                                    rs.getBoolean("allow_unsigned")));
                }
            }
        }
        return new ArrayList<>(out.values());
    }

    private static JsonNode json(String text) throws SQLException {
        if (text == null) {
            return null;
        }
        try {
            return Json.parse(text);
        } catch (IOException e) {
            throw new SQLException("unreadable JSON column: " + e.getMessage(), e);
        }
    }

    private static Instant instant(Timestamp t) {
        return t == null ? null : t.toInstant();
    }
}
