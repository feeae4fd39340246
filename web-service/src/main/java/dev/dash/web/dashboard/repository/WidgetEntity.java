package dev.dash.web.dashboard.repository;

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

/** A row of {@code widgets} (migration V1), for {@link WidgetRepository}. Flyway owns the table. */
@Entity
@Table(name = "widgets")
public class WidgetEntity {
    @Id
    public UUID id;

    @Column(name = "dashboard_id", nullable = false, updatable = false)
    public UUID dashboardId;

    @Column(nullable = false)
    public String type;

    @Column(nullable = false)
    public String title;

    @Convert(converter = JsonNodeConverter.class)
    @ColumnTransformer(read = "CAST(config AS text)", write = JsonNodeConverter.WRITE)
    @Column(nullable = false, columnDefinition = "jsonb")
    public JsonNode config;

    @Convert(converter = JsonNodeConverter.class)
    @ColumnTransformer(read = "CAST(position AS text)", write = JsonNodeConverter.WRITE)
    @Column(nullable = false, columnDefinition = "jsonb")
    public JsonNode position;

    @Convert(converter = JsonNodeConverter.class)
    @ColumnTransformer(read = "CAST(data_query AS text)", write = JsonNodeConverter.WRITE)
    @Column(name = "data_query", nullable = false, columnDefinition = "jsonb")
    public JsonNode dataQuery;

    @Column(name = "inserted_at", insertable = false, updatable = false)
    public Instant insertedAt;

    @Column(name = "updated_at", insertable = false)
    public Instant updatedAt;
}
