package dev.dash.web.live.websocket;

import dev.dash.model.team.Role;
import dev.dash.web.api.Sql;
import dev.dash.web.auth.SameOrigin;
import dev.dash.web.auth.SecurityConfig;
import io.quarkus.security.identity.SecurityIdentity;
import io.quarkus.websockets.next.HttpUpgradeCheck;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.eclipse.microprofile.jwt.JsonWebToken;

/**
 * Who may open a team's live dashboard (docs/live.md, docs/rbac.md): decided on the HTTP upgrade. The caller
 * was authenticated by quarkus-oidc like any request (a bearer token, or the browser session cookie). No
 * identity → 401; not in the team, or no such dashboard in it → 404; a cookie-authenticated upgrade whose
 * {@code Origin} is not this server → 403 (a page of another site must not open a socket with the viewer's
 * cookie); otherwise any role of the team (viewer or higher) may watch.
 */
@ApplicationScoped
public class LiveUpgradeCheck implements HttpUpgradeCheck {
    private final Pool pool;
    private final List<String> trustedOrigins;

    public LiveUpgradeCheck(Pool pool, SecurityConfig security) {
        this.pool = pool;
        this.trustedOrigins = security.trustedOrigins().orElse(List.of());
    }

    @Override
    public boolean appliesTo(String endpointId) {
        return LiveWebSocket.ID.equals(endpointId);
    }

    @Override
    public Uni<CheckResult> perform(HttpUpgradeContext context) {
        return context.securityIdentity().flatMap(identity -> {
            String subject = subject(identity);
            if (subject == null) {
                return CheckResult.rejectUpgrade(401, Map.of("WWW-Authenticate", List.of("Bearer")));
            }
            UUID teamId = uuid(context.pathParam("teamId"));
            UUID dashboardId = uuid(context.pathParam("dashboardId"));
            if (teamId == null || dashboardId == null) {
                return CheckResult.rejectUpgrade(404);
            }
            var request = context.httpRequest();
            if (request.getHeader("Authorization") == null && !SameOrigin.check(request, trustedOrigins)) {
                return CheckResult.rejectUpgrade(403);
            }
            return Sql.one(pool, r -> Role.of(r.getString("role")), """
                            SELECT m.role FROM dashboards d
                            JOIN memberships m ON m.team_id = d.team_id AND m.active
                            JOIN users u ON u.id = m.user_id
                            WHERE d.id = $1 AND d.team_id = $2 AND u.oidc_subject = $3
                            """, dashboardId, teamId, subject)
                    .flatMap(role -> role == null || !role.atLeast(Role.VIEWER)
                            ? CheckResult.rejectUpgrade(404)
                            : CheckResult.permitUpgrade());
        });
    }

    private static String subject(SecurityIdentity identity) {
        if (identity == null || identity.isAnonymous() || !(identity.getPrincipal() instanceof JsonWebToken jwt)) {
            return null;
        }
        return jwt.getSubject();
    }

    static UUID uuid(String text) {
        try {
            return text == null ? null : UUID.fromString(text);
        } catch (IllegalArgumentException e) {
            return null;
        }
    }
}
