package dev.dash.web.team.repository;

import dev.dash.model.team.Role;
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
 * A row of {@code invitations} (migration V1), for {@link InvitationRepository}. The team is mapped read-only
 * for its name in the listings. Flyway owns the table (and its one-open-invitation-per-address index).
 */
@Entity
@Table(name = "invitations")
public class InvitationEntity {
    @Id
    public UUID id;

    @Column(name = "team_id", nullable = false, updatable = false)
    public UUID teamId;

    @ManyToOne(fetch = FetchType.LAZY)
    @JoinColumn(name = "team_id", insertable = false, updatable = false)
    public TeamEntity team;

    @Column(nullable = false, updatable = false)
    public String email;

    @Convert(converter = RoleConverter.class)
    @Column(nullable = false, updatable = false)
    public Role role;

    @Column(name = "invited_by", updatable = false)
    public UUID invitedBy;

    @Column(name = "expires_at", nullable = false, updatable = false)
    public Instant expiresAt;

    @Column(name = "accepted_at")
    public Instant acceptedAt;

    @Column(name = "revoked_at")
    public Instant revokedAt;

    @Generated
    @Column(name = "inserted_at", insertable = false, updatable = false)
    public Instant insertedAt;
}
