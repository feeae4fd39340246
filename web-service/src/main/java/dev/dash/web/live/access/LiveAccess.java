package dev.dash.web.live.access;

import dev.dash.model.team.Role;
import dev.dash.web.api.Sql;
import dev.dash.web.dashboard.DashboardService;
import dev.dash.web.live.LiveConfig;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;
import java.util.HexFormat;
import java.util.UUID;

/**
 * Who may open a live dashboard, as the upgrade checks and the endpoints ask it (docs/live.md, "Connects"):
 * a public link's dashboard by the hash of its token, a user's role in a dashboard's team. Both are remembered
 * for {@code dash.live.access-cache} and loaded once for all the connects asking at the same moment, so the
 * upgrade and the endpoint's open (which both need the link) and a storm of reconnects cost one query between
 * them. The access check of open connections ({@code LiveStreams}) forgets what it finds revoked or ended.
 */
@ApplicationScoped
public class LiveAccess {
    /** A valid public link: its dashboard, and its token's hash as the access check compares it. */
    public record Link(UUID teamId, UUID dashboardId, String tokenHash, Instant expiresAt) {
        boolean expired() {
            return expiresAt != null && !expiresAt.isAfter(Instant.now());
        }
    }

    /** A member's identity on one dashboard. */
    private record Member(String subject, UUID teamId, UUID dashboardId) {}

    private static final int MAX_ENTRIES = 100_000;

    private final AccessCache<String, Link> links;
    private final AccessCache<Member, Role> roles;

    public LiveAccess(Pool pool, LiveConfig config) {
        long ttl = config.accessCache().toNanos();
        this.links = new AccessCache<>(
                hash -> Sql.one(
                        pool,
                        r -> new Link(
                                r.getUUID("team_id"), r.getUUID("id"), hash, Sql.instant(r, "public_token_expires_at")),
                        """
                        SELECT id, team_id, public_token_expires_at FROM dashboards
                        WHERE public_token_hash = $1 AND is_public
                          AND (public_token_expires_at IS NULL OR public_token_expires_at > now())
                        """,
                        HexFormat.of().parseHex(hash)),
                ttl,
                MAX_ENTRIES);
        this.roles = new AccessCache<>(
                m -> Sql.one(pool, r -> Role.of(r.getString("role")), """
                        SELECT m.role FROM dashboards d
                        JOIN memberships m ON m.team_id = d.team_id AND m.active
                        JOIN users u ON u.id = m.user_id
                        WHERE d.id = $1 AND d.team_id = $2 AND u.oidc_subject = $3
                        """, m.dashboardId(), m.teamId(), m.subject()),
                ttl,
                MAX_ENTRIES);
    }

    /** The token's hash as stored, in hex (how viewers and the access check name a link). */
    public static String hash(String token) {
        return HexFormat.of().formatHex(DashboardService.hash(token));
    }

    /** The valid link of a public token; null for an unknown, revoked or expired one. */
    public Uni<Link> link(String token) {
        return links.get(hash(token)).map(l -> l == null || l.expired() ? null : l);
    }

    /** The role of {@code subject} in the team of the dashboard; null when not a member or no such dashboard. */
    public Uni<Role> role(String subject, UUID teamId, UUID dashboardId) {
        return roles.get(new Member(subject, teamId, dashboardId));
    }

    /** A link found revoked or expired: the next connect with it asks the database. */
    public void forgetLink(String tokenHash) {
        links.forget(tokenHash);
    }

    /** A membership found ended: the next connect of this subject to this dashboard asks the database. */
    public void forgetMember(String subject, UUID teamId, UUID dashboardId) {
        roles.forget(new Member(subject, teamId, dashboardId));
    }
}
