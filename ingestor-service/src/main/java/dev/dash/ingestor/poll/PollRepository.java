package dev.dash.ingestor.poll;

import com.fasterxml.jackson.databind.JsonNode;
import dev.dash.model.json.Json;
import dev.dash.model.pipeline.PipelineStatus;
import dev.dash.model.poll.PollRunStatus;
import io.agroal.api.AgroalDataSource;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.IOException;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;

/**
 * The shared poll schedule in {@code poll_state}: which node owns a pipeline's poll (a lease), the cursor,
 * and the run's outcome. A due pipeline is claimed by exactly one node: the claim locks due rows with
 * {@code FOR UPDATE SKIP LOCKED} and sets the owner in an {@code UPDATE} whose condition PostgreSQL re-checks
 * on the locked row, so two nodes claiming at once cannot both win. Blocking JDBC, called from the poller's worker threads.
 */
@ApplicationScoped
public class PollRepository {
    private static final String LEASE =
            "make_interval(secs => least(?, greatest(coalesce(p.interval_seconds, 60), 2)))";
    /**
     * Due pipelines, found through the index on {@code next_poll_at} (the work grows with the polls due, not with
     * the pipelines there are), locked with {@code SKIP LOCKED} so that nodes claiming at once take different
     * rows, and claimed by an {@code UPDATE} whose condition PostgreSQL re-checks on the locked row.
     */
    private static final String CLAIM = """
            WITH due AS (
                SELECT s.pipeline_id AS id, p.interval_seconds
                FROM poll_state s JOIN pipelines p ON p.id = s.pipeline_id
                WHERE s.next_poll_at <= now() AND coalesce(s.lease_until, '-infinity') < now()
                  AND p.type = 'polling' AND p.status = '%s' AND p.source_config IS NOT NULL
                ORDER BY s.next_poll_at
                LIMIT ?
                FOR UPDATE OF s SKIP LOCKED
            ), claimed AS (
                UPDATE poll_state s
                SET owner_node = ?, lease_until = now() + make_interval(secs => least(?, greatest(coalesce(d.interval_seconds, 60), 2))),
                    due_at = s.next_poll_at, last_started_at = now(), updated_at = now()
                FROM due d
                WHERE s.pipeline_id = d.id AND s.next_poll_at <= now() AND coalesce(s.lease_until, '-infinity') < now()
                RETURNING s.pipeline_id, s.cursor, s.due_at, s.last_started_at
            )
            SELECT c.pipeline_id, c.cursor::text AS cursor, c.due_at, c.last_started_at, p.team_id, p.interval_seconds,
                   p.source_type, p.source_config, p.dedupe_window_seconds
            FROM claimed c JOIN pipelines p ON p.id = c.pipeline_id
            """.formatted(PipelineStatus.ACTIVE.dbName());
    /**
     * Puts active polling pipelines without a schedule entry (just created) on the schedule, due now, and makes
     * an entry without a next run due now. The only statement that reads every pipeline, so it runs less often
     * than the claim.
     */
    private static final String ADOPT = """
            INSERT INTO poll_state AS s (pipeline_id, next_poll_at)
            SELECT p.id, now() FROM pipelines p
            WHERE p.type = 'polling' AND p.status = '%s' AND p.source_config IS NOT NULL
              AND NOT EXISTS (SELECT 1 FROM poll_state x WHERE x.pipeline_id = p.id AND x.next_poll_at IS NOT NULL)
            ON CONFLICT (pipeline_id) DO UPDATE SET next_poll_at = now(), updated_at = now()
                WHERE s.next_poll_at IS NULL
            """.formatted(PipelineStatus.ACTIVE.dbName());

    private final AgroalDataSource dataSource;

    public PollRepository(AgroalDataSource dataSource) {
        this.dataSource = dataSource;
    }

    /**
     * A claimed poll.
     *
     * @param pipelineId the pipeline
     * @param teamId its team
     * @param intervalSeconds its interval
     * @param sourceType {@code http} or {@code graphql}
     * @param sourceConfig the encrypted source configuration
     * @param dedupeWindowSeconds how long delivery ids are remembered
     * @param cursor the stored state, or null
     * @param dueAt when this poll was due
     * @param startedAt when it was claimed
     */
    public record Job(
            UUID pipelineId,
            UUID teamId,
            int intervalSeconds,
            String sourceType,
            byte[] sourceConfig,
            int dedupeWindowSeconds,
            JsonNode cursor,
            Instant dueAt,
            Instant startedAt) {}

    /**
     * How a run ended.
     *
     * @param status how the run ended
     * @param error the reason of a failure, or null
     * @param records records published
     * @param pages pages fetched
     * @param nextPollAt when the pipeline is next due
     * @param latenessMs how late the run started after its slot
     * @param late whether that counts as late
     */
    public record Outcome(
            PollRunStatus status,
            String error,
            long records,
            int pages,
            Instant nextPollAt,
            long latenessMs,
            boolean late) {}

