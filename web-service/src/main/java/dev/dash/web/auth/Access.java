package dev.dash.web.auth;

import dev.dash.model.api.ApiException;
import dev.dash.model.team.Role;
import dev.dash.web.auth.repository.UserRepository;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.UUID;

/**
 * The authorization of the service layer (docs/rbac.md): every team-scoped operation starts here, with the
 * team-role rule of {@link Role#require} (shared with replay-service): someone not in the team gets 404 for it
 * and everything in it, so ids of other teams do not leak; a member whose role is too low gets 403. The
 * membership is read by {@link UserRepository#roleOf} in a Panache session of its own (or the caller's, when
 * one is open), closed before the service's transaction begins.
 */
@ApplicationScoped
public class Access {
    private final UserRepository repository;
    private final Users users;

    public Access(UserRepository repository, Users users) {
        this.repository = repository;
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
                .flatMap(actor -> Panache.withSession(() -> repository.roleOf(teamId, actor.userId()))
                        .map(role -> new TeamAccess(actor, teamId, Role.require(role, min, "team"))));
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
