package dev.dash.ingestor.sink;

import com.fasterxml.jackson.databind.JsonNode;
import dev.dash.ingestor.config.IngestorConfig;
import dev.dash.model.crypto.KeyRing;
import dev.dash.model.json.Json;
import dev.dash.model.sink.DeliveryStatus;
import io.agroal.api.AgroalDataSource;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.IOException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/** The SQL of sink delivery: sinks, the outbox ({@code sink_deliveries}), attempts, alert state, offsets. */
@ApplicationScoped
public class SinkRepository {
    // The states as the SQL below names them; StatesMatchSchemaTest holds the enum to the schema's CHECK.
    private static final String COLLECTING = DeliveryStatus.COLLECTING.dbName();
    private static final String PENDING = DeliveryStatus.PENDING.dbName();

    private final AgroalDataSource dataSource;
    private final KeyRing keys;

    public SinkRepository(AgroalDataSource dataSource, IngestorConfig config) {
        this.dataSource = dataSource;
        this.keys = KeyRing.parse(
                config.crypto().keys(), config.crypto().activeKey().orElse(null));
    }

    /** A connection of the pool. */
    public Connection connect() throws SQLException {
        return dataSource.getConnection();
    }

    /** Every sink at the database's time {@code loadedAt}. */
    public record Loaded(Instant loadedAt, Map<UUID, SinkDefinition> byId) {}

    /** Reads every sink, decrypting its config (a sink whose config cannot be opened is skipped). */
    public Loaded loadSinks() throws SQLException {
        Map<UUID, SinkDefinition> out = new HashMap<>();
        Instant now;
        try (Connection c = connect();
                PreparedStatement ps = c.prepareStatement("""
                        SELECT now() AS db_now, s.id, s.pipeline_id, p.team_id, s.sink_type, s.sink_config,
                            s.delivery::text AS delivery, s.enabled, s.inserted_at
                        FROM pipeline_sinks s JOIN pipelines p ON p.id = s.pipeline_id
                        UNION ALL SELECT now(), NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL
                        """);
                ResultSet rs = ps.executeQuery()) {
            now = null;
            while (rs.next()) {
                now = rs.getTimestamp("db_now").toInstant();
                UUID id = rs.getObject("id", UUID.class);
                if (id == null) {
                    continue;
                }
                try {
                    JsonNode config = Json.parse(keys.decryptString(rs.getBytes("sink_config"), "pipeline_sink:" + id));
                    out.put(
                            id,
                            new SinkDefinition(
                                    id,
                                    rs.getObject("pipeline_id", UUID.class),
                                    rs.getObject("team_id", UUID.class),
                                    SinkDefinition.Type.of(rs.getString("sink_type")),
                                    config,
                                    DeliveryMode.parse(Json.parse(rs.getString("delivery"))),
                                    rs.getBoolean("enabled"),
                                    rs.getTimestamp("inserted_at").toInstant()));
                } catch (IOException | RuntimeException e) {
                    io.quarkus.logging.Log.warnf("Sink %s skipped: its config cannot be read (%s)", id, e.toString());
                }
            }
        }
        return new Loaded(now, out);
    }

    // ---------------------------------------------------------------- dispatcher (one transaction per poll)

