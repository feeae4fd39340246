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
import org.hibernate.annotations.Generated;

/**
 * A row of {@code dashboards} (migration V1), for {@link DashboardRepository}. Flyway owns the table; the
 * timestamps' defaults are the database's, read back by the insert itself ({@code @Generated}).
 */
@Entity
@Table(name = "dashboards")
public class DashboardEntity {
    @Id
    public UUID id;

    @Column(name = "team_id", nullable = false, updatable = false)
    public UUID teamId;

    @Column(nullable = false)
    public String name;

    @Column(nullable = false)
    public String slug;

    @Column(name = "is_public", nullable = false)
    public boolean isPublic;

    /** The SHA-256 of the public link's token; the token itself is shown once. */
    @Column(name = "public_token_hash")
    public byte[] publicTokenHash;

    @Column(name = "public_token_expires_at")
    public Instant publicTokenExpiresAt;

    @Convert(converter = JsonNodeConverter.class)
    @ColumnTransformer(read = "CAST(layout AS text)", write = JsonNodeConverter.WRITE)
    @Column(nullable = false, columnDefinition = "jsonb")
    public JsonNode layout;

    @Column(name = "refresh_interval_seconds", nullable = false)
    public int refreshIntervalSeconds;

    @Generated
    @Column(name = "inserted_at", insertable = false, updatable = false)
    public Instant insertedAt;

    @Generated
    @Column(name = "updated_at", insertable = false)
    public Instant updatedAt;
}
