package dev.dash.web.team;

import dev.dash.model.api.ApiException;
import dev.dash.model.team.Role;
import dev.dash.web.api.Checks;
import dev.dash.web.api.Sql;
import dev.dash.web.audit.AuditLog;
import dev.dash.web.auth.Access;
import io.quarkus.logging.Log;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.SqlClient;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.UUID;

/**
 * Invitations by e-mail address: an owner invites, the person whose token carries that address accepts
 * (after signing in through the OIDC provider, which verified the address).
 */
@ApplicationScoped
public class InvitationService {
    private final Pool pool;
    private final Access access;
    private final AuditLog audit;

    public InvitationService(Pool pool, Access access, AuditLog audit) {
        this.pool = pool;
        this.access = access;
        this.audit = audit;
    }

    public record Invitation(
            UUID id,
            UUID teamId,
            String teamName,
            String email,
            String role,
            Instant expiresAt,
            Instant acceptedAt,
            Instant revokedAt,
            Instant insertedAt) {}

    public record CreateInvitation(String email, String role, Integer expiresInDays) {}

    private static final String SELECT = """
            SELECT i.id, i.team_id, t.name AS team_name, i.email, i.role, i.expires_at, i.accepted_at, i.revoked_at,
                   i.inserted_at
            FROM invitations i JOIN teams t ON t.id = i.team_id
            """;

    static Invitation invitation(Row r) {
        return new Invitation(
                r.getUUID("id"),
                r.getUUID("team_id"),
                r.getString("team_name"),
                r.getString("email"),
                r.getString("role"),
                Sql.instant(r, "expires_at"),
                Sql.instant(r, "accepted_at"),
                Sql.instant(r, "revoked_at"),
                Sql.instant(r, "inserted_at"));
    }

    public Uni<Invitation> create(UUID teamId, CreateInvitation in) {
        Checks.start().require("body", in).orThrow();
        Checks.start()
                .email("email", in.email())
                .oneOf("role", in.role(), Role.NAMES, true)
                .range("expires_in_days", in.expiresInDays(), 1, 90)
                .orThrow();
        int days = in.expiresInDays() == null ? 14 : in.expiresInDays();
        UUID id = UUID.randomUUID();
        String email = in.email().strip().toLowerCase(Locale.ROOT);
        return access.require(teamId, Role.OWNER)
                .flatMap(a -> pool.withTransaction(tx -> Sql.one(tx, r -> r.getUUID("user_id"), """
                                SELECT m.user_id FROM memberships m JOIN users u ON u.id = m.user_id
                                WHERE m.team_id = $1 AND lower(u.email) = $2
                                """, teamId, email)
                        .flatMap(existing -> {
                            if (existing != null) {
                                return Uni.createFrom()
                                        .failure(ApiException.conflict("email", "is already a member of the team"));
                            }
                            return Sql.run(
                                            tx,
                                            """
                                            INSERT INTO invitations (id, team_id, email, role, invited_by, expires_at)
                                            VALUES ($1, $2, $3, $4, $5, now() + make_interval(days => $6))
                                            """,
                                            id,
                                            teamId,
                                            email,
                                            in.role(),
                                            a.actor().userId(),
                                            days)
                                    .onFailure()
                                    .transform(e -> TeamService.unique(e, "email", "already has an open invitation"))
                                    .flatMap(x -> load(tx, id))
                                    .call(inv -> audit.record(
                                            tx, a.actor(), teamId, "invitation.create", "invitation", id, null, inv));
                        })))
                .invoke(inv -> Log.infof("Invitation %s to team %s (%s)", inv.id(), teamId, inv.role()));
    }

    private Uni<Invitation> load(SqlClient c, UUID id) {
        return Sql.one(c, InvitationService::invitation, SELECT + " WHERE i.id = $1", id);
    }

    public Uni<List<Invitation>> ofTeam(UUID teamId) {
        return access.require(teamId, Role.OWNER)
                .flatMap(a -> Sql.list(
                        pool,
                        InvitationService::invitation,
                        SELECT + " WHERE i.team_id = $1 ORDER BY i.inserted_at DESC",
                        teamId));
    }

