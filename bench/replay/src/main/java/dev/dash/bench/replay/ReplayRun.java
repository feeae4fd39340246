package dev.dash.bench.replay;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.OffsetDateTime;
import java.util.UUID;

/**
 * Runs one mapping replay through the packaged replay-service and times it from the database. It does what the
 * writers and the API would: makes sure the target version is pending (creating it from the active version's
 * document when missing, for a second replay of the same history), records a dual-write boundary for it on every
 * {@code dash.raw} partition just past the pipeline's last archived offset (0 where it has none: all its history
 * is in Bronze), raises the archiver's progress to them, and queues the replay. Then it polls the replay every
 * {@code bench.pollMs} ms until it ends and prints one {@code RESULT} line:
 *
 * <ul>
 *   <li>{@code events_per_s}: {@code events_read} over the time the replay spent in {@code running}: from its
 *       claim ({@code started_at}, a few milliseconds before the job moves it to {@code running}) to the last
 *       object's checkpoint ({@code replay_checkpoints.completed_at}), both on the database's clock;
 *   <li>{@code rollups_cutover_s}: from that checkpoint to {@code finished_at} (the rollup refresh over the
 *       replayed range, then the cut-over transaction);
 *   <li>{@code end_to_end_s}: {@code inserted_at} (queued) to {@code finished_at} (succeeded);
 *   <li>{@code rows}: the target version's rows in {@code metrics} (what {@code rows_per_s} divides), next to the
 *       replay's own {@code points_written} counter;
 *   <li>the CPU split while it was running ({@link CpuSplit}).
 * </ul>
 *
 * Prints {@code RUNNING} once the first object is checkpointed (run.sh starts ingest load then). Properties:
 * {@code bench.pipeline}, {@code bench.version}, {@code bench.label}, {@code bench.pids}, {@code bench.pollMs}.
 */
public final class ReplayRun {
    private ReplayRun() {}

