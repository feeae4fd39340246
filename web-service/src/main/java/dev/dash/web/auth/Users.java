package dev.dash.web.auth;

import dev.dash.model.api.ApiException;
import dev.dash.web.api.UniqueViolations;
import dev.dash.web.auth.repository.UserRepository;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.quarkus.logging.Log;
import io.quarkus.security.UnauthorizedException;
import io.quarkus.security.identity.SecurityIdentity;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.eclipse.microprofile.jwt.JsonWebToken;

/**
 * Who is calling. The user row is created on first login (browser or bearer) and refreshed from the token
 * at most every few minutes per node, so a request does not write to the database each time. The row is
 * written by {@link UserRepository#signIn} in a Panache transaction of its own.
 */
@ApplicationScoped
public class Users {
    static final String PLATFORM_ADMIN_ROLE = "dash-platform-admin";
    private static final Duration REFRESH = Duration.ofMinutes(5);

    private record Cached(Actor actor, Instant at) {}

    private final UserRepository users;
    private final SecurityIdentity identity;
    private final Map<String, Cached> cache = new ConcurrentHashMap<>();

    public Users(UserRepository users, SecurityIdentity identity) {
        this.users = users;
        this.identity = identity;
    }

    /** The caller, with their user row created or refreshed; 401 for an anonymous call. */
    public Uni<Actor> current() {
        if (identity.isAnonymous() || !(identity.getPrincipal() instanceof JsonWebToken jwt)) {
            return Uni.createFrom().failure(new UnauthorizedException());
        }
        if (identity.hasRole(ServiceTokens.SERVICE_ROLE)) {
            // A client-credentials token acts for no person: no user row, no team, no team creation.
            return Uni.createFrom()
                    .failure(ApiException.forbidden(
                            "a service token acts for no user: it has the service role only and no team rights"));
        }
        String subject = jwt.getSubject();
        Cached cached = cache.get(subject);
        if (cached != null && cached.at().plus(REFRESH).isAfter(Instant.now())) {
            return Uni.createFrom().item(cached.actor());
        }
        String email =
                firstNonBlank(jwt.getClaim("email"), jwt.getClaim("preferred_username"), subject + "@oidc.invalid");
        String name = firstNonBlank(jwt.getClaim("name"), jwt.getClaim("preferred_username"), null);
        boolean platformAdmin = hasPlatformRole(jwt);
        return Panache.withTransaction(() -> users.signIn(subject, email, name, platformAdmin))
                .onFailure(UniqueViolations::is)
                .transform(e -> ApiException.conflict("email", "belongs to another account"))
                .map(id -> {
                    Actor actor = new Actor(id, subject, email, platformAdmin);
                    if (cached == null) {
                        Log.infof("User %s (%s) signed in", id, subject);
                    }
                    cache.put(subject, new Cached(actor, Instant.now()));
                    return actor;
                });
    }

    /**
     * Whether the caller's token says the provider verified their e-mail address ({@code email_verified});
     * false when the claim is missing. Read from the token of this request, never from the cached user.
     */
    public boolean emailVerified() {
        if (identity.isAnonymous() || !(identity.getPrincipal() instanceof JsonWebToken jwt)) {
            return false;
        }
        Object claim = jwt.getClaim("email_verified");
        if (claim instanceof Boolean b) {
            return b;
        }
        return claim != null && "true".equals(claim.toString().replace("\"", ""));
    }

    private boolean hasPlatformRole(JsonWebToken jwt) {
        if (identity.hasRole(PLATFORM_ADMIN_ROLE)) {
            return true;
        }
        Object roles = jwt.getClaim("realm_roles");
        if (roles instanceof Iterable<?> it) {
            for (Object r : it) {
                if (PLATFORM_ADMIN_ROLE.equals(String.valueOf(r).replace("\"", ""))) {
                    return true;
                }
            }
        }
        Set<String> groups = jwt.getGroups();
        return groups != null && groups.contains(PLATFORM_ADMIN_ROLE);
    }

    private static String firstNonBlank(Object a, Object b, String fallback) {
        for (Object o : new Object[] {a, b}) {
            if (o != null && !o.toString().isBlank()) {
                return o.toString().replace("\"", "");
            }
        }
        return fallback;
    }
}
