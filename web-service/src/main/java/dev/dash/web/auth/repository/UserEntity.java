package dev.dash.web.team.repository;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.Instant;
import java.util.UUID;

/**
 * A row of {@code users} (migration V1), read-only here: rows are created and refreshed on sign-in by the
 * atomic upsert of {@code dev.dash.web.auth.Users}. Flyway owns the table.
 */
@Entity
@Table(name = "users")
public class UserEntity {
    @Id
    public UUID id;

    @Column(name = "oidc_subject", nullable = false, insertable = false, updatable = false)
    public String oidcSubject;

    @Column(nullable = false, insertable = false, updatable = false)
    public String email;

    @Column(name = "display_name", insertable = false, updatable = false)
    public String displayName;

    @Column(name = "platform_admin", insertable = false, updatable = false)
    public boolean platformAdmin;

    @Column(name = "inserted_at", insertable = false, updatable = false)
    public Instant insertedAt;
}
