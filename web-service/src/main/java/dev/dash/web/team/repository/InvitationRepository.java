package dev.dash.web.team.repository;

import io.quarkus.hibernate.reactive.panache.PanacheRepositoryBase;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.List;
import java.util.UUID;

/** Invitations, through Hibernate Reactive Panache; run inside a Panache session. */
@ApplicationScoped
public class InvitationRepository implements PanacheRepositoryBase<InvitationEntity, UUID> {

    /** The team's invitations, newest first, with the team (for its name). */
    public Uni<List<InvitationEntity>> ofTeam(UUID teamId) {
        return find("from InvitationEntity i join fetch i.team where i.teamId = ?1 order by i.insertedAt desc", teamId)
                .list();
    }

    /** The open, unexpired invitations addressed to {@code email} (any case), newest first. */
    public Uni<List<InvitationEntity>> openFor(String email) {
        return find(
                        "from InvitationEntity i join fetch i.team where lower(i.email) = lower(?1)"
                                + " and i.acceptedAt is null and i.revokedAt is null and i.expiresAt > current_timestamp"
                                + " order by i.insertedAt desc",
                        email)
                .list();
    }

    /** Whether a user with the address {@code email} (any case) is a member of the team, active or not. */
    public Uni<Boolean> addresseeIsMember(UUID teamId, String email) {
        return getSession()
                .flatMap(s -> s.createSelectionQuery(
                                "select count(*) from MembershipEntity m join m.user u"
                                        + " where m.teamId = ?1 and lower(u.email) = ?2",
                                Long.class)
                        .setParameter(1, teamId)
                        .setParameter(2, email)
                        .getSingleResult())
                .map(n -> n > 0);
    }
}
