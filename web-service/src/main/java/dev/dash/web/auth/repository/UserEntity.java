package dev.dash.web.auth.repository;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.Instant;
import java.util.UUID;

/**
 * A row of {@code users} (migration V1), read-only as an entity: rows are created and refreshed on sign-in by
 * the atomic upsert of {@link UserRepository#signIn}. Flyway owns the table. Here rather than with the teams'
 * entities, which reference it, because {@code auth} must not depend on {@code team} (which depends on it).
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
