package dev.dash.web.auth;

import io.quarkus.oidc.TenantResolver;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * One service, two ways in: bearer tokens (the default tenant, {@code application-type=service}, answering
 * 401 without a token) and the browser login (tenant {@code web}, authorization code flow with a session
 * cookie). A request goes to the browser tenant when it is the login or logout path, or when it carries the
 * browser session cookie and no bearer token; so an API call without credentials gets 401, never a redirect.
 */
@ApplicationScoped
public class WebTenantResolver implements TenantResolver {
    static final String WEB = "web";

    @Override
    public String resolve(RoutingContext context) {
        String path = context.request().path();
        if (path.equals("/login") || path.startsWith("/login/") || path.equals("/logout")) {
            return WEB;
        }
        if (context.request().getHeader("Authorization") == null) {
            for (var cookie : context.request().cookies()) {
                if (cookie.getName().startsWith("q_session_web")) {
                    return WEB;
                }
            }
        }
        return null;
    }
}
