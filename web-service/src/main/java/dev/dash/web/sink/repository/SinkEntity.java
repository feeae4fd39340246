package dev.dash.web.sink.repository;

import com.fasterxml.jackson.databind.JsonNode;
import dev.dash.web.api.JsonNodeConverter;
import jakarta.persistence.Column;
import jakarta.persistence.Convert;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.Instant;
import java.util.UUID;
import org.hibernate.annotations.ColumnTransformer;

/**
 * A row of {@code pipeline_sinks} (migrations V1, V50), for {@link SinkRepository}. Flyway owns the table. The
 * config is stored encrypted (context {@code pipeline_sink:<id>}); the ingestor's delivery workers change
 * {@code failure_streak}, {@code failing_since} and the {@code disabled_*} columns, so a change from the API
 * loads the row locked ({@link SinkRepository#lock}) before it writes.
 */
@Entity
@Table(name = "pipeline_sinks")
public class SinkEntity {
    @Id
    public UUID id;

    @Column(name = "pipeline_id", nullable = false, updatable = false)
    public UUID pipelineId;

    /** {@code webhook}, {@code slack} or {@code email}; never changes. */
    @Column(name = "sink_type", nullable = false, updatable = false)
    public String type;

    /** The config as JSON text, encrypted. */
    @Column(name = "sink_config", nullable = false)
    public byte[] config;

    @Column(nullable = false)
    public boolean enabled;

    @Convert(converter = JsonNodeConverter.class)
    @ColumnTransformer(read = "CAST(delivery AS text)", write = JsonNodeConverter.WRITE)
    @Column(nullable = false, columnDefinition = "jsonb")
    public JsonNode delivery;

    @Column(name = "disabled_reason")
    public String disabledReason;

    @Column(name = "disabled_at")
    public Instant disabledAt;

    @Column(name = "failure_streak", nullable = false)
    public int failureStreak;

    @Column(name = "failing_since")
    public Instant failingSince;

    /** Set by the service at creation (so the answer needs no read back), like every change's {@code updatedAt}. */
    @Column(name = "inserted_at", nullable = false, updatable = false)
    public Instant insertedAt;

    @Column(name = "updated_at", nullable = false)
    public Instant updatedAt;
}
