package dev.dash.replay.replay;

import dev.dash.model.db.AuditRows;
import dev.dash.model.envelope.UuidV7;
import dev.dash.model.kafka.ControlCodec;
import dev.dash.model.kafka.PipelineConfig;
import io.agroal.api.AgroalDataSource;
import io.quarkus.logging.Log;
import io.smallrye.common.annotation.Blocking;
import jakarta.enterprise.context.ApplicationScoped;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.eclipse.microprofile.reactive.messaging.Incoming;

/**
 * Saving a mapping version starts its replay: every pipeline snapshot on {@code dash.control} that carries a
 * pending version without a replay gets one, queued. Idempotent (redelivered or repeated snapshots create
 * nothing more), and a pending version that is no longer pending in the database is left alone.
 */
@ApplicationScoped
public class ControlListener {
    private static final String QUEUE_REPLAY = """
            INSERT INTO replays (id, pipeline_id, team_id, kind, from_version, target_version, state)
            SELECT ?, p.id, p.team_id, 'mapping', p.active_mapping_version, d.version, 'queued'
            FROM pipelines p JOIN data_mappings d ON d.pipeline_id = p.id
            WHERE p.id = ? AND d.version = ? AND d.status = 'pending'
              AND NOT EXISTS (SELECT 1 FROM replays r
                              WHERE r.pipeline_id = p.id AND r.target_version = d.version AND r.kind = 'mapping')
            ON CONFLICT DO NOTHING
            """;

    private final AgroalDataSource dataSource;

    public ControlListener(AgroalDataSource dataSource) {
        this.dataSource = dataSource;
    }

    @Incoming("dash-control")
    @Blocking
    public void onSnapshot(ConsumerRecord<String, byte[]> record) throws SQLException {
        if (record.value() == null) {
            return; // a deleted pipeline: its replays went with it (ON DELETE CASCADE)
        }
        PipelineConfig config;
        try {
            config = ControlCodec.decode(record.value());
        } catch (IllegalArgumentException e) {
            Log.warnf("Skipping an unreadable dash.control record at offset %d: %s", record.offset(), e.getMessage());
            return;
        }
        for (PipelineConfig.MappingVersion m : config.mappings()) {
            if ("pending".equals(m.status())) {
                queue(config.id(), m.version());
            }
        }
    }

    private void queue(UUID pipelineId, int version) throws SQLException {
        UUID id = UuidV7.next();
        try (Connection c = dataSource.getConnection()) {
            c.setAutoCommit(false);
            try (PreparedStatement ps = c.prepareStatement(QUEUE_REPLAY)) {
                ps.setObject(1, id);
                ps.setObject(2, pipelineId);
                ps.setInt(3, version);
                if (ps.executeUpdate() == 1) {
                    AuditRows.writeRow(c, null, "dash-replay", "replay.start", AuditRows.Table.REPLAYS, id);
                    Log.infof("Replay %s of pipeline %s to its pending version %d queued", id, pipelineId, version);
                }
                c.commit();
            } catch (SQLException | RuntimeException e) {
                c.rollback();
                throw e;
            }
        }
    }
}
