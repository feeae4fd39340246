package dev.dash.web.mapping.repository;

import com.fasterxml.jackson.databind.JsonNode;
import dev.dash.model.mapping.MappingStatus;
import dev.dash.web.api.JsonNodeConverter;
import jakarta.persistence.Column;
import jakarta.persistence.Convert;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.Instant;
import java.util.UUID;
import org.hibernate.annotations.ColumnTransformer;
import org.hibernate.annotations.Generated;

/**
 * A row of {@code data_mappings} (migrations V1, V31), for {@link MappingVersionRepository}: one immutable
 * mapping version. web-service only inserts versions (pending); their later states, times and sweeps belong to
 * replay-service, so every column but the inserted ones is read-only here and the sweep columns are not mapped.
 */
@Entity
@Table(name = "data_mappings")
public class MappingVersionEntity {
    @Id
    public UUID id;

    @Column(name = "pipeline_id", nullable = false, updatable = false)
    public UUID pipelineId;

    @Column(nullable = false, updatable = false)
    public int version;

    @Convert(converter = MappingStatusConverter.class)
    @Column(nullable = false, updatable = false)
    public MappingStatus status;

    @Convert(converter = JsonNodeConverter.class)
    @ColumnTransformer(read = "CAST(document AS text)", write = JsonNodeConverter.WRITE)
    @Column(nullable = false, updatable = false, columnDefinition = "jsonb")
    public JsonNode document;

    @Column(name = "created_by", updatable = false)
    public UUID createdBy;

    @Column(name = "dual_write_started_at", insertable = false, updatable = false)
    public Instant dualWriteStartedAt;

    @Column(name = "activated_at", insertable = false, updatable = false)
    public Instant activatedAt;

    @Generated
    @Column(name = "inserted_at", insertable = false, updatable = false)
    public Instant insertedAt;
}
