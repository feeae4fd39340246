package dev.dash.ingestor.bronze;

import dev.dash.model.bronze.ManifestEntry;
import jakarta.enterprise.context.ApplicationScoped;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import javax.sql.DataSource;

/** {@code bronze_manifest} and {@code bronze_progress}: what is in S3, and how far each partition is archived. */
@ApplicationScoped
public class ManifestRepository {
    private final DataSource dataSource;

    public ManifestRepository(DataSource dataSource) {
        this.dataSource = dataSource;
    }

    /**
     * What {@link #record} did: whether the object is now listed, and the rows it replaced.
     *
     * @param listed false when rows of other writers already list every event of the object (it is redundant:
     *     nobody will read it, and it may be deleted)
     * @param replaced keys of rows of other writers whose events the object holds all of, removed from the
     *     manifest (their objects stay in the bucket, unlisted, since a replay may be reading them now)
     */
    public record Recorded(boolean listed, List<String> replaced) {}

    /**
     * Records an uploaded object, so that the manifest never loses an event it listed. Objects of one pipeline
     * and partition hold every event of theirs between their first and last offset; two writers of the same
     * partition (a paused archiver that comes back after its partition moved, and the new owner) can both
     * upload objects over the same offsets, under keys of their own ({@code BronzeKey#writer}). Under a lock
     * per pipeline and partition, an object whose offsets one listed row already covers is not listed; rows
     * whose offsets the object covers are replaced by it; anything else is listed beside what is there (a
     * replay writes an event it reads twice once: Silver's writes are idempotent). The same key recorded again
     * (an answer lost, retried) keeps the larger end offset: a write never shrinks what a key lists.
     */
    public Recorded record(ManifestEntry e) throws SQLException {
        try (Connection c = dataSource.getConnection()) {
            boolean autoCommit = c.getAutoCommit();
            c.setAutoCommit(false);
            try {
                Recorded r = record(c, e);
                c.commit();
                return r;
            } catch (SQLException | RuntimeException ex) {
                c.rollback();
                throw ex;
            } finally {
                c.setAutoCommit(autoCommit);
            }
        }
    }

    private static Recorded record(Connection c, ManifestEntry e) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT pg_advisory_xact_lock(?, ?)")) {
            // Two int keys: the pipeline's hash and the partition (classid/objid of pg_locks).
            ps.setInt(1, e.pipelineId().hashCode());
            ps.setInt(2, e.partition());
            ps.execute();
        }
        try (PreparedStatement ps = c.prepareStatement("""
                SELECT object_key FROM bronze_manifest
                WHERE pipeline_id = ? AND kafka_partition = ? AND object_key <> ? AND start_offset <= ? AND end_offset >= ?
                LIMIT 1
                """)) {
            ps.setObject(1, e.pipelineId());
            ps.setInt(2, e.partition());
            ps.setString(3, e.key());
            ps.setLong(4, e.startOffset());
            ps.setLong(5, e.endOffset());
            try (ResultSet rs = ps.executeQuery()) {
                if (rs.next()) {
                    // Not listed; nor left listed by an earlier attempt whose answer was lost, since the caller
                    // deletes the object.
                    try (PreparedStatement del =
                            c.prepareStatement("DELETE FROM bronze_manifest WHERE object_key = ?")) {
                        del.setString(1, e.key());
                        del.executeUpdate();
                    }
                    return new Recorded(false, List.of());
                }
            }
        }
        List<String> replaced = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement("""
                DELETE FROM bronze_manifest
                WHERE pipeline_id = ? AND kafka_partition = ? AND object_key <> ? AND start_offset >= ? AND end_offset <= ?
                RETURNING object_key
                """)) {
            ps.setObject(1, e.pipelineId());
            ps.setInt(2, e.partition());
            ps.setString(3, e.key());
            ps.setLong(4, e.startOffset());
            ps.setLong(5, e.endOffset());
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    replaced.add(rs.getString(1));
                }
            }
        }
        try (PreparedStatement ps = c.prepareStatement("""
                INSERT INTO bronze_manifest (pipeline_id, object_key, kafka_partition, start_offset, end_offset,
                                             min_received_at, max_received_at, events, bytes)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT (object_key) DO UPDATE SET end_offset = excluded.end_offset,
                    min_received_at = excluded.min_received_at, max_received_at = excluded.max_received_at,
                    events = excluded.events, bytes = excluded.bytes, inserted_at = now()
                WHERE excluded.end_offset >= bronze_manifest.end_offset
                """)) {
            ps.setObject(1, e.pipelineId());
            ps.setString(2, e.key());
            ps.setInt(3, e.partition());
            ps.setLong(4, e.startOffset());
            ps.setLong(5, e.endOffset());
            ps.setTimestamp(6, Timestamp.from(e.minReceivedAt()));
            ps.setTimestamp(7, Timestamp.from(e.maxReceivedAt()));
            ps.setLong(8, e.events());
            ps.setLong(9, e.bytes());
            ps.executeUpdate();
        }
        return new Recorded(true, List.copyOf(replaced));
    }

    /** Advances a partition's archived position (never backwards). */
    public void progress(Map<Integer, Long> nextOffsets) throws SQLException {
        try (Connection c = dataSource.getConnection();
                PreparedStatement ps = c.prepareStatement("""
                        INSERT INTO bronze_progress (kafka_partition, next_offset, updated_at) VALUES (?, ?, now())
                        ON CONFLICT (kafka_partition) DO UPDATE
                            SET next_offset = greatest(bronze_progress.next_offset, excluded.next_offset), updated_at = now()
                        """)) {
            for (Map.Entry<Integer, Long> e : nextOffsets.entrySet()) {
                ps.setInt(1, e.getKey());
                ps.setLong(2, e.getValue());
                ps.addBatch();
            }
            ps.executeBatch();
        }
    }

    /**
     * Per pipeline, the last offset of the partition already in an uploaded object at or after
     * {@code committed}: events up to it were archived, but the offset commit did not follow before a restart.
     */
    public Map<UUID, Long> archivedAfter(int partition, long committed) throws SQLException {
        Map<UUID, Long> out = new HashMap<>();
        try (Connection c = dataSource.getConnection();
                PreparedStatement ps = c.prepareStatement("""
                        SELECT pipeline_id, max(end_offset) FROM bronze_manifest
                        WHERE kafka_partition = ? AND end_offset >= ? AND inserted_at > now() - interval '8 days'
                        GROUP BY pipeline_id
                        """)) {
            ps.setInt(1, partition);
            ps.setLong(2, committed);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.put(rs.getObject(1, UUID.class), rs.getLong(2));
                }
            }
        }
        return out;
    }
}
