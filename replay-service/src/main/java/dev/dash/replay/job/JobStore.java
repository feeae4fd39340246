package dev.dash.replay.job;

import dev.dash.model.db.AuditRows;
import dev.dash.model.replay.ReplayState;
import dev.dash.model.silver.SilverRollups;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Collection;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

/** SQL of the replay jobs (docs/replay.md); every method runs on the caller's connection and transaction. */
final class JobStore {
    /** States of a replay not yet ended: every state but the final ones. */
    static final Set<ReplayState> OPEN = EnumSet.of(
            ReplayState.QUEUED, ReplayState.WAITING_FOR_ARCHIVE, ReplayState.RUNNING, ReplayState.CUTTING_OVER);

    private JobStore() {}

    /** What a job needs of its replay row. */
    record Job(
            UUID id,
            UUID pipelineId,
            UUID teamId,
            String kind,
            int targetVersion,
            Instant windowFrom,
            Instant windowTo,
            ReplayState state,
            boolean cancelRequested,
            String owner,
            Instant minPointTime,
            Instant maxPointTime) {
        boolean mapping() {
            return "mapping".equals(kind);
        }
    }

    /** One Bronze object to replay. */
    record BronzeObject(String key, int partition, long startOffset, long endOffset, int events, long bytes) {}

    /** What one object gave, added to the replay's counters with its checkpoint. */
    record ObjectDone(
            String key,
            long events,
            long points,
            long bytes,
            long errors,
            Instant minPointTime,
            Instant maxPointTime,
            Collection<UUID> resolved) {}

