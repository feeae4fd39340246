package dev.dash.web.auth;

import dev.dash.model.api.ApiException;
import dev.dash.model.team.Role;
import dev.dash.web.api.Sql;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.UUID;

/**
 * The authorization of the service layer (docs/rbac.md): every team-scoped operation starts here, with the
 * team-role rule of {@link Role#require} (shared with replay-service): someone not in the team gets 404 for it
 * and everything in it, so ids of other teams do not leak; a member whose role is too low gets 403.
 */
@ApplicationScoped
public class Access {
    private final Pool pool;
    private final Users users;

    public Access(Pool pool, Users users) {
        this.pool = pool;
        this.users = users;
    }

    /**
     * What the caller may do in one team.
     *
     * @param actor the caller
     * @param teamId the team
     * @param role the caller's role there
     */
    public record TeamAccess(Actor actor, UUID teamId, Role role) {}

    /** The caller's access to {@code teamId}, requiring at least {@code min}. */
    public Uni<TeamAccess> require(UUID teamId, Role min) {
        return users.current()
                .flatMap(actor -> Sql.one(
                                pool,
                                r -> r.getString("role"),
                                "SELECT role FROM memberships WHERE team_id = $1 AND user_id = $2 AND active",
                                teamId,
                                actor.userId())
                        .map(membership -> {
                            Role role = Role.require(membership, min, "team");
                            return new TeamAccess(actor, teamId, role);
                        }));
    }

    /**
     * The caller, whose e-mail address the OIDC provider must have verified; 403 otherwise. Needed wherever
     * the address itself grants something (accepting an invitation sent to it).
     */
    public Uni<Actor> actorWithVerifiedEmail() {
        return users.current().map(actor -> {
            if (!users.emailVerified()) {
                throw ApiException.forbidden(
                        "your e-mail address is not verified at the identity provider; verify it, sign in again, then accept");
            }
            return actor;
        });
    }

    /** The caller, for operations that are not scoped by a team. */
    public Uni<Actor> actor() {
        return users.current();
    }
}