    /** Claims up to {@code limit} due pipelines for {@code node}. */
    public List<Job> claim(String node, long leaseSeconds, int limit) throws SQLException {
        List<Job> out = new ArrayList<>();
        try (Connection c = dataSource.getConnection();
                PreparedStatement ps = c.prepareStatement(CLAIM)) {
            ps.setInt(1, limit);
            ps.setString(2, node);
            ps.setLong(3, leaseSeconds);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(new Job(
                            rs.getObject("pipeline_id", UUID.class),
                            rs.getObject("team_id", UUID.class),
                            rs.getInt("interval_seconds"),
                            rs.getString("source_type"),
                            rs.getBytes("source_config"),
                            rs.getInt("dedupe_window_seconds"),
                            json(rs.getString("cursor")),
                            rs.getTimestamp("due_at").toInstant(),
                            rs.getTimestamp("last_started_at").toInstant()));
                }
            }
        }
        return out;
    }

    /** Puts new polling pipelines on the schedule, due now; returns how many. */
    public int adopt() throws SQLException {
        try (Connection c = dataSource.getConnection();
                PreparedStatement ps = c.prepareStatement(ADOPT)) {
            return ps.executeUpdate();
        }
    }

    /** Renews the leases of the given polls; returns the ids this node still owns. */
    public Set<UUID> renew(String node, long leaseSeconds, Collection<UUID> ids) throws SQLException {
        Set<UUID> kept = new HashSet<>();
        if (ids.isEmpty()) {
            return kept;
        }
        try (Connection c = dataSource.getConnection();
                PreparedStatement ps = c.prepareStatement("UPDATE poll_state s SET lease_until = now() + " + LEASE
                        + " FROM pipelines p WHERE p.id = s.pipeline_id AND s.owner_node = ? AND s.pipeline_id = ANY(?)"
                        + " RETURNING s.pipeline_id")) {
            ps.setLong(1, leaseSeconds);
            ps.setString(2, node);
            Array a = c.createArrayOf("uuid", ids.toArray());
            ps.setArray(3, a);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    kept.add(rs.getObject(1, UUID.class));
                }
            }
        }
        return kept;
    }

    /** Saves the state after a page was acknowledged; false when this node no longer owns the poll. */
    public boolean saveProgress(String node, UUID pipelineId, JsonNode state) throws SQLException {
        try (Connection c = dataSource.getConnection();
                PreparedStatement ps = c.prepareStatement(
                        "UPDATE poll_state SET cursor = ?::jsonb, updated_at = now() WHERE pipeline_id = ? AND owner_node = ?")) {
            ps.setString(1, state.toString());
            ps.setObject(2, pipelineId);
            ps.setString(3, node);
            return ps.executeUpdate() == 1;
        }
    }

    /** Ends a run: saves the state and the outcome, releases the lease; false when no longer the owner. */
    public boolean finish(String node, UUID pipelineId, JsonNode state, Outcome o) throws SQLException {
        try (Connection c = dataSource.getConnection();
                PreparedStatement ps = c.prepareStatement("""
                        UPDATE poll_state SET cursor = coalesce(?::jsonb, cursor), owner_node = NULL, lease_until = NULL,
                            next_poll_at = ?, last_polled_at = last_started_at, last_finished_at = now(), last_status = ?,
                            last_error = coalesce(?, last_error),
                            last_error_at = CASE WHEN ?::text IS NULL THEN last_error_at ELSE now() END,
                            consecutive_failures = CASE WHEN ?::text IS NULL THEN 0 ELSE consecutive_failures + 1 END,
                            last_records = ?, last_pages = ?, total_records = total_records + ?, total_polls = total_polls + 1,
                            late_polls = late_polls + ?, last_lateness_ms = ?, updated_at = now()
                        WHERE pipeline_id = ? AND owner_node = ?
                        """)) {
            ps.setString(1, state == null ? null : state.toString());
            ps.setTimestamp(2, Timestamp.from(o.nextPollAt()));
            ps.setString(3, o.status().dbName());
            ps.setString(4, o.error());
            ps.setString(5, o.error());
            ps.setString(6, o.error());
            ps.setLong(7, o.records());
            ps.setInt(8, o.pages());
            ps.setLong(9, o.records());
            ps.setInt(10, o.late() ? 1 : 0);
            ps.setLong(11, o.latenessMs());
            ps.setObject(12, pipelineId);
            ps.setString(13, node);
            return ps.executeUpdate() == 1;
        }
    }

    private static JsonNode json(String s) throws SQLException {
        if (s == null) {
            return null;
        }
        try {
            return Json.parse(s);
        } catch (IOException e) {
            throw new SQLException("unreadable poll cursor: " + e.getMessage(), e);
        }
    }
}
