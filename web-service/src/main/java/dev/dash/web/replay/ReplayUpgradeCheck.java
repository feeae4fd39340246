package dev.dash.web.replay;

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
 * Who may watch a team's replays: the rule of the replay API (docs/rbac.md), decided on the HTTP upgrade
 * request, before any WebSocket exists. The caller was already authenticated by quarkus-oidc like any other
 * request (a bearer token, or the browser session cookie through the {@code web} tenant); an invalid token
 * never gets here (401 from the HTTP layer). Here: no identity → 401; not in the team (or no such team) →
 * 404; in the team below admin → 403; a cookie-authenticated upgrade whose {@code Origin} is not this site (or
 * is missing or {@code null}) → 403. A refused upgrade has no body.
 */
@ApplicationScoped
public class ReplayUpgradeCheck implements HttpUpgradeCheck {
    static final Role MIN_ROLE = Role.ADMIN;

    private final Pool pool;
    private final List<String> trustedOrigins;

    public ReplayUpgradeCheck(Pool pool, SecurityConfig security) {
        this.pool = pool;
        this.trustedOrigins = security.trustedOrigins().orElse(List.of());
    }

    @Override
    public boolean appliesTo(String endpointId) {
        return ReplayLiveWebSocket.ID.equals(endpointId);
    }

    @Override
    public Uni<CheckResult> perform(HttpUpgradeContext context) {
        return context.securityIdentity().flatMap(identity -> {
            String subject = subject(identity);
            if (subject == null) {
                return CheckResult.rejectUpgrade(401, Map.of("WWW-Authenticate", List.of("Bearer")));
            }
            UUID teamId = teamId(context.pathParam("teamId"));
            if (teamId == null) {
                return CheckResult.rejectUpgrade(404);
            }
            var request = context.httpRequest();
            if (SameOrigin.cookieAuthenticated(request) && !SameOrigin.check(request, trustedOrigins)) {
                // A page of another site must not open the team's stream with the admin's cookie.
                return CheckResult.rejectUpgrade(403);
            }
            return Sql.one(pool, r -> Role.of(r.getString("role")), """
                            SELECT m.role FROM memberships m JOIN users u ON u.id = m.user_id
                            WHERE m.team_id = $1 AND u.oidc_subject = $2 AND m.active
                            """, teamId, subject)
                    .flatMap(role -> {
                        if (role == null) {
                            return CheckResult.rejectUpgrade(404);
                        }
                        if (!role.atLeast(MIN_ROLE)) {
                            return CheckResult.rejectUpgrade(403);
                        }
                        return CheckResult.permitUpgrade();
                    });
        });
    }

    private static String subject(SecurityIdentity identity) {
        if (identity == null || identity.isAnonymous() || !(identity.getPrincipal() instanceof JsonWebToken jwt)) {
            return null;
        }
        return jwt.getSubject();
    }

    static UUID teamId(String text) {
        try {
            return text == null ? null : UUID.fromString(text);
        } catch (IllegalArgumentException e) {
            return null;
        }
    }
}
