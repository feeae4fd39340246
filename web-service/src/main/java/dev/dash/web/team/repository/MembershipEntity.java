package dev.dash.web.team.repository;

import dev.dash.model.team.Role;
import dev.dash.web.auth.repository.UserEntity;
import jakarta.persistence.Column;
import jakarta.persistence.Convert;
import jakarta.persistence.Entity;
import jakarta.persistence.FetchType;
import jakarta.persistence.Id;
import jakarta.persistence.JoinColumn;
import jakarta.persistence.ManyToOne;
import jakarta.persistence.Table;
import java.time.Instant;
import java.util.UUID;
import org.hibernate.annotations.Generated;

/**
 * A row of {@code memberships} (migration V1): a user's role in a team, for {@link MembershipRepository}. The
 * team and user are mapped read-only for the listings (fetched with {@code join fetch}). Flyway owns the table.
 */
@Entity
@Table(name = "memberships")
public class MembershipEntity {
    @Id
    public UUID id;

    @Column(name = "team_id", nullable = false, updatable = false)
    public UUID teamId;

    @Column(name = "user_id", nullable = false, updatable = false)
    public UUID userId;

    @ManyToOne(fetch = FetchType.LAZY)
    @JoinColumn(name = "team_id", insertable = false, updatable = false)
    public TeamEntity team;

    @ManyToOne(fetch = FetchType.LAZY)
    @JoinColumn(name = "user_id", insertable = false, updatable = false)
    public UserEntity user;

    @Convert(converter = RoleConverter.class)
    @Column(nullable = false)
    public Role role;

    @Column(nullable = false)
    public boolean active = true;

    @Generated
    @Column(name = "inserted_at", insertable = false, updatable = false)
    public Instant insertedAt;

    @Generated
    @Column(name = "updated_at", insertable = false)
    public Instant updatedAt;
}
