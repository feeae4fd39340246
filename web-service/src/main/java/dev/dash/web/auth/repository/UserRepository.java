package dev.dash.web.auth.repository;

import io.quarkus.hibernate.reactive.panache.PanacheRepositoryBase;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.UUID;

/**
 * The users and what the service layer's authorization reads about them, through Hibernate Reactive Panache;
 * run inside a Panache session. Rows are only written by {@link #signIn}, the sign-in upsert of {@code
 * dev.dash.web.auth.Users}; {@link #roleOf} is the membership read of {@code dev.dash.web.auth.Access}.
 */
@ApplicationScoped
public class UserRepository implements PanacheRepositoryBase<UserEntity, UUID> {
    private static final String UPSERT = """
            INSERT INTO users (id, oidc_subject, email, display_name, platform_admin, last_login_at)
            VALUES (?1, ?2, ?3, ?4, ?5, now())
            ON CONFLICT (oidc_subject) DO UPDATE SET email = EXCLUDED.email,
                display_name = EXCLUDED.display_name, platform_admin = EXCLUDED.platform_admin,
                last_login_at = now(), updated_at = now()
            RETURNING id
            """;

    /**
     * Creates the user of an OIDC subject or refreshes their row from the token; answers their id. One atomic
     * statement ({@code INSERT ... ON CONFLICT DO UPDATE}): an entity merge would be a read and then an insert,
     * and two first requests of a new user at once would race; it answers the id ({@code RETURNING}), so a sign-in
     * is one round trip. A unique violation (the e-mail address belongs to another subject) fails the Uni.
     */
    public Uni<UUID> signIn(String subject, String email, String displayName, boolean platformAdmin) {
        return getSession()
                .flatMap(s -> s.createNativeQuery(UPSERT, UUID.class)
                        .setParameter(1, UUID.randomUUID())
                        .setParameter(2, subject)
                        .setParameter(3, email)
                        .setParameter(4, displayName)
                        .setParameter(5, platformAdmin)
                        .getSingleResult());
    }

    /**
     * The user's role in the team as stored ({@code memberships.role}), or null when they are not an active
     * member: what {@code Access} hands to the team-role rule, {@code Role.require}, as replay-service's {@code
     * Caller} does with the same column. A native read of one column, not the membership entity: that entity
     * belongs to the teams' package, which depends on this one, and no entity is left in the caller's session.
     */
    public Uni<String> roleOf(UUID teamId, UUID userId) {
        return getSession()
                .flatMap(s -> s.createNativeQuery(
                                "SELECT role FROM memberships WHERE team_id = ?1 AND user_id = ?2 AND active",
                                String.class)
                        .setParameter(1, teamId)
                        .setParameter(2, userId)
                        .getResultList())
                .map(roles -> roles.isEmpty() ? null : roles.get(0));
    }
}
