package dev.dash.model.team;

import dev.dash.model.api.ApiException;
import java.util.List;
import java.util.Locale;

/**
 * A member's role in a team, from least to most allowed (docs/rbac.md), and the one rule every service checks
 * it with ({@link #require}): web-service's {@code Access} and replay-service's {@code Caller}.
 */
public enum Role {
    VIEWER,
    MEMBER,
    ADMIN,
    OWNER;

    public static final List<String> NAMES = List.of("owner", "admin", "member", "viewer");

    public String dbName() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static Role of(String name) {
        return valueOf(name.toUpperCase(Locale.ROOT));
    }

    public boolean atLeast(Role other) {
        return compareTo(other) >= 0;
    }

    /**
     * The team-role rule: someone without an active membership gets 404 for the team and everything in it, so
     * ids of other teams do not leak; a member whose role is below {@code min} gets 403.
     *
     * @param membership the caller's role in the team as stored ({@code memberships.role}), null when the
     *     caller is not an active member
     * @param min the least role the operation needs
     * @param what what to call the resource in a 404 ("team", "pipeline", "replay")
     * @return the caller's role
     * @throws ApiException 404 or 403 as above
     */
    public static Role require(String membership, Role min, String what) {
        if (membership == null) {
            throw ApiException.notFound(what);
        }
        Role role = of(membership);
        if (!role.atLeast(min)) {
            throw ApiException.forbidden("this needs the role " + min.dbName() + " or higher in the team");
        }
        return role;
    }
}
