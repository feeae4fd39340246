package dev.dash.web.team;

import dev.dash.model.api.ApiException;
import dev.dash.model.team.Role;
import dev.dash.web.api.Checks;
import dev.dash.web.api.Sql;
import dev.dash.web.audit.AuditLog;
import dev.dash.web.auth.Access;
import dev.dash.web.pipeline.ControlPublisher;
import dev.dash.web.team.repository.TeamEntity;
import dev.dash.web.team.repository.TeamRepository;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.quarkus.logging.Log;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.SqlClient;
import io.vertx.pgclient.PgException;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

/** Teams and their members. Owners manage members; the last owner can neither leave nor be demoted. */
@ApplicationScoped
public class TeamService {
    private final Pool pool;
    private final Access access;
    private final AuditLog audit;
    private final ControlPublisher control;
    private final TeamRepository teams;

    public TeamService(Pool pool, Access access, AuditLog audit, ControlPublisher control, TeamRepository teams) {
        this.pool = pool;
        this.teams = teams;
        this.access = access;
        this.audit = audit;
        this.control = control;
    }

    /**
     * A team as its members see it.
     *
     * @param role the caller's role in it
     */
    public record Team(UUID id, String name, String slug, int storageLimitGb, String role, Instant insertedAt) {}

    public record CreateTeam(String name, String slug) {}

    public record UpdateTeam(String name) {}

    public record Member(UUID userId, String email, String displayName, String role, Instant insertedAt) {}

    public record ChangeRole(String role) {}

    private static final String TEAM_COLUMNS = "t.id, t.name, t.slug, t.storage_limit_gb, m.role, t.inserted_at";

    static Team team(Row r) {
        return new Team(
                r.getUUID("id"),
                r.getString("name"),
                r.getString("slug"),
                r.getInteger("storage_limit_gb"),
                r.getString("role"),
                Sql.instant(r, "inserted_at"));
    }

    static Member member(Row r) {
        return new Member(
                r.getUUID("user_id"),
                r.getString("email"),
                r.getString("display_name"),
                r.getString("role"),
                Sql.instant(r, "inserted_at"));
    }

    public Uni<List<Team>> mine() {
        return access.actor()
                .flatMap(actor -> Sql.list(
                        pool,
                        TeamService::team,
                        "SELECT " + TEAM_COLUMNS
                                + " FROM teams t JOIN memberships m ON m.team_id = t.id"
                                + " WHERE m.user_id = $1 AND m.active ORDER BY t.name",
                        actor.userId()));
    }

    public Uni<Team> get(UUID teamId) {
        return access.require(teamId, Role.VIEWER)
                .flatMap(a -> load(pool, teamId, a.actor().userId()));
    }

    private Uni<Team> load(SqlClient c, UUID teamId, UUID userId) {
        return Sql.one(
                c,
                TeamService::team,
                "SELECT " + TEAM_COLUMNS
                        + " FROM teams t JOIN memberships m ON m.team_id = t.id AND m.user_id = $2 WHERE t.id = $1",
                teamId,
                userId);
    }

    public Uni<Team> create(CreateTeam in) {
        Checks.start().require("body", in).orThrow();
        Checks.start()
                .text("name", in.name(), true, 200)
                .slug("slug", in.slug(), true)
                .orThrow();
        UUID teamId = UUID.randomUUID();
        return access.actor()
                .flatMap(actor -> pool.withTransaction(tx -> Sql.run(
                                        tx,
                                        "INSERT INTO teams (id, name, slug) VALUES ($1, $2, $3)",
                                        teamId,
                                        in.name().strip(),
                                        in.slug())
                                .onFailure(PgException.class)
                                .transform(e -> unique(e, "slug", "is taken"))
                                .flatMap(x -> Sql.run(
                                        tx,
                                        "INSERT INTO memberships (id, team_id, user_id, role) VALUES ($1, $2, $3, 'owner')",
                                        UUID.randomUUID(),
                                        teamId,
                                        actor.userId()))
                                .flatMap(x -> load(tx, teamId, actor.userId()))
                                .call(team ->
                                        audit.record(tx, actor, teamId, "team.create", "team", teamId, null, team)))
                        .invoke(t -> Log.infof("Team %s (%s) created by %s", t.id(), t.slug(), actor.userId())));
    }

    /** Renames a team: check role, validate, repository, audit (in the repository's transaction). */
    public Uni<Team> update(UUID teamId, UpdateTeam in) {
        Checks.start().require("body", in).orThrow();
        Checks.start().text("name", in.name(), true, 200).orThrow();
        return access.require(teamId, Role.ADMIN)
                .flatMap(a -> Panache.withTransaction(() -> teams.findById(teamId)
                        .onItem()
                        .ifNull()
                        .failWith(() -> ApiException.notFound("team"))
                        .flatMap(entity -> {
                            Team before = team(entity, a.role());
                            entity.name = in.name().strip();
                            entity.updatedAt = Instant.now();
                            Team after = team(entity, a.role());
                            return Panache.getSession()
                                    .flatMap(session -> audit.record(
                                            session, a.actor(), teamId, "team.update", "team", teamId, before, after))
                                    .replaceWith(after);
                        })));
    }

