package dev.dash.web.pipeline.repository;

import com.fasterxml.jackson.databind.JsonNode;
import dev.dash.model.pipeline.PipelineStatus;
import dev.dash.web.api.JsonNodeConverter;
import jakarta.persistence.Column;
import jakarta.persistence.Convert;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.Instant;
import java.util.UUID;
import org.hibernate.annotations.ColumnTransformer;
import org.hibernate.annotations.DynamicUpdate;
import org.hibernate.annotations.Generated;

/**
 * A row of {@code pipelines} (migrations V1, V71), for {@link PipelineRepository}. Flyway owns the table.
 *
 * <p>{@code updated_at} is the snapshot's revision on {@code dash.control} and must only grow for a pipeline:
 * it is never written from Java, but set by {@link PipelineRepository#touch} in the database's clock ({@code
 * clock_timestamp()}, under the row lock) and read back by its {@code RETURNING}; its first value and {@code
 * inserted_at} come back with the insert ({@code @Generated}). {@code active_mapping_version} belongs to
 * replay-service's cut-over and is only read here. Updates write only the changed columns ({@code
 * DynamicUpdate}), so a change never rewrites what another service keeps in the row.
 */
@Entity
@Table(name = "pipelines")
@DynamicUpdate
public class PipelineEntity {
    @Id
    public UUID id;

    @Column(name = "team_id", nullable = false, updatable = false)
    public UUID teamId;

    @Column(nullable = false)
    public String name;

    @Column(nullable = false, updatable = false)
    public String type;

    @Convert(converter = PipelineStatusConverter.class)
    @Column(nullable = false)
    public PipelineStatus status;

    @Column(name = "status_reason")
    public String statusReason;

    @Column(name = "interval_seconds")
    public Integer intervalSeconds;

    @Column(name = "source_type")
    public String sourceType;

    /** AES-GCM ciphertext of the source config (never plaintext JSON); see {@code Crypto.sourceContext}. */
    @Column(name = "source_config")
    public byte[] sourceConfig;

    @Column(name = "source_pipeline_id")
    public UUID sourcePipelineId;

    @Column(name = "signature_preset")
    public String signaturePreset;

    @Convert(converter = JsonNodeConverter.class)
    @ColumnTransformer(read = "CAST(signature_config AS text)", write = JsonNodeConverter.WRITE)
    @Column(name = "signature_config", nullable = false, columnDefinition = "jsonb")
    public JsonNode signatureConfig;

    @Column(name = "timestamp_tolerance_seconds", nullable = false)
    public int timestampToleranceSeconds;

    @Column(name = "dedupe_window_seconds", nullable = false)
    public int dedupeWindowSeconds;

    @Column(name = "quota_requests_per_second")
    public Integer quotaRequestsPerSecond;

    @Column(name = "quota_bytes_per_second")
    public Long quotaBytesPerSecond;

    @Column(name = "retention_days")
    public Integer retentionDays;

    @Column(name = "persist_data", nullable = false)
    public boolean persistData;

    @Column(name = "allow_unsigned", nullable = false)
    public boolean allowUnsigned;

    @Column(name = "active_mapping_version", insertable = false, updatable = false)
    public Integer activeMappingVersion;

    @Generated
    @Column(name = "inserted_at", insertable = false, updatable = false)
    public Instant insertedAt;

    @Generated
    @Column(name = "updated_at", insertable = false, updatable = false)
    public Instant updatedAt;
}
