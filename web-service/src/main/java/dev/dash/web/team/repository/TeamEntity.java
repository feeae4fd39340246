package dev.dash.web.team.repository;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.Instant;
import java.util.UUID;
import org.hibernate.annotations.Generated;

/**
 * A row of {@code teams} (migration V1), for {@link TeamRepository}. Flyway owns the table; columns with a default
 * there ({@code storage_limit_gb}, the timestamps) are not inserted, and are read back by the insert itself ({@code @Generated}: {@code INSERT ... RETURNING}).
 */
@Entity
@Table(name = "teams")
public class TeamEntity {
    @Id
    public UUID id;

    @Column(nullable = false)
    public String name;

    @Column(nullable = false, updatable = false)
    public String slug;

    @Generated
    @Column(name = "storage_limit_gb", nullable = false, insertable = false)
    public int storageLimitGb;

    @Generated
    @Column(name = "inserted_at", insertable = false, updatable = false)
    public Instant insertedAt;

    @Generated
    @Column(name = "updated_at", insertable = false)
    public Instant updatedAt;
}