    /** The stored next offsets of the group, by partition. */
    public Map<Integer, Long> offsets(String group) throws SQLException {
        Map<Integer, Long> out = new HashMap<>();
        try (Connection c = connect();
                PreparedStatement ps = c.prepareStatement(
                        "SELECT partition, next_offset FROM sink_consumer_offsets WHERE group_id = ?")) {
            ps.setString(1, group);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.put(rs.getInt(1), rs.getLong(2));
                }
            }
        }
        return out;
    }

    static void saveOffsets(Connection c, String group, Map<Integer, Long> next) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("""
                INSERT INTO sink_consumer_offsets (group_id, partition, next_offset) VALUES (?, ?, ?)
                ON CONFLICT (group_id, partition) DO UPDATE SET next_offset = excluded.next_offset
                """)) {
            for (Map.Entry<Integer, Long> e : next.entrySet()) {
                ps.setString(1, group);
                ps.setInt(2, e.getKey());
                ps.setLong(3, e.getValue());
                ps.addBatch();
            }
            ps.executeBatch();
        }
    }

    static void insertDelivery(
            Connection c, UUID id, SinkDefinition sink, String kind, String payload, int points, Instant committedAt)
            throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("""
                INSERT INTO sink_deliveries (id, sink_id, pipeline_id, kind, payload, point_count, status,
                    next_attempt_at, source_committed_at)
                VALUES (?, ?, ?, ?, ?::jsonb, ?, '%s', now(), ?)
                """.formatted(PENDING))) {
            ps.setObject(1, id);
            ps.setObject(2, sink.id());
            ps.setObject(3, sink.pipelineId());
            ps.setString(4, kind);
            ps.setString(5, payload);
            ps.setInt(6, points);
            ps.setTimestamp(7, Timestamp.from(committedAt));
            ps.executeUpdate();
        }
    }

    /** The collecting batch of a sink, locked: its id and point count, or null. */
    static Object[] collecting(Connection c, UUID sinkId) throws SQLException {
        try (PreparedStatement ps =
                c.prepareStatement("SELECT id, point_count FROM sink_deliveries WHERE sink_id = ? AND status = '"
                        + COLLECTING + "' FOR UPDATE")) {
            ps.setObject(1, sinkId);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? new Object[] {rs.getObject(1, UUID.class), rs.getInt(2)} : null;
            }
        }
    }

    static void openBatch(
            Connection c,
            UUID id,
            SinkDefinition sink,
            String payload,
            int points,
            Instant committedAt,
            long waitMillis)
            throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("""
                INSERT INTO sink_deliveries (id, sink_id, pipeline_id, kind, payload, point_count, status, flush_at,
                    source_committed_at)
                VALUES (?, ?, ?, 'batch', ?::jsonb, ?, '%s', now() + ? * interval '1 millisecond', ?)
                """.formatted(COLLECTING))) {
            ps.setObject(1, id);
            ps.setObject(2, sink.id());
            ps.setObject(3, sink.pipelineId());
            ps.setString(4, payload);
            ps.setInt(5, points);
            ps.setLong(6, waitMillis);
            ps.setTimestamp(7, Timestamp.from(committedAt));
            ps.executeUpdate();
        }
    }

    static void appendBatch(Connection c, UUID id, String pointsArray, int points, Instant committedAt)
            throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("""
                UPDATE sink_deliveries SET payload = jsonb_set(payload, '{points}', (payload -> 'points') || ?::jsonb),
                    point_count = point_count + ?, source_committed_at = ?
                WHERE id = ?
                """)) {
            ps.setString(1, pointsArray);
            ps.setInt(2, points);
            ps.setTimestamp(3, Timestamp.from(committedAt));
            ps.setObject(4, id);
            ps.executeUpdate();
        }
    }

    /** Makes a collecting batch due now. */
    static void closeBatch(Connection c, UUID id) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(
                "UPDATE sink_deliveries SET status = '" + PENDING + "', next_attempt_at = now() WHERE id = ?")) {
            ps.setObject(1, id);
            ps.executeUpdate();
        }
    }

    /** The alert states of the given sinks, by sink and series. */
    static Map<UUID, Map<String, AlertEvaluator.State>> alerts(Connection c, List<UUID> sinkIds) throws SQLException {
        Map<UUID, Map<String, AlertEvaluator.State>> out = new HashMap<>();
        try (PreparedStatement ps = c.prepareStatement(
                "SELECT sink_id, series, state, since, fired_at, last_value FROM sink_alerts WHERE sink_id = ANY (?)")) {
            ps.setArray(1, c.createArrayOf("uuid", sinkIds.toArray()));
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    Timestamp fired = rs.getTimestamp("fired_at");
                    out.computeIfAbsent(rs.getObject("sink_id", UUID.class), k -> new HashMap<>())
                            .put(
                                    rs.getString("series"),
                                    new AlertEvaluator.State(
                                            AlertEvaluator.Phase.valueOf(
                                                    rs.getString("state").toUpperCase(java.util.Locale.ROOT)),
                                            rs.getTimestamp("since").toInstant(),
                                            fired == null ? null : fired.toInstant(),
                                            rs.getDouble("last_value")));
                }
            }
        }
        return out;
    }

    static void saveAlert(Connection c, UUID sinkId, String series, AlertEvaluator.State s) throws SQLException {
        if (s == null) {
            try (PreparedStatement ps =
                    c.prepareStatement("DELETE FROM sink_alerts WHERE sink_id = ? AND series = ?")) {
                ps.setObject(1, sinkId);
                ps.setString(2, series);
                ps.executeUpdate();
            }
            return;
        }
        try (PreparedStatement ps = c.prepareStatement("""
                INSERT INTO sink_alerts (sink_id, series, state, since, fired_at, last_value, updated_at)
                VALUES (?, ?, ?, ?, ?, ?, now())
                ON CONFLICT (sink_id, series) DO UPDATE SET state = excluded.state, since = excluded.since,
                    fired_at = excluded.fired_at, last_value = excluded.last_value, updated_at = now()
                """)) {
            ps.setObject(1, sinkId);
            ps.setString(2, series);
            ps.setString(3, s.phase().name().toLowerCase(java.util.Locale.ROOT));
            ps.setTimestamp(4, Timestamp.from(s.since()));
            ps.setTimestamp(5, s.firedAt() == null ? null : Timestamp.from(s.firedAt()));
            ps.setDouble(6, s.lastValue());
            ps.executeUpdate();
        }
    }

    // ---------------------------------------------------------------- delivery workers

    /** Makes every collecting batch past its wait due; returns how many. */
    public int flushDueBatches() throws SQLException {
        try (Connection c = connect();
                PreparedStatement ps = c.prepareStatement("""
                        UPDATE sink_deliveries SET status = '%s', next_attempt_at = now()
                        WHERE status = '%s' AND flush_at <= now()
                        """.formatted(PENDING, COLLECTING))) {
            return ps.executeUpdate();
        }
    }

    /** Enabled sinks with a delivery due and not held by a node. */
    public List<UUID> dueSinks() throws SQLException {
        List<UUID> out = new ArrayList<>();
        try (Connection c = connect();
                PreparedStatement ps = c.prepareStatement("""
                        SELECT DISTINCT d.sink_id FROM sink_deliveries d JOIN pipeline_sinks s ON s.id = d.sink_id
                        WHERE d.status = '%s' AND d.next_attempt_at <= now()
                            AND (d.lease_until IS NULL OR d.lease_until < now()) AND s.enabled
                        LIMIT 10000
                        """.formatted(PENDING));
                ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                out.add(rs.getObject(1, UUID.class));
            }
        }
        return out;
    }

    /** A delivery taken by this node. */
    public record Claimed(UUID id, String kind, String payload, int attempts, Instant createdAt, Instant committedAt) {}

    /** Takes up to {@code n} due deliveries of a sink, oldest first, holding them for {@code leaseMillis}. */
    public List<Claimed> claim(UUID sinkId, int n, long leaseMillis) throws SQLException {
        List<Claimed> out = new ArrayList<>();
        try (Connection c = connect();
                PreparedStatement ps = c.prepareStatement("""
                        UPDATE sink_deliveries d SET lease_until = now() + ? * interval '1 millisecond'
                        FROM (SELECT id FROM sink_deliveries
                              WHERE sink_id = ? AND status = '%s' AND next_attempt_at <= now()
                                  AND (lease_until IS NULL OR lease_until < now())
                              ORDER BY next_attempt_at, created_at LIMIT ? FOR UPDATE SKIP LOCKED) due
                        WHERE d.id = due.id
                        RETURNING d.id, d.kind, d.payload::text, d.attempts, d.created_at, d.source_committed_at
                        """.formatted(PENDING))) {
            ps.setLong(1, leaseMillis);
            ps.setObject(2, sinkId);
            ps.setInt(3, n);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    Timestamp committed = rs.getTimestamp(6);
                    out.add(new Claimed(
                            rs.getObject(1, UUID.class),
                            rs.getString(2),
                            rs.getString(3),
                            rs.getInt(4),
                            rs.getTimestamp(5).toInstant(),
                            committed == null ? null : committed.toInstant()));
                }
            }
        }
        out.sort(java.util.Comparator.comparing(Claimed::createdAt));
        return out;
    }

    /** Gives claimed deliveries back without an attempt (breaker opened, sink switched off, shutdown). */
    public void release(List<UUID> ids) throws SQLException {
        if (ids.isEmpty()) {
            return;
        }
        try (Connection c = connect();
                PreparedStatement ps =
                        c.prepareStatement("UPDATE sink_deliveries SET lease_until = NULL WHERE id = ANY (?)")) {
            ps.setArray(1, c.createArrayOf("uuid", ids.toArray()));
            ps.executeUpdate();
        }
    }

    /**
     * Records an attempt and its consequence for the delivery: delivered, failed for good ({@code next} null
     * and not delivered) or due again at {@code next}.
     */
    public void recordAttempt(UUID id, int attempt, Instant started, AttemptResult r, Instant next)
            throws SQLException {
        DeliveryStatus status = r.delivered()
                ? DeliveryStatus.DELIVERED
                : next == null ? DeliveryStatus.FAILED : DeliveryStatus.PENDING;
        try (Connection c = connect()) {
            c.setAutoCommit(false);
            try (PreparedStatement ps = c.prepareStatement("""
                    INSERT INTO sink_attempts (delivery_id, attempt, started_at, outcome, status_code, response, error,
                        latency_ms, next_attempt_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                    ON CONFLICT (delivery_id, attempt) DO NOTHING
                    """)) {
                ps.setObject(1, id);
                ps.setInt(2, attempt);
                ps.setTimestamp(3, Timestamp.from(started));
                ps.setString(4, r.outcome().db());
                ps.setObject(5, r.statusCode());
                ps.setString(6, clean(r.response()));
                ps.setString(7, clean(r.error()));
                ps.setInt(8, (int) Math.min(Integer.MAX_VALUE, r.latencyMillis()));
                ps.setTimestamp(9, next == null ? null : Timestamp.from(next));
                ps.executeUpdate();
            }
            try (PreparedStatement ps = c.prepareStatement("""
                    UPDATE sink_deliveries SET status = ?, attempts = ?, next_attempt_at = ?, lease_until = NULL,
                        last_attempt_at = ?, last_status_code = ?, last_response = ?, last_error = ?,
                        last_latency_ms = ?, delivered_at = CASE WHEN ? THEN now() ELSE delivered_at END
                    WHERE id = ?
                    """)) {
                ps.setString(1, status.dbName());
                ps.setInt(2, attempt);
                ps.setTimestamp(3, next == null ? null : Timestamp.from(next));
                ps.setTimestamp(4, Timestamp.from(started));
                ps.setObject(5, r.statusCode());
                ps.setString(6, clean(r.response()));
                ps.setString(7, clean(r.error()));
                ps.setInt(8, (int) Math.min(Integer.MAX_VALUE, r.latencyMillis()));
                ps.setBoolean(9, r.delivered());
                ps.setObject(10, id);
                ps.executeUpdate();
            }
            c.commit();
        }
    }

    /** PostgreSQL text cannot hold U+0000. */
    private static String clean(String s) {
        return s == null ? null : s.replace('\u0000', '\uFFFD');
    }

    /** A sink's failure streak after one more failure: how many, since when. */
    public record Streak(int failures, Instant since) {}

    public Streak failed(UUID sinkId) throws SQLException {
        try (Connection c = connect();
                PreparedStatement ps = c.prepareStatement("""
                        UPDATE pipeline_sinks SET failure_streak = failure_streak + 1,
                            failing_since = coalesce(failing_since, now())
                        WHERE id = ? RETURNING failure_streak, failing_since
                        """)) {
            ps.setObject(1, sinkId);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? new Streak(rs.getInt(1), rs.getTimestamp(2).toInstant()) : new Streak(0, null);
            }
        }
    }

    public void succeeded(UUID sinkId) throws SQLException {
        try (Connection c = connect();
                PreparedStatement ps = c.prepareStatement("""
                        UPDATE pipeline_sinks SET failure_streak = 0, failing_since = NULL
                        WHERE id = ? AND failure_streak > 0
                        """)) {
            ps.setObject(1, sinkId);
            ps.executeUpdate();
        }
    }

    /** Switches a sink off with the reason; true if this call did (so one notice is sent). */
    public boolean disable(UUID sinkId, String reason) throws SQLException {
        try (Connection c = connect();
                PreparedStatement ps = c.prepareStatement("""
                        UPDATE pipeline_sinks SET enabled = false, disabled_reason = ?, disabled_at = now(),
                            updated_at = now()
                        WHERE id = ? AND enabled
                        """)) {
            ps.setString(1, reason);
            ps.setObject(2, sinkId);
            return ps.executeUpdate() == 1;
        }
    }

    /** E-mail addresses of the team's owners and admins. */
    public List<String> admins(UUID teamId) throws SQLException {
        List<String> out = new ArrayList<>();
        try (Connection c = connect();
                PreparedStatement ps = c.prepareStatement("""
                        SELECT DISTINCT u.email FROM memberships m JOIN users u ON u.id = m.user_id
                        WHERE m.team_id = ? AND m.active AND m.role IN ('owner', 'admin')
                        """)) {
            ps.setObject(1, teamId);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(rs.getString(1));
                }
            }
        }
        return out;
    }

    /** Deliveries due or collecting, and the age in milliseconds of the oldest due one (0 when none). */
    public long[] backlog() throws SQLException {
        try (Connection c = connect();
                PreparedStatement ps = c.prepareStatement("""
                        SELECT count(*), coalesce(extract(epoch FROM now() - min(next_attempt_at)
                            FILTER (WHERE status = '%1$s' AND next_attempt_at <= now())) * 1000, 0)::bigint
                        FROM sink_deliveries WHERE status IN ('%1$s', '%2$s')
                        """.formatted(PENDING, COLLECTING));
                ResultSet rs = ps.executeQuery()) {
            rs.next();
            return new long[] {rs.getLong(1), rs.getLong(2)};
        }
    }
}
