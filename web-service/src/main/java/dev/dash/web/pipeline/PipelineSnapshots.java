package dev.dash.web.pipeline;

import com.fasterxml.jackson.databind.JsonNode;
import dev.dash.model.kafka.PipelineConfig;
import dev.dash.web.api.Sql;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.UUID;

/** Reads the {@link PipelineConfig} snapshot of one pipeline, as published on {@code dash.control}. */
@ApplicationScoped
public class PipelineSnapshots {
    private final Pool pool;

    public PipelineSnapshots(Pool pool) {
        this.pool = pool;
    }

    /** The snapshot, or null when the pipeline does not exist (any more). */
    public Uni<PipelineConfig> load(UUID pipelineId) {
        Uni<Row> pipeline = Sql.one(pool, r -> r, """
                SELECT id, team_id, name, type, status, coalesce(signature_preset, 'none') AS signature_preset,
                       signature_config::text AS signature_config, timestamp_tolerance_seconds, dedupe_window_seconds,
                       quota_requests_per_second, quota_bytes_per_second, persist_data, active_mapping_version, allow_unsigned,
                       (extract(epoch FROM updated_at) * 1000000)::bigint AS revision
                FROM pipelines WHERE id = $1
                """, pipelineId);
        return pipeline.flatMap(p -> {
            if (p == null) {
                return Uni.createFrom().nullItem();
            }
            var mappings = Sql.list(
                    pool,
                    r -> new PipelineConfig.MappingVersion(
                            r.getInteger("version"),
                            r.getString("status"),
                            Sql.json(r, "document"),
                            Sql.instant(r, "dual_write_started_at")),
                    """
                    SELECT version, status, document::text AS document, dual_write_started_at FROM data_mappings
                    WHERE pipeline_id = $1 AND status IN ('active', 'pending') ORDER BY version
                    """,
                    pipelineId);
            var secrets = Sql.list(
                    pool,
                    r -> new PipelineConfig.Secret(
                            r.getUUID("id"), Sql.bytes(r, "ciphertext"), Sql.instant(r, "expires_at")),
                    """
                    SELECT id, ciphertext, expires_at FROM pipeline_secrets
                    WHERE pipeline_id = $1 AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > now())
                    ORDER BY inserted_at DESC
                    """,
                    pipelineId);
            return Uni.combine().all().unis(mappings, secrets).asTuple().map(t -> {
                JsonNode signatureConfig = Sql.json(p, "signature_config");
                return new PipelineConfig(
                        p.getUUID("id"),
                        p.getUUID("team_id"),
                        p.getString("name"),
                        p.getString("type"),
                        p.getString("status"),
                        p.getString("signature_preset"),
                        signatureConfig,
                        p.getInteger("timestamp_tolerance_seconds"),
                        p.getInteger("dedupe_window_seconds"),
                        p.getInteger("quota_requests_per_second"),
                        p.getLong("quota_bytes_per_second"),
                        p.getBoolean("persist_data"),
                        p.getInteger("active_mapping_version"),
                        t.getItem1(),
                        t.getItem2(),
                        p.getLong("revision"),
                        p.getBoolean("allow_unsigned"));
            });
        });
    }
}