    /** Queued replays become waiting for the archive (no node needs to hold them for that); returns their ids. */
    static List<UUID> queuedToWaiting(Connection c) throws SQLException {
        List<UUID> out = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement("UPDATE replays SET state = 'waiting_for_archive', updated_at = "
                + "now() WHERE state = 'queued' AND NOT cancel_requested RETURNING id")) {
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(rs.getObject(1, UUID.class));
                }
            }
        }
        return out;
    }

    /**
     * Takes one replay to run: one that was running (or cutting over) on a node whose lease ran out, or one
     * waiting for the archive whose wait is over: a mapping replay once every one of the {@code partitions}
     * of {@code dash.raw} has a dual-write boundary the archiver has passed, a quarantine replay once the
     * archiver has passed all its events. Waiting replays hold no node and no slot, so a pipeline whose
     * writers are down delays only itself. Null when there is none.
     */
    static UUID claim(Connection c, String node, Duration lease, int partitions) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("""
                UPDATE replays SET owner_node = ?, lease_until = now() + ? * interval '1 millisecond',
                                   started_at = coalesce(started_at, now()), updated_at = now()
                WHERE id = (
                    SELECT r.id FROM replays r
                    WHERE (r.lease_until IS NULL OR r.lease_until < now())
                      AND (r.state IN ('running', 'cutting_over')
                           OR (r.state = 'waiting_for_archive' AND (r.cancel_requested OR CASE r.kind
                               WHEN 'mapping' THEN (
                                   SELECT count(*) FROM dual_write_boundaries b
                                   LEFT JOIN bronze_progress g ON g.kafka_partition = b.kafka_partition
                                   WHERE b.pipeline_id = r.pipeline_id AND b.mapping_version = r.target_version
                                     AND b.kafka_partition < ? AND coalesce(g.next_offset, 0) >= b.boundary_offset) = ?
                               ELSE NOT EXISTS (
                                   SELECT 1 FROM quarantine q
                                   LEFT JOIN bronze_progress g ON g.kafka_partition = q.kafka_partition
                                   WHERE q.pipeline_id = r.pipeline_id AND q.mapping_version = r.target_version
                                     AND q.resolved_at IS NULL AND q.bronze_key IS NULL AND q.kafka_offset IS NOT NULL
                                     AND coalesce(g.next_offset, 0) <= q.kafka_offset)
                               END)))
                    ORDER BY r.inserted_at LIMIT 1 FOR UPDATE OF r SKIP LOCKED)
                RETURNING id
                """)) {
            ps.setString(1, node);
            ps.setLong(2, lease.toMillis());
            ps.setInt(3, partitions);
            ps.setInt(4, partitions);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getObject(1, UUID.class) : null;
            }
        }
    }

    /** Extends the leases of the given jobs; returns those still this node's. */
    static Set<UUID> renew(Connection c, Collection<UUID> ids, String node, Duration lease) throws SQLException {
        Set<UUID> held = new HashSet<>();
        if (ids.isEmpty()) {
            return held;
        }
        try (PreparedStatement ps = c.prepareStatement("""
                UPDATE replays SET lease_until = now() + ? * interval '1 millisecond'
                WHERE id = ANY (?) AND owner_node = ? AND state IN ('queued', 'waiting_for_archive', 'running', 'cutting_over')
                RETURNING id
                """)) {
            ps.setLong(1, lease.toMillis());
            ps.setArray(2, c.createArrayOf("uuid", ids.toArray()));
            ps.setString(3, node);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    held.add(rs.getObject(1, UUID.class));
                }
            }
        }
        return held;
    }

    /** Gives back this node's jobs (a clean shutdown), so another node resumes them without waiting. */
    static int release(Connection c, String node) throws SQLException {
        try (PreparedStatement ps =
                c.prepareStatement("UPDATE replays SET owner_node = NULL, lease_until = NULL WHERE owner_node = ? "
                        + "AND state IN ('queued', 'waiting_for_archive', 'running', 'cutting_over')")) {
            ps.setString(1, node);
            return ps.executeUpdate();
        }
    }

    static Job load(Connection c, UUID id, boolean forUpdate) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("""
                SELECT id, pipeline_id, team_id, kind, target_version, window_from, window_to, state,
                       cancel_requested, owner_node, min_point_time, max_point_time
                FROM replays WHERE id = ?""" + (forUpdate ? " FOR UPDATE" : ""))) {
            ps.setObject(1, id);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    return null;
                }
                return new Job(
                        rs.getObject(1, UUID.class),
                        rs.getObject(2, UUID.class),
                        rs.getObject(3, UUID.class),
                        rs.getString(4),
                        rs.getInt(5),
                        instant(rs, 6),
                        instant(rs, 7),
                        ReplayState.of(rs.getString(8)),
                        rs.getBoolean(9),
                        rs.getString(10),
                        instant(rs, 11),
                        instant(rs, 12));
            }
        }
    }

    /** Moves a job this node holds from one state to the next, unless a cancel was asked for; false if not. */
    static boolean advance(Connection c, UUID id, String node, ReplayState from, ReplayState to) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(
                "UPDATE replays SET state = ?, updated_at = now() WHERE id = ? AND owner_node = ? AND state = ? "
                        + "AND NOT cancel_requested")) {
            ps.setString(1, to.dbName());
            ps.setObject(2, id);
            ps.setString(3, node);
            ps.setString(4, from.dbName());
            return ps.executeUpdate() == 1;
        }
    }

    /** The target version's status and document, or null when it is gone. */
    record Version(String status, String document) {}

    static Version version(Connection c, UUID pipelineId, int version) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(
                "SELECT status, document::text FROM data_mappings WHERE pipeline_id = ? AND version = ?")) {
            ps.setObject(1, pipelineId);
            ps.setInt(2, version);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? new Version(rs.getString(1), rs.getString(2)) : null;
            }
        }
    }

    /** Whether the pipeline keeps mapped records ({@code persist_data}); null when the pipeline is gone. */
    static Boolean persistData(Connection c, UUID pipelineId) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT persist_data FROM pipelines WHERE id = ?")) {
            ps.setObject(1, pipelineId);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getBoolean(1) : null;
            }
        }
    }

    /** The dual-write boundaries recorded for the version, by partition. */
    static Map<Integer, Long> boundaries(Connection c, UUID pipelineId, int version) throws SQLException {
        Map<Integer, Long> out = new HashMap<>();
        try (PreparedStatement ps = c.prepareStatement("SELECT kafka_partition, boundary_offset FROM "
                + "dual_write_boundaries WHERE pipeline_id = ? AND mapping_version = ?")) {
            ps.setObject(1, pipelineId);
            ps.setInt(2, version);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.put(rs.getInt(1), rs.getLong(2));
                }
            }
        }
        return out;
    }

    /**
     * The Bronze objects a mapping replay reads: the pipeline's objects that start before the boundary of
     * their partition (from the boundary on, live writers dual-wrote), overlapping the window, oldest first.
     */
    static List<BronzeObject> mappingObjects(Connection c, Job job) throws SQLException {
        return objects(c, """
                SELECT m.object_key, m.kafka_partition, m.start_offset, m.end_offset, m.events, m.bytes
                FROM bronze_manifest m
                LEFT JOIN dual_write_boundaries b ON b.pipeline_id = m.pipeline_id AND b.mapping_version = ?
                                                 AND b.kafka_partition = m.kafka_partition
                WHERE m.pipeline_id = ? AND (b.boundary_offset IS NULL OR m.start_offset < b.boundary_offset)
                  AND (?::timestamptz IS NULL OR m.max_received_at >= ?) AND (?::timestamptz IS NULL OR m.min_received_at < ?)
                ORDER BY m.min_received_at, m.kafka_partition, m.start_offset
                """, job);
    }

    /** The Bronze objects holding the version's open quarantined events. */
    static List<BronzeObject> quarantineObjects(Connection c, Job job) throws SQLException {
        return objects(c, """
                SELECT DISTINCT m.object_key, m.kafka_partition, m.start_offset, m.end_offset, m.events, m.bytes,
                       m.min_received_at
                FROM quarantine q JOIN bronze_manifest m ON m.pipeline_id = q.pipeline_id
                 AND (m.object_key = q.bronze_key
                      OR (q.bronze_key IS NULL AND m.kafka_partition = q.kafka_partition
                          AND q.kafka_offset BETWEEN m.start_offset AND m.end_offset))
                WHERE q.mapping_version = ? AND q.pipeline_id = ? AND q.resolved_at IS NULL
                  AND (?::timestamptz IS NULL OR q.received_at >= ?) AND (?::timestamptz IS NULL OR q.received_at < ?)
                ORDER BY m.min_received_at, m.kafka_partition, m.start_offset
                """, job);
    }

    private static List<BronzeObject> objects(Connection c, String sql, Job job) throws SQLException {
        List<BronzeObject> out = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setInt(1, job.targetVersion());
            ps.setObject(2, job.pipelineId());
            window(ps, 3, job);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(new BronzeObject(
                            rs.getString(1), rs.getInt(2), rs.getLong(3), rs.getLong(4), rs.getInt(5), rs.getLong(6)));
                }
            }
        }
        return out;
    }

    /** The version's open quarantined event ids (for a quarantine replay). */
    static Set<UUID> quarantined(Connection c, Job job) throws SQLException {
        Set<UUID> out = new HashSet<>();
        try (PreparedStatement ps = c.prepareStatement("""
                SELECT event_id FROM quarantine WHERE pipeline_id = ? AND mapping_version = ? AND resolved_at IS NULL
                  AND (?::timestamptz IS NULL OR received_at >= ?) AND (?::timestamptz IS NULL OR received_at < ?)
                """)) {
            ps.setObject(1, job.pipelineId());
            ps.setInt(2, job.targetVersion());
            window(ps, 3, job);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(rs.getObject(1, UUID.class));
                }
            }
        }
        return out;
    }

    /** Keys of the objects already done by an earlier run of this job. */
    static Set<String> checkpoints(Connection c, UUID replayId) throws SQLException {
        Set<String> out = new HashSet<>();
        try (PreparedStatement ps =
                c.prepareStatement("SELECT object_key FROM replay_checkpoints WHERE replay_id = ?")) {
            ps.setObject(1, replayId);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(rs.getString(1));
                }
            }
        }
        return out;
    }

    /** Records the plan's size (objects and bytes, those done before included). */
    static void planned(Connection c, UUID id, int objects, long bytes, int done) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(
                "UPDATE replays SET objects_total = ?, bytes_total = ?, objects_done = ?, updated_at = now() WHERE id = ?")) {
            ps.setInt(1, objects);
            ps.setLong(2, bytes);
            ps.setInt(3, done);
            ps.setObject(4, id);
            ps.executeUpdate();
        }
    }

    /**
     * The object's checkpoint and the replay's counters, in one transaction with the lease renewed; returns
     * whether a cancel was asked for, or null when this node no longer holds the job (nothing is recorded).
     */
    static Boolean checkpoint(Connection c, UUID id, String node, Duration lease, ObjectDone d) throws SQLException {
        Boolean cancel;
        try (PreparedStatement ps = c.prepareStatement("""
                UPDATE replays SET objects_done = objects_done + 1, events_read = events_read + ?,
                       points_written = points_written + ?, bytes_read = bytes_read + ?, error_count = error_count + ?,
                       min_point_time = least(min_point_time, ?), max_point_time = greatest(max_point_time, ?),
                       lease_until = now() + ? * interval '1 millisecond', updated_at = now()
                WHERE id = ? AND owner_node = ? AND state = 'running'
                RETURNING cancel_requested
                """)) {
            ps.setLong(1, d.events());
            ps.setLong(2, d.points());
            ps.setLong(3, d.bytes());
            ps.setLong(4, d.errors());
            ps.setTimestamp(5, ts(d.minPointTime()));
            ps.setTimestamp(6, ts(d.maxPointTime()));
            ps.setLong(7, lease.toMillis());
            ps.setObject(8, id);
            ps.setString(9, node);
            try (ResultSet rs = ps.executeQuery()) {
                cancel = rs.next() ? rs.getBoolean(1) : null;
            }
        }
        if (cancel == null) {
            return null;
        }
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO replay_checkpoints (replay_id, object_key, events, "
                + "points) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING")) {
            ps.setObject(1, id);
            ps.setString(2, d.key());
            ps.setLong(3, d.events());
            ps.setLong(4, d.points());
            ps.executeUpdate();
        }
        return cancel;
    }

    /** Marks quarantined events that now map as resolved. */
    static void resolve(Connection c, Job job, Collection<UUID> eventIds) throws SQLException {
        if (eventIds.isEmpty()) {
            return;
        }
        try (PreparedStatement ps =
                c.prepareStatement("UPDATE quarantine SET resolved_at = now() WHERE pipeline_id = ? "
                        + "AND mapping_version = ? AND event_id = ANY (?) AND resolved_at IS NULL")) {
            ps.setObject(1, job.pipelineId());
            ps.setInt(2, job.targetVersion());
            Array ids = c.createArrayOf("uuid", eventIds.toArray());
            ps.setArray(3, ids);
            ps.executeUpdate();
        }
    }

    /**
     * The cut-over, in the caller's transaction: version n retired, n+1 active and the pipeline's active
     * version, the replay succeeded. False (nothing changed) when the job is no longer this node's or the
     * version no longer pending.
     */
    static boolean cutOver(Connection c, Job job, String node) throws SQLException {
        Job locked = load(c, job.id(), true);
        if (locked == null || locked.state() != ReplayState.CUTTING_OVER || !node.equals(locked.owner())) {
            return false;
        }
        try (PreparedStatement ps = c.prepareStatement("UPDATE data_mappings SET status = 'retired', ended_at = now() "
                + "WHERE pipeline_id = ? AND status = 'active'")) {
            ps.setObject(1, job.pipelineId());
            ps.executeUpdate();
        }
        try (PreparedStatement ps =
                c.prepareStatement("UPDATE data_mappings SET status = 'active', activated_at = now() "
                        + "WHERE pipeline_id = ? AND version = ? AND status = 'pending'")) {
            ps.setObject(1, job.pipelineId());
            ps.setInt(2, job.targetVersion());
            if (ps.executeUpdate() != 1) {
                return false;
            }
        }
        try (PreparedStatement ps = c.prepareStatement(
                "UPDATE pipelines SET active_mapping_version = ?, updated_at = now() WHERE id = ?")) {
            ps.setInt(1, job.targetVersion());
            ps.setObject(2, job.pipelineId());
            ps.executeUpdate();
        }
        try (PreparedStatement ps =
                c.prepareStatement("DELETE FROM dual_write_boundaries WHERE pipeline_id = ? AND mapping_version = ?")) {
            ps.setObject(1, job.pipelineId());
            ps.setInt(2, job.targetVersion());
            ps.executeUpdate();
        }
        finish(c, job, ReplayState.SUCCEEDED, null);
        audit(c, job, "replay.cut_over");
        return true;
    }

    /** A quarantine replay's end: nothing to switch. */
    static boolean succeed(Connection c, Job job, String node) throws SQLException {
        Job locked = load(c, job.id(), true);
        if (locked == null || !node.equals(locked.owner()) || !OPEN.contains(locked.state())) {
            return false;
        }
        finish(c, job, ReplayState.SUCCEEDED, null);
        audit(c, job, "replay.succeed");
        return true;
    }

    /**
     * Ends a replay as failed or cancelled, in the caller's transaction: a mapping replay's pending version
     * gets the same status and stops being written; the active version is not touched.
     */
    static boolean abandon(Connection c, Job job, String node, ReplayState state, String error) throws SQLException {
        Job locked = load(c, job.id(), true);
        if (locked == null || !OPEN.contains(locked.state()) || (node != null && !node.equals(locked.owner()))) {
            return false;
        }
        finish(c, job, state, error);
        if (job.mapping()) {
            try (PreparedStatement ps = c.prepareStatement("UPDATE data_mappings SET status = ?, ended_at = now() "
                    + "WHERE pipeline_id = ? AND version = ? AND status = 'pending'")) {
                // The pending version ends as the replay does: failed or cancelled (data_mappings' own names).
                ps.setString(1, state.dbName());
                ps.setObject(2, job.pipelineId());
                ps.setInt(3, job.targetVersion());
                ps.executeUpdate();
            }
            try (PreparedStatement ps = c.prepareStatement("UPDATE pipelines SET updated_at = now() WHERE id = ?")) {
                ps.setObject(1, job.pipelineId());
                ps.executeUpdate();
            }
        }
        audit(c, job, "replay." + (state == ReplayState.FAILED ? "fail" : "cancel"));
        return true;
    }

    private static void finish(Connection c, Job job, ReplayState state, String error) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("""
                UPDATE replays SET state = ?, last_error = coalesce(?, last_error), cancel_requested = false,
                       finished_at = now(), updated_at = now(), owner_node = NULL, lease_until = NULL
                WHERE id = ?
                """)) {
            ps.setString(1, state.dbName());
            ps.setString(2, error);
            ps.setObject(3, job.id());
            ps.executeUpdate();
        }
    }

    /** Notes an error the job recovers from (a retried write), for the API. */
    static void lastError(Connection c, UUID id, String error) throws SQLException {
        try (PreparedStatement ps =
                c.prepareStatement("UPDATE replays SET last_error = ?, updated_at = now() WHERE id = ?")) {
            ps.setString(1, error);
            ps.setObject(2, id);
            ps.executeUpdate();
        }
    }

    private static void audit(Connection c, Job job, String action) throws SQLException {
        AuditRows.writeRow(c, null, "dash-replay", action, AuditRows.Table.REPLAYS, job.id());
    }

    /** Which Silver variant the database has: {@code timescaledb} or {@code plain}. */
    static String variant(Connection c) throws SQLException {
        try (Statement st = c.createStatement();
                ResultSet rs = st.executeQuery("SELECT dash_silver_variant()")) {
            rs.next();
            return rs.getString(1);
        }
    }

    /**
     * Rebuilds the 1-minute and 1-hour rollups over every bucket that [from, to] touches, on either Silver
     * variant ({@link SilverRollups#refresh}). The watermark of the live rollup job is not moved.
     */
    static void refreshRollups(Connection c, Instant from, Instant to) throws SQLException {
        SilverRollups.refresh(c, from, to);
    }

    /**
     * Rebuilds the rollups of one pipeline's mapping version only, over every bucket that [from, to] touches
     * ({@link SilverRollups#refresh(Connection, UUID, Integer, Instant, Instant)}): what a replay wrote.
     */
    static void refreshRollups(Connection c, UUID pipelineId, int version, Instant from, Instant to)
            throws SQLException {
        SilverRollups.refresh(c, pipelineId, version, from, to);
    }

    private static void window(PreparedStatement ps, int at, Job job) throws SQLException {
        ps.setTimestamp(at, ts(job.windowFrom()));
        ps.setTimestamp(at + 1, ts(job.windowFrom()));
        ps.setTimestamp(at + 2, ts(job.windowTo()));
        ps.setTimestamp(at + 3, ts(job.windowTo()));
    }

    private static Timestamp ts(Instant i) {
        return i == null ? null : Timestamp.from(i);
    }

    private static Instant instant(ResultSet rs, int column) throws SQLException {
        OffsetDateTime t = rs.getObject(column, OffsetDateTime.class);
        return t == null ? null : t.toInstant();
    }
}