    public Uni<Void> revoke(UUID teamId, UUID invitationId) {
        return access.require(teamId, Role.OWNER)
                .flatMap(a -> pool.withTransaction(tx -> Sql.one(
                                tx,
                                InvitationService::invitation,
                                SELECT + " WHERE i.id = $1 AND i.team_id = $2 FOR UPDATE OF i",
                                invitationId,
                                teamId)
                        .flatMap(before -> {
                            if (before == null) {
                                return Uni.createFrom().failure(ApiException.notFound("invitation"));
                            }
                            if (before.acceptedAt() != null || before.revokedAt() != null) {
                                return Uni.createFrom().failure(ApiException.conflict("the invitation is closed"));
                            }
                            return Sql.run(tx, "UPDATE invitations SET revoked_at = now() WHERE id = $1", invitationId)
                                    .flatMap(x -> load(tx, invitationId))
                                    .call(after -> audit.record(
                                            tx,
                                            a.actor(),
                                            teamId,
                                            "invitation.revoke",
                                            "invitation",
                                            invitationId,
                                            before,
                                            after));
                        })))
                .replaceWithVoid();
    }

    /** The open invitations addressed to the caller's e-mail address. */
    public Uni<List<Invitation>> mine() {
        return access.actor()
                .flatMap(actor -> Sql.list(
                        pool,
                        InvitationService::invitation,
                        SELECT
                                + " WHERE lower(i.email) = lower($1) AND i.accepted_at IS NULL AND i.revoked_at IS NULL"
                                + " AND i.expires_at > now() ORDER BY i.inserted_at DESC",
                        actor.email()));
    }

    /**
     * Accepts an invitation addressed to the caller; anyone else gets 404. The address must be verified
     * ({@code email_verified} in the token), or anyone could claim an invitation by registering the address.
     */
    public Uni<TeamService.Member> accept(UUID invitationId) {
        return access.actorWithVerifiedEmail()
                .flatMap(actor -> pool.withTransaction(tx -> Sql.one(
                                tx,
                                InvitationService::invitation,
                                SELECT + " WHERE i.id = $1 AND lower(i.email) = lower($2) FOR UPDATE OF i",
                                invitationId,
                                actor.email())
                        .flatMap(inv -> {
                            if (inv == null) {
                                return Uni.createFrom().failure(ApiException.notFound("invitation"));
                            }
                            if (inv.acceptedAt() != null || inv.revokedAt() != null) {
                                return Uni.createFrom().failure(ApiException.conflict("the invitation is closed"));
                            }
                            if (inv.expiresAt().isBefore(Instant.now())) {
                                return Uni.createFrom().failure(ApiException.conflict("the invitation has expired"));
                            }
                            return Sql.run(tx, """
                                            INSERT INTO memberships (id, team_id, user_id, role) VALUES ($1, $2, $3, $4)
                                            ON CONFLICT (team_id, user_id) DO NOTHING
                                            """, UUID.randomUUID(), inv.teamId(), actor.userId(), inv.role())
                                    .flatMap(rows -> rows.rowCount() == 0
                                            ? Uni.createFrom()
                                                    .failure(ApiException.conflict(
                                                            "you are already a member of the team"))
                                            : Sql.run(
                                                    tx,
                                                    "UPDATE invitations SET accepted_at = now() WHERE id = $1",
                                                    invitationId))
                                    .flatMap(x -> Sql.one(tx, TeamService::member, """
                                            SELECT m.user_id, u.email, u.display_name, m.role, m.inserted_at
                                            FROM memberships m JOIN users u ON u.id = m.user_id
                                            WHERE m.team_id = $1 AND m.user_id = $2
                                            """, inv.teamId(), actor.userId()))
                                    .call(member -> audit.record(
                                            tx,
                                            actor,
                                            inv.teamId(),
                                            "invitation.accept",
                                            "membership",
                                            actor.userId(),
                                            null,
                                            member));
                        })));
    }
}
