package dev.dash.replay.job;

import dev.dash.replay.config.ReplayConfig;
import io.quarkus.logging.Log;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import javax.sql.DataSource;

/**
 * Deletes, in the background and in bounded statements, the Silver rows of mapping versions no longer
 * written: the version retired by a cut-over, and a failed or cancelled pending one (docs/replay.md, step
 * 6). A version is swept once its grace period has passed (every Silver writer has seen the snapshot that
 * ended it), and once more a grace period later for anything a slow writer still wrote. One node sweeps at
 * a time (an advisory lock); deleting is idempotent anyway.
 */
final class VersionSweeper {
    private static final long LOCK = 0x64617368_73776570L; // "dashswep"

    private final DataSource dataSource;
    private final ReplayConfig.Job config;

    VersionSweeper(DataSource dataSource, ReplayConfig.Job config) {
        this.dataSource = dataSource;
        this.config = config;
    }

    private record Due(UUID pipelineId, int version) {}

    /** Sweeps every version that is due; returns how many were swept. */
    int sweep() throws SQLException {
        try (Connection c = dataSource.getConnection()) {
            c.setAutoCommit(true);
            if (!lock(c, "pg_try_advisory_lock")) {
                return 0;
            }
            try {
                List<Due> due = new ArrayList<>();
                try (PreparedStatement ps = c.prepareStatement("""
                        SELECT pipeline_id, version FROM data_mappings
                        WHERE status IN ('retired', 'failed', 'cancelled') AND sweeps < 2
                          AND coalesce(swept_at, ended_at, inserted_at) < now() - ? * interval '1 millisecond'
                        ORDER BY coalesce(swept_at, ended_at, inserted_at) LIMIT 100
                        """)) {
                    ps.setLong(1, config.cleanupGrace().toMillis());
                    try (ResultSet rs = ps.executeQuery()) {
                        while (rs.next()) {
                            due.add(new Due(rs.getObject(1, UUID.class), rs.getInt(2)));
                        }
                    }
                }
                for (Due d : due) {
                    sweep(c, d);
                }
                return due.size();
            } finally {
                lock(c, "pg_advisory_unlock");
            }
        }
    }

    private void sweep(Connection c, Due d) throws SQLException {
        boolean timescale = "timescaledb".equals(JobStore.variant(c));
        Instant[] range = range(c, "metrics", d);
        long metrics = timescale ? deleteByDay(c, "metrics", d, range) : deleteBatched(c, "metrics", d);
        long records = timescale
                ? deleteByDay(c, "pipeline_records", d, range(c, "pipeline_records", d))
                : deleteBatched(c, "pipeline_records", d);
        try (PreparedStatement ps = c.prepareStatement(
                "DELETE FROM quarantine WHERE pipeline_id = ? AND mapping_version = ? AND resolved_at IS NULL")) {
            bind(ps, d);
            ps.executeUpdate();
        }
        try (PreparedStatement ps =
                c.prepareStatement("DELETE FROM dual_write_boundaries WHERE pipeline_id = ? AND mapping_version = ?")) {
            bind(ps, d);
            ps.executeUpdate();
        }
        if (timescale) {
            // The continuous aggregates drop the version's buckets on their refresh (outside a transaction).
            JobStore.refreshRollups(c, range[0], range[1]);
        } else {
            for (String table : List.of("metrics_1m", "metrics_1h")) {
                try (PreparedStatement ps =
                        c.prepareStatement("DELETE FROM " + table + " WHERE pipeline_id = ? AND mapping_version = ?")) {
                    bind(ps, d);
                    ps.executeUpdate();
                }
            }
        }
        try (PreparedStatement ps = c.prepareStatement(
                "UPDATE data_mappings SET sweeps = sweeps + 1, swept_at = now() WHERE pipeline_id = ? AND version = ?")) {
            bind(ps, d);
            ps.executeUpdate();
        }
        if (metrics + records > 0) {
            Log.infof(
                    "Swept version %d of pipeline %s: %d metric rows, %d records",
                    d.version(), d.pipelineId(), metrics, records);
        }
    }

    private static Instant[] range(Connection c, String table, Due d) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(
                "SELECT min(time), max(time) FROM " + table + " WHERE pipeline_id = ? AND mapping_version = ?")) {
            bind(ps, d);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                OffsetDateTime from = rs.getObject(1, OffsetDateTime.class);
                OffsetDateTime to = rs.getObject(2, OffsetDateTime.class);
                return new Instant[] {from == null ? null : from.toInstant(), to == null ? null : to.toInstant()};
            }
        }
    }

    /** Deletes the version's rows of a table in statements of at most {@code cleanup-batch-rows} rows. */
    private long deleteBatched(Connection c, String table, Due d) throws SQLException {
        long total = 0;
        // (tableoid, ctid) names a row across the partitions (or chunks) of the table.
        String sql = "DELETE FROM " + table + " WHERE (tableoid, ctid) IN (SELECT tableoid, ctid FROM " + table
                + " WHERE pipeline_id = ? AND mapping_version = ? LIMIT ?)";
        while (true) {
            int n;
            try (PreparedStatement ps = c.prepareStatement(sql)) {
                bind(ps, d);
                ps.setInt(3, config.cleanupBatchRows());
                n = ps.executeUpdate();
            }
            total += n;
            if (n < config.cleanupBatchRows()) {
                return total;
            }
        }
    }

    /**
     * On TimescaleDB: deletes the version's rows one day (one chunk) at a time. Rows of compressed chunks
     * have no {@code ctid} to name them by, but a delete by pipeline (segment-by), version and time (order-by)
     * removes whole compressed batches or decompresses only the batches it touches.
     */
    private static long deleteByDay(Connection c, String table, Due d, Instant[] range) throws SQLException {
        if (range[0] == null) {
            return 0;
        }
        long total = 0;
        Instant day = range[0].truncatedTo(ChronoUnit.DAYS);
        while (!day.isAfter(range[1])) {
            Instant next = day.plus(1, ChronoUnit.DAYS);
            try (PreparedStatement ps = c.prepareStatement("DELETE FROM " + table
                    + " WHERE pipeline_id = ? AND mapping_version = ? AND time >= ? AND time < ?")) {
                bind(ps, d);
                ps.setObject(3, day.atOffset(ZoneOffset.UTC));
                ps.setObject(4, next.atOffset(ZoneOffset.UTC));
                total += ps.executeUpdate();
            }
            day = next;
        }
        return total;
    }

    private static void bind(PreparedStatement ps, Due d) throws SQLException {
        ps.setObject(1, d.pipelineId());
        ps.setInt(2, d.version());
    }

    private static boolean lock(Connection c, String function) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT " + function + "(?)")) {
            ps.setLong(1, LOCK);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() && rs.getBoolean(1);
            }
        }
    }
}
