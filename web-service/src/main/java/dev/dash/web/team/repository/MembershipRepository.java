package dev.dash.web.team.repository;

import dev.dash.model.team.Role;
import io.quarkus.hibernate.reactive.panache.PanacheRepositoryBase;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.LockModeType;
import java.util.List;
import java.util.UUID;
import org.hibernate.reactive.mutiny.Mutiny;

/** Memberships (a user's role in a team), through Hibernate Reactive Panache; run inside a Panache session. */
@ApplicationScoped
public class MembershipRepository implements PanacheRepositoryBase<MembershipEntity, UUID> {

    /** The caller's active teams with their role there, by team name. */
    public Uni<List<MembershipEntity>> activeOfUser(UUID userId) {
        return find(
                        "from MembershipEntity m join fetch m.team t where m.userId = ?1 and m.active = true order by t.name",
                        userId)
                .list();
    }

    /** The team's active members with their user rows, by e-mail address. */
    public Uni<List<MembershipEntity>> activeOfTeam(UUID teamId) {
        return find(
                        "from MembershipEntity m join fetch m.user u where m.teamId = ?1 and m.active = true order by u.email",
                        teamId)
                .list();
    }

    /**
     * One membership (active or not) with its user row, or null. The user is fetched explicitly too: when the
     * membership was in the session already ({@link #lockOwners}), {@code join fetch} leaves its user a proxy, and
     * reactive sessions have no transparent lazy loading.
     */
    public Uni<MembershipEntity> member(UUID teamId, UUID userId) {
        return find("from MembershipEntity m join fetch m.user where m.teamId = ?1 and m.userId = ?2", teamId, userId)
                .firstResult()
                .call(m -> m == null
                        ? Uni.createFrom().voidItem()
                        : Mutiny.fetch(m.user).invoke(u -> m.user = u));
    }

    /**
     * Locks the team's active owner rows ({@code FOR UPDATE}) and tells how many owners there are, so two
     * demotions or departures cannot both leave a team without an owner.
     */
    public Uni<Integer> lockOwners(UUID teamId) {
        return find("teamId = ?1 and role = ?2 and active = true", teamId, Role.OWNER)
                .withLock(LockModeType.PESSIMISTIC_WRITE)
                .list()
                .map(List::size);
    }
}
