package dev.dash.web.team;

import dev.dash.model.api.ApiException;
import dev.dash.model.team.Role;
import dev.dash.web.api.Checks;
import dev.dash.web.api.UniqueViolations;
import dev.dash.web.audit.AuditLog;
import dev.dash.web.auth.Access;
import dev.dash.web.auth.repository.UserEntity;
import dev.dash.web.team.repository.InvitationEntity;
import dev.dash.web.team.repository.InvitationRepository;
import dev.dash.web.team.repository.MembershipEntity;
import dev.dash.web.team.repository.MembershipRepository;
import dev.dash.web.team.repository.TeamRepository;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.quarkus.logging.Log;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.LockModeType;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Locale;
import java.util.UUID;

/**
 * Invitations by e-mail address: an owner invites, the person whose token carries that address accepts
 * (after signing in through the OIDC provider, which verified the address). Check role, validate, repository
 * (Hibernate Reactive Panache), audit in the same transaction.
 */
@ApplicationScoped
public class InvitationService {
    private final Access access;
    private final AuditLog audit;
    private final InvitationRepository invitations;
    private final MembershipRepository memberships;
    private final TeamRepository teams;

    public InvitationService(
            Access access,
            AuditLog audit,
            InvitationRepository invitations,
            MembershipRepository memberships,
            TeamRepository teams) {
        this.access = access;
        this.audit = audit;
        this.invitations = invitations;
        this.memberships = memberships;
        this.teams = teams;
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

    static Invitation invitation(InvitationEntity i, String teamName) {
        return new Invitation(
                i.id,
                i.teamId,
                teamName,
                i.email,
                i.role.dbName(),
                i.expiresAt,
                i.acceptedAt,
                i.revokedAt,
                i.insertedAt);
    }

    /** The invitation with its team fetched ({@link InvitationRepository}'s listings). */
    static Invitation invitation(InvitationEntity i) {
        return invitation(i, i.team.name);
    }

    /** Now, at the database's precision, for the timestamps this service sets. */
    private static Instant now() {
        return Instant.now().truncatedTo(ChronoUnit.MICROS);
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
                .flatMap(a -> Panache.withTransaction(() -> invitations
                        .addresseeIsMember(teamId, email)
                        .flatMap(member -> {
                            if (member) {
                                return Uni.createFrom()
                                        .failure(ApiException.conflict("email", "is already a member of the team"));
                            }
                            InvitationEntity i = new InvitationEntity();
                            i.id = id;
                            i.teamId = teamId;
                            i.email = email;
                            i.role = Role.of(in.role());
                            i.invitedBy = a.actor().userId();
                            i.expiresAt = now().plus(Duration.ofDays(days));
                            return invitations
                                    .persistAndFlush(i)
                                    .onFailure()
                                    .transform(e ->
                                            UniqueViolations.asConflict(e, "email", "already has an open invitation"))
                                    .flatMap(x -> teams.findById(teamId))
                                    .map(team -> invitation(i, team.name))
                                    .call(inv -> audit.record(
                                            a.actor(), teamId, "invitation.create", "invitation", id, null, inv));
                        })))
                .invoke(inv -> Log.infof("Invitation %s to team %s (%s)", inv.id(), teamId, inv.role()));
    }

    public Uni<List<Invitation>> ofTeam(UUID teamId) {
        return access.require(teamId, Role.OWNER)
                .flatMap(a -> Panache.withSession(() -> invitations.ofTeam(teamId)))
                .map(list -> list.stream().map(InvitationService::invitation).toList());
    }

    public Uni<Void> revoke(UUID teamId, UUID invitationId) {
        return access.require(teamId, Role.OWNER)
                .flatMap(a -> Panache.withTransaction(() -> invitations
                        .findById(invitationId, LockModeType.PESSIMISTIC_WRITE)
                        .flatMap(i -> {
                            if (i == null || !i.teamId.equals(teamId)) {
                                return Uni.createFrom().failure(ApiException.notFound("invitation"));
                            }
                            if (i.acceptedAt != null || i.revokedAt != null) {
                                return Uni.createFrom().failure(ApiException.conflict("the invitation is closed"));
                            }
                            return teams.findById(teamId).flatMap(team -> {
                                Invitation before = invitation(i, team.name);
                                i.revokedAt = now();
                                Invitation after = invitation(i, team.name);
                                return audit.record(
                                        a.actor(),
                                        teamId,
                                        "invitation.revoke",
                                        "invitation",
                                        invitationId,
                                        before,
                                        after);
                            });
                        })))
                .replaceWithVoid();
    }

    /** The open invitations addressed to the caller's e-mail address. */
    public Uni<List<Invitation>> mine() {
        return access.actor()
                .flatMap(actor -> Panache.withSession(() -> invitations.openFor(actor.email())))
                .map(list -> list.stream().map(InvitationService::invitation).toList());
    }

    /**
     * Accepts an invitation addressed to the caller; anyone else gets 404. The address must be verified
     * ({@code email_verified} in the token), or anyone could claim an invitation by registering the address.
     */
    public Uni<TeamService.Member> accept(UUID invitationId) {
        return access.actorWithVerifiedEmail()
                .flatMap(actor -> Panache.withTransaction(() -> invitations
                                .findById(invitationId, LockModeType.PESSIMISTIC_WRITE)
                                .flatMap(i -> {
                                    if (i == null || !i.email.equalsIgnoreCase(actor.email())) {
                                        return Uni.createFrom().failure(ApiException.notFound("invitation"));
                                    }
                                    if (i.acceptedAt != null || i.revokedAt != null) {
                                        return Uni.createFrom()
                                                .failure(ApiException.conflict("the invitation is closed"));
                                    }
                                    if (i.expiresAt.isBefore(Instant.now())) {
                                        return Uni.createFrom()
                                                .failure(ApiException.conflict("the invitation has expired"));
                                    }
                                    return memberships
                                            .member(i.teamId, actor.userId())
                                            .flatMap(existing -> existing != null
                                                    ? Uni.createFrom()
                                                            .failure(ApiException.conflict(
                                                                    "you are already a member of the team"))
                                                    : join(i, actor.userId()));
                                })
                                .call(member -> audit.record(
                                        actor,
                                        member.teamId,
                                        "invitation.accept",
                                        "membership",
                                        actor.userId(),
                                        null,
                                        TeamService.member(member, member.user))))
                        .onFailure()
                        .transform(e -> UniqueViolations.is(e)
                                ? ApiException.conflict("you are already a member of the team")
                                : e)
                        .flatMap(m -> Uni.createFrom().item(TeamService.member(m, m.user))));
    }

    /** The caller joins the invitation's team with its role; the invitation is closed. */
    private Uni<MembershipEntity> join(InvitationEntity i, UUID userId) {
        MembershipEntity m = new MembershipEntity();
        m.id = UUID.randomUUID();
        m.teamId = i.teamId;
        m.userId = userId;
        m.role = i.role;
        i.acceptedAt = now();
        return memberships
                .persistAndFlush(m)
                .call(x -> Panache.getSession()
                        .flatMap(s -> s.find(UserEntity.class, userId))
                        .invoke(user -> m.user = user))
                .replaceWith(m);
    }
}
