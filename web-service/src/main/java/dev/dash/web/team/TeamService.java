package dev.dash.web.team;

import dev.dash.model.api.ApiException;
import dev.dash.model.team.Role;
import dev.dash.web.api.Checks;
import dev.dash.web.api.UniqueViolations;
import dev.dash.web.audit.AuditLog;
import dev.dash.web.auth.Access;
import dev.dash.web.auth.repository.UserEntity;
import dev.dash.web.pipeline.ControlPublisher;
import dev.dash.web.team.repository.MembershipEntity;
import dev.dash.web.team.repository.MembershipRepository;
import dev.dash.web.team.repository.TeamEntity;
import dev.dash.web.team.repository.TeamRepository;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.quarkus.logging.Log;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

/**
 * Teams and their members. Owners manage members; the last owner can neither leave nor be demoted. Every
 * operation goes check role, validate, repository (Hibernate Reactive Panache), audit in the same transaction,
 * then publish.
 */
@ApplicationScoped
public class TeamService {
    private final Access access;
    private final AuditLog audit;
    private final ControlPublisher control;
    private final TeamRepository teams;
    private final MembershipRepository memberships;

    public TeamService(
            Access access,
            AuditLog audit,
            ControlPublisher control,
            TeamRepository teams,
            MembershipRepository memberships) {
        this.teams = teams;
        this.memberships = memberships;
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

    static Team team(TeamEntity e, Role role) {
        return new Team(e.id, e.name, e.slug, e.storageLimitGb, role.dbName(), e.insertedAt);
    }

    /** The member's API representation; its user must be fetched ({@link MembershipRepository#member}). */
    static Member member(MembershipEntity m) {
        return member(m, m.user);
    }

    static Member member(MembershipEntity m, UserEntity user) {
        return new Member(m.userId, user.email, user.displayName, m.role.dbName(), m.insertedAt);
    }

    public Uni<List<Team>> mine() {
        return access.actor()
                .flatMap(actor -> Panache.withSession(() -> memberships.activeOfUser(actor.userId())))
                .map(list -> list.stream().map(m -> team(m.team, m.role)).toList());
    }

    public Uni<Team> get(UUID teamId) {
        return access.require(teamId, Role.VIEWER)
                .flatMap(a -> Panache.withSession(() -> teams.findById(teamId))
                        .map(e -> e == null ? null : team(e, a.role())));
    }

    public Uni<Team> create(CreateTeam in) {
        Checks.start().require("body", in).orThrow();
        Checks.start()
                .text("name", in.name(), true, 200)
                .slug("slug", in.slug(), true)
                .orThrow();
        UUID teamId = UUID.randomUUID();
        return access.actor()
                .flatMap(actor -> Panache.withTransaction(() -> {
                            TeamEntity team = new TeamEntity();
                            team.id = teamId;
                            team.name = in.name().strip();
                            team.slug = in.slug();
                            return teams.persistAndFlush(team)
                                    .onFailure()
                                    .transform(e -> UniqueViolations.asConflict(e, "slug", "is taken"))
                                    .flatMap(x -> {
                                        MembershipEntity owner = new MembershipEntity();
                                        owner.id = UUID.randomUUID();
                                        owner.teamId = teamId;
                                        owner.userId = actor.userId();
                                        owner.role = Role.OWNER;
                                        return memberships.persistAndFlush(owner);
                                    })
                                    .map(x -> team(team, Role.OWNER))
                                    .call(created ->
                                            audit.record(actor, teamId, "team.create", "team", teamId, null, created));
                        })
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
                            return audit.record(a.actor(), teamId, "team.update", "team", teamId, before, after)
                                    .replaceWith(after);
                        })));
    }

    public Uni<Void> delete(UUID teamId) {
        return access.require(teamId, Role.OWNER)
                .flatMap(a -> Panache.withTransaction(() -> teams.findById(teamId)
                                .flatMap(entity -> {
                                    Team before = entity == null ? null : team(entity, a.role());
                                    return teams.pipelineIds(teamId)
                                            .call(x -> teams.delete("id", teamId))
                                            .call(x -> audit.record(
                                                    a.actor(), teamId, "team.delete", "team", teamId, before, null));
                                }))
                        .call(pipelines -> control.tombstones(pipelines))
                        .invoke(p -> Log.infof(
                                "Team %s deleted by %s", teamId, a.actor().userId())))
                .replaceWithVoid();
    }

    public Uni<List<Member>> members(UUID teamId) {
        return access.require(teamId, Role.VIEWER)
                .flatMap(a -> Panache.withSession(() -> memberships.activeOfTeam(teamId)))
                .map(list -> list.stream().map(TeamService::member).toList());
    }

    public Uni<Member> changeRole(UUID teamId, UUID userId, ChangeRole in) {
        Checks.start().require("body", in).orThrow();
        Checks.start().oneOf("role", in.role(), Role.NAMES, true).orThrow();
        Role role = Role.of(in.role());
        return access.require(teamId, Role.OWNER)
                .flatMap(a -> Panache.withTransaction(() -> memberships
                        .lockOwners(teamId)
                        .flatMap(owners -> memberships.member(teamId, userId).flatMap(m -> {
                            if (m == null) {
                                return Uni.createFrom().failure(ApiException.notFound("member"));
                            }
                            if (m.role == Role.OWNER && role != Role.OWNER && owners <= 1) {
                                return Uni.createFrom()
                                        .failure(ApiException.conflict("role", "the last owner cannot be demoted"));
                            }
                            Member before = member(m);
                            m.role = role;
                            m.updatedAt = Instant.now();
                            Member after = member(m);
                            return audit.record(a.actor(), teamId, "member.role", "membership", userId, before, after)
                                    .replaceWith(after);
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
                    return Panache.withTransaction(() -> memberships
                            .lockOwners(teamId)
                            .flatMap(owners -> memberships
                                    .member(teamId, userId)
                                    .flatMap(m -> {
                                        if (m == null) {
                                            return Uni.createFrom().failure(ApiException.notFound("member"));
                                        }
                                        if (m.role == Role.OWNER && owners <= 1) {
                                            return Uni.createFrom()
                                                    .failure(
                                                            ApiException.conflict(
                                                                    "user_id",
                                                                    "the last owner cannot leave; delete the team or add an owner"));
                                        }
                                        Member before = member(m);
                                        return memberships
                                                .delete(m)
                                                .call(x -> audit.record(
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
}