    public static void main(String[] args) throws Exception {
        UUID pipeline = UUID.fromString(BenchEnv.prop("pipeline"));
        int version = Integer.parseInt(BenchEnv.prop("version", "2"));
        String label = BenchEnv.prop("label", "replay");
        long pollMs = BenchEnv.longProp("pollMs", 50);
        CpuSplit cpu = new CpuSplit(BenchEnv.prop("pids", ""));
        int partitions = BenchEnv.rawPartitions();
        var ds = BenchEnv.dataSource();
        UUID replay;
        try (Connection c = ds.getConnection()) {
            replay = queue(c, pipeline, version, partitions);
        }
        System.out.println("QUEUED replay=" + replay + " pipeline=" + pipeline + " version=" + version);

        CpuSplit.Reading atRunning = null;
        CpuSplit.Reading afterRunning = null;
        String loadRunning = null;
        String loadAfter = null;
        boolean markedRunning = false;
        String state;
        try (Connection c = ds.getConnection();
                PreparedStatement ps =
                        c.prepareStatement("SELECT state, objects_done, clock_timestamp() FROM replays WHERE id = ?")) {
            ps.setObject(1, replay);
            long deadline = System.nanoTime() + 3_600_000_000_000L;
            while (true) {
                int objectsDone;
                OffsetDateTime now;
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    state = rs.getString(1);
                    objectsDone = rs.getInt(2);
                    now = rs.getObject(3, OffsetDateTime.class);
                }
                boolean before = state.equals("queued") || state.equals("waiting_for_archive");
                if (!before && atRunning == null) {
                    atRunning = cpu.read(CpuSplit.backends(c));
                    loadRunning = loadAverage();
                    System.out.println("STATE running at " + now);
                }
                if (!before && !state.equals("running") && afterRunning == null) {
                    afterRunning = cpu.read(CpuSplit.backends(c));
                    loadAfter = loadAverage();
                    System.out.println("STATE " + state + " at " + now);
                }
                if (objectsDone >= 1 && !markedRunning && state.equals("running")) {
                    markedRunning = true;
                    System.out.println("RUNNING");
                }
                if (state.equals("succeeded") || state.equals("failed") || state.equals("cancelled")) {
                    break;
                }
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("replay " + replay + " still " + state + " after an hour");
                }
                Thread.sleep(pollMs);
            }
        }
        try (Connection c = ds.getConnection();
                PreparedStatement ps = c.prepareStatement("""
                        SELECT r.state, r.events_read, r.points_written, r.objects_done, r.bytes_read, r.error_count,
                               r.last_error,
                               extract(epoch FROM r.inserted_at), extract(epoch FROM r.started_at),
                               extract(epoch FROM r.finished_at),
                               (SELECT extract(epoch FROM max(completed_at)) FROM replay_checkpoints WHERE replay_id = r.id),
                               extract(epoch FROM r.max_point_time - r.min_point_time)
                        FROM replays r WHERE r.id = ?""")) {
            ps.setObject(1, replay);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                long events = rs.getLong(2);
                long points = rows(c, pipeline, version);
                double inserted = rs.getDouble(8);
                double started = rs.getDouble(9);
                double finished = rs.getDouble(10);
                double lastObject = rs.getDouble(11);
                double running = lastObject - started;
                System.out.printf(
                        "RESULT label=%s state=%s events=%d rows=%d points_written=%d objects=%d bronze_bytes=%d errors=%d running_s=%.2f"
                                + " events_per_s=%.0f rows_per_s=%.0f rollups_cutover_s=%.2f end_to_end_s=%.2f"
                                + " queued_to_running_s=%.2f left_running_epoch=%.3f replayed_range_h=%.2f"
                                + " load_at_running=%s load_after_running=%s %s%s%n",
                        label,
                        rs.getString(1),
                        events,
                        points,
                        rs.getLong(3),
                        rs.getInt(4),
                        rs.getLong(5),
                        rs.getLong(6),
                        running,
                        events / running,
                        points / running,
                        finished - lastObject,
                        finished - inserted,
                        started - inserted,
                        lastObject,
                        rs.getDouble(12) / 3600,
                        loadRunning,
                        loadAfter,
                        atRunning != null && afterRunning != null ? CpuSplit.between(atRunning, afterRunning) : "",
                        rs.getString(7) == null ? "" : " last_error=\"" + rs.getString(7) + "\"");
            }
        }
    }

    /** The version's rows in {@code metrics}: what the replay wrote (its {@code points_written} is only a counter). */
    private static long rows(Connection c, UUID pipeline, int version) throws SQLException {
        try (PreparedStatement ps =
                c.prepareStatement("SELECT count(*) FROM metrics WHERE pipeline_id = ? AND mapping_version = ?")) {
            ps.setObject(1, pipeline);
            ps.setInt(2, version);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }

    /** Pending version, boundaries, archiver progress and the queued replay row, as the product would leave them. */
    private static UUID queue(Connection c, UUID pipeline, int version, int partitions) throws SQLException {
        int active;
        try (PreparedStatement ps = c.prepareStatement("SELECT active_mapping_version FROM pipelines WHERE id = ?")) {
            ps.setObject(1, pipeline);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                active = rs.getInt(1);
            }
        }
        BenchEnv.exec(
                c,
                "INSERT INTO data_mappings (id, pipeline_id, version, status, document) "
                        + "SELECT ?, pipeline_id, ?, 'pending', document FROM data_mappings "
                        + "WHERE pipeline_id = ? AND version = ? ON CONFLICT DO NOTHING",
                UUID.randomUUID(),
                version,
                pipeline,
                active);
        for (int p = 0; p < partitions; p++) {
            long boundary;
            try (PreparedStatement ps = c.prepareStatement(
                    "SELECT coalesce(max(end_offset) + 1, 0) FROM bronze_manifest WHERE pipeline_id = ? AND kafka_partition = ?")) {
                ps.setObject(1, pipeline);
                ps.setInt(2, p);
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    boundary = rs.getLong(1);
                }
            }
            BenchEnv.exec(
                    c,
                    "INSERT INTO dual_write_boundaries (pipeline_id, mapping_version, kafka_partition, boundary_offset) "
                            + "VALUES (?, ?, ?, ?) ON CONFLICT (pipeline_id, mapping_version, kafka_partition) "
                            + "DO UPDATE SET boundary_offset = excluded.boundary_offset",
                    pipeline,
                    version,
                    p,
                    boundary);
            BenchEnv.exec(
                    c,
                    "INSERT INTO bronze_progress (kafka_partition, next_offset) VALUES (?, ?) "
                            + "ON CONFLICT (kafka_partition) DO UPDATE "
                            + "SET next_offset = greatest(bronze_progress.next_offset, excluded.next_offset)",
                    p,
                    boundary);
        }
        UUID id = dev.dash.model.envelope.UuidV7.next();
        BenchEnv.exec(
                c,
                "INSERT INTO replays (id, pipeline_id, team_id, kind, from_version, target_version, state) "
                        + "SELECT ?, id, team_id, 'mapping', active_mapping_version, ?, 'queued' FROM pipelines WHERE id = ?",
                id,
                version,
                pipeline);
        return id;
    }

    private static String loadAverage() {
        try {
            String[] f = Files.readString(Path.of("/proc/loadavg")).split(" ");
            return f[0] + "/" + f[1] + "/" + f[2];
        } catch (Exception e) {
            return "?";
        }
    }
}
