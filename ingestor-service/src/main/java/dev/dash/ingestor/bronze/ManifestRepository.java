package dev.dash.ingestor.bronze;

import dev.dash.model.bronze.ManifestEntry;
import io.agroal.api.AgroalDataSource;
import jakarta.enterprise.context.ApplicationScoped;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;

/** {@code bronze_manifest} and {@code bronze_progress}: what is in S3, and how far each partition is archived. */
@ApplicationScoped
public class ManifestRepository {
    private final AgroalDataSource dataSource;

    public ManifestRepository(AgroalDataSource dataSource) {
        this.dataSource = dataSource;
    }

    /**
     * Records an uploaded object. A key rewritten after a restart (same pipeline, partition and start offset,
     * possibly rotated at another point) replaces its row, so the manifest describes what the key holds.
     */
    public void record(ManifestEntry e) throws SQLException {
        try (Connection c = dataSource.getConnection();
                PreparedStatement ps = c.prepareStatement("""
                        INSERT INTO bronze_manifest (pipeline_id, object_key, kafka_partition, start_offset, end_offset,
                                                     min_received_at, max_received_at, events, bytes)
                        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                        ON CONFLICT (object_key) DO UPDATE SET end_offset = excluded.end_offset,
                            min_received_at = excluded.min_received_at, max_received_at = excluded.max_received_at,
                            events = excluded.events, bytes = excluded.bytes, inserted_at = now()
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