    private static Team team(TeamEntity e, Role role) {
        return new Team(e.id, e.name, e.slug, e.storageLimitGb, role.dbName(), e.insertedAt);
    }

    public Uni<Void> delete(UUID teamId) {
        return access.require(teamId, Role.OWNER)
                .flatMap(a -> pool.withTransaction(tx -> load(
                                        tx, teamId, a.actor().userId())
                                .flatMap(before -> Sql.list(
                                                tx,
                                                r -> r.getUUID("id"),
                                                "SELECT id FROM pipelines WHERE team_id = $1",
                                                teamId)
                                        .call(x -> Sql.run(tx, "DELETE FROM teams WHERE id = $1", teamId))
                                        .call(x -> audit.record(
                                                tx, a.actor(), teamId, "team.delete", "team", teamId, before, null))))
                        .call(pipelines -> control.tombstones(pipelines))
                        .invoke(p -> Log.infof(
                                "Team %s deleted by %s", teamId, a.actor().userId())))
                .replaceWithVoid();
    }

    public Uni<List<Member>> members(UUID teamId) {
        return access.require(teamId, Role.VIEWER).flatMap(a -> Sql.list(pool, TeamService::member, """
                        SELECT m.user_id, u.email, u.display_name, m.role, m.inserted_at
                        FROM memberships m JOIN users u ON u.id = m.user_id
                        WHERE m.team_id = $1 AND m.active ORDER BY u.email
                        """, teamId));
    }

    private Uni<Member> loadMember(SqlClient c, UUID teamId, UUID userId) {
        return Sql.one(c, TeamService::member, """
                SELECT m.user_id, u.email, u.display_name, m.role, m.inserted_at
                FROM memberships m JOIN users u ON u.id = m.user_id WHERE m.team_id = $1 AND m.user_id = $2
                """, teamId, userId);
    }

    /** Locks the team's owner rows and tells how many owners there are, so two demotions cannot race. */
    private Uni<Integer> lockOwners(SqlClient tx, UUID teamId) {
        return Sql.list(
                        tx,
                        r -> r.getUUID("user_id"),
                        "SELECT user_id FROM memberships WHERE team_id = $1 AND role = 'owner' AND active FOR UPDATE",
                        teamId)
                .map(List::size);
    }

    public Uni<Member> changeRole(UUID teamId, UUID userId, ChangeRole in) {
        Checks.start().require("body", in).orThrow();
        Checks.start().oneOf("role", in.role(), Role.NAMES, true).orThrow();
        return access.require(teamId, Role.OWNER)
                .flatMap(a -> pool.withTransaction(tx -> lockOwners(tx, teamId)
                        .flatMap(owners -> loadMember(tx, teamId, userId).flatMap(before -> {
                            if (before == null) {
                                return Uni.createFrom().failure(ApiException.notFound("member"));
                            }
                            if (before.role().equals("owner") && !in.role().equals("owner") && owners <= 1) {
                                return Uni.createFrom()
                                        .failure(ApiException.conflict("role", "the last owner cannot be demoted"));
                            }
                            return Sql.run(
                                            tx,
                                            "UPDATE memberships SET role = $3, updated_at = now() WHERE team_id = $1 AND user_id = $2",
                                            teamId,
                                            userId,
                                            in.role())
                                    .flatMap(x -> loadMember(tx, teamId, userId))
                                    .call(after -> audit.record(
                                            tx, a.actor(), teamId, "member.role", "membership", userId, before, after));
                        }))));
    }

    /** Removes a member; owners may remove anyone, every member may remove themselves (leave). */
    public Uni<Void> removeMember(UUID teamId, UUID userId) {
        return access.require(teamId, Role.VIEWER)
                .flatMap(a -> {
                    boolean self = a.actor().userId().equals(userId);
                    if (!self && !a.role().atLeast(Role.OWNER)) {
                        return Uni.createFrom().failure(ApiException.forbidden("only owners remove other members"));
                    }
                    return pool.withTransaction(tx -> lockOwners(tx, teamId)
                            .flatMap(owners -> loadMember(tx, teamId, userId).flatMap(before -> {
                                if (before == null) {
                                    return Uni.createFrom().failure(ApiException.notFound("member"));
                                }
                                if (before.role().equals("owner") && owners <= 1) {
                                    return Uni.createFrom()
                                            .failure(ApiException.conflict(
                                                    "user_id",
                                                    "the last owner cannot leave; delete the team or add an owner"));
                                }
                                return Sql.run(
                                                tx,
                                                "DELETE FROM memberships WHERE team_id = $1 AND user_id = $2",
                                                teamId,
                                                userId)
                                        .call(x -> audit.record(
                                                tx,
                                                a.actor(),
                                                teamId,
                                                self ? "member.leave" : "member.remove",
                                                "membership",
                                                userId,
                                                before,
                                                null));
                            })));
                })
                .replaceWithVoid();
    }

    static Throwable unique(Throwable e, String field, String reason) {
        return e instanceof PgException p && "23505".equals(p.getSqlState()) ? ApiException.conflict(field, reason) : e;
    }
}
