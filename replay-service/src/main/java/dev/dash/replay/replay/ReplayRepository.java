package dev.dash.replay.replay;

import dev.dash.model.db.AuditRows;
import dev.dash.model.replay.Replay;
import dev.dash.model.replay.ReplayRates;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/** SQL of the replays table; every method runs on the caller's connection (and transaction). */
public final class ReplayRepository {
    private static final String COLUMNS = "id, pipeline_id, team_id, kind, from_version, target_version, window_from, "
            + "window_to, state, cancel_requested, objects_total, objects_done, events_read, points_written, "
            + "bytes_read, bytes_total, error_count, last_error, inserted_at, started_at, finished_at, updated_at";

    private ReplayRepository() {}

    /** The pipeline's team, active version and pending version; null when there is no such pipeline. */
    record PipelineVersions(UUID teamId, Integer activeVersion, Integer pendingVersion) {}

    static PipelineVersions pipeline(Connection c, UUID pipelineId) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT p.team_id, p.active_mapping_version, "
                + "(SELECT version FROM data_mappings d WHERE d.pipeline_id = p.id AND d.status = 'pending') "
                + "FROM pipelines p WHERE p.id = ?")) {
            ps.setObject(1, pipelineId);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    return null;
                }
                return new PipelineVersions(
                        rs.getObject(1, UUID.class), (Integer) rs.getObject(2), (Integer) rs.getObject(3));
            }
        }
    }

    /** Status of one mapping version, or null. */
    static String versionStatus(Connection c, UUID pipelineId, int version) throws SQLException {
        try (PreparedStatement ps =
                c.prepareStatement("SELECT status FROM data_mappings WHERE pipeline_id = ? AND version = ?")) {
            ps.setObject(1, pipelineId);
            ps.setInt(2, version);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getString(1) : null;
            }
        }
    }

    /** The open replay of a pipeline, or null. */
    static UUID openReplay(Connection c, UUID pipelineId) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT id FROM replays WHERE pipeline_id = ? "
                + "AND state IN ('queued', 'waiting_for_archive', 'running', 'cutting_over')")) {
            ps.setObject(1, pipelineId);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getObject(1, UUID.class) : null;
            }
        }
    }

    static void insert(
            Connection c,
            UUID id,
            UUID pipelineId,
            UUID teamId,
            String kind,
            Integer fromVersion,
            int targetVersion,
            Instant from,
            Instant to,
            UUID requestedBy)
            throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(
                "INSERT INTO replays (id, pipeline_id, team_id, kind, from_version, target_version, window_from, "
                        + "window_to, state, requested_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'queued', ?)")) {
            ps.setObject(1, id);
            ps.setObject(2, pipelineId);
            ps.setObject(3, teamId);
            ps.setString(4, kind);
            ps.setObject(5, fromVersion);
            ps.setInt(6, targetVersion);
            ps.setTimestamp(7, from == null ? null : Timestamp.from(from));
            ps.setTimestamp(8, to == null ? null : Timestamp.from(to));
            ps.setObject(9, requestedBy);
            ps.executeUpdate();
        }
    }

    public static Replay find(Connection c, UUID id, boolean forUpdate) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(
                "SELECT " + COLUMNS + " FROM replays WHERE id = ?" + (forUpdate ? " FOR UPDATE" : ""))) {
            ps.setObject(1, id);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? map(rs) : null;
            }
        }
    }

    static List<Replay> byPipeline(Connection c, UUID pipelineId, int limit) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT " + COLUMNS
                + " FROM replays WHERE pipeline_id = ? ORDER BY inserted_at DESC, id DESC LIMIT ?")) {
            ps.setObject(1, pipelineId);
            ps.setInt(2, limit);
            try (ResultSet rs = ps.executeQuery()) {
                List<Replay> out = new ArrayList<>();
                while (rs.next()) {
                    out.add(map(rs));
                }
                return out;
            }
        }
    }

    /** Ends a replay that no job holds yet (queued or waiting), and its pending version with it. */
    static void cancelNow(Connection c, Replay r) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(
                "UPDATE replays SET state = 'cancelled', finished_at = now(), updated_at = now(), owner_node = NULL, "
                        + "lease_until = NULL WHERE id = ?")) {
            ps.setObject(1, r.id());
            ps.executeUpdate();
        }
        if ("mapping".equals(r.kind())) {
            try (PreparedStatement ps = c.prepareStatement("UPDATE data_mappings SET status = 'cancelled', "
                    + "ended_at = now() WHERE pipeline_id = ? AND version = ? AND status = 'pending'")) {
                ps.setObject(1, r.pipelineId());
                ps.setInt(2, r.targetVersion());
                ps.executeUpdate();
            }
            // A newer revision, so the ingestors' caches take the snapshot published after the commit.
            try (PreparedStatement ps = c.prepareStatement("UPDATE pipelines SET updated_at = now() WHERE id = ?")) {
                ps.setObject(1, r.pipelineId());
                ps.executeUpdate();
            }
        }
    }

    /** Asks the job holding a replay to stop at its next checkpoint. */
    static void requestCancel(Connection c, UUID id) throws SQLException {
        try (PreparedStatement ps =
                c.prepareStatement("UPDATE replays SET cancel_requested = true, updated_at = now() WHERE id = ?")) {
            ps.setObject(1, id);
            ps.executeUpdate();
        }
    }

    static void audit(Connection c, UUID userId, String subject, String action, UUID replayId) throws SQLException {
        AuditRows.writeRow(c, userId, subject, action, AuditRows.Table.REPLAYS, replayId);
    }

    private static Replay map(ResultSet rs) throws SQLException {
        Instant started = instant(rs, "started_at");
        Instant finished = instant(rs, "finished_at");
        Instant updated = instant(rs, "updated_at");
        String state = rs.getString("state");
        long eventsRead = rs.getLong("events_read");
        int total = rs.getInt("objects_total");
        int done = rs.getInt("objects_done");
        Instant until = finished != null ? finished : Replay.isFinal(state) ? updated : Instant.now();
        return new Replay(
                rs.getObject("id", UUID.class),
                rs.getObject("pipeline_id", UUID.class),
                rs.getObject("team_id", UUID.class),
                rs.getString("kind"),
                (Integer) rs.getObject("from_version"),
                rs.getInt("target_version"),
                instant(rs, "window_from"),
                instant(rs, "window_to"),
                state,
                rs.getBoolean("cancel_requested"),
                total,
                done,
                eventsRead,
                rs.getLong("points_written"),
                rs.getLong("bytes_read"),
                rs.getLong("error_count"),
                rs.getString("last_error"),
                ReplayRates.eventsPerSecond(eventsRead, started, until),
                ReplayRates.etaSeconds(
                        rs.getLong("bytes_total"),
                        rs.getLong("bytes_read"),
                        started,
                        Instant.now(),
                        Replay.isFinal(state)),
                instant(rs, "inserted_at"),
                started,
                finished);
    }

    private static Instant instant(ResultSet rs, String column) throws SQLException {
        OffsetDateTime t = rs.getObject(column, OffsetDateTime.class);
        return t == null ? null : t.toInstant();
    }
}
