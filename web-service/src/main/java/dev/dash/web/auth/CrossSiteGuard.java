package dev.dash.web.auth;

import dev.dash.model.api.ApiError;
import dev.dash.model.api.FieldError;
import dev.dash.model.json.Json;
import io.quarkus.logging.Log;
import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.io.IOException;
import java.util.List;
import java.util.Set;

/**
 * Cross-site request forgery: a state-changing request (anything but GET, HEAD, OPTIONS) that the browser
 * session cookie authenticates must come from this site ({@link SameOrigin}), or it is refused with 403
 * {@code forbidden} before authentication or any resource runs. Bearer-token calls are not affected. Checked on
 * the request headers the browser itself sets ({@code Origin}, {@code Sec-Fetch-Site}), which a page of
 * another site cannot forge, so no token has to be carried in the UI.
 */
@ApplicationScoped
public class CrossSiteGuard {
    private static final Set<HttpMethod> SAFE = Set.of(HttpMethod.GET, HttpMethod.HEAD, HttpMethod.OPTIONS);

    private final List<String> trusted;

    public CrossSiteGuard(SecurityConfig config) {
        this.trusted = config.trustedOrigins().orElse(List.of());
    }

    void routes(@Observes Router router) {
        // Right after the shared hardening (headers, header limit), before authentication.
        router.route().order(dev.dash.platform.http.SecurityHeaders.ORDER + 2).handler(this::check);
    }

    private void check(RoutingContext ctx) {
        var request = ctx.request();
        if (SAFE.contains(request.method()) || !SameOrigin.cookieAuthenticated(request)) {
            ctx.next();
            return;
        }
        if (SameOrigin.check(request, trusted)) {
            ctx.next();
            return;
        }
        String origin = request.getHeader("Origin");
        Log.infof(
                "Refused a cross-site %s %s with the session cookie (Origin %s, Sec-Fetch-Site %s)",
                request.method(), request.path(), origin, request.getHeader("Sec-Fetch-Site"));
        ApiError body = new ApiError(
                403,
                "forbidden",
                "a change made with the browser session must come from this site",
                List.of(new FieldError("Origin", origin == null ? "is missing" : "is not this site")));
        byte[] json;
        try {
            json = Json.writer().writeValueAsBytes(body);
        } catch (IOException e) {
            json = "{\"status\":403,\"error\":\"forbidden\"}".getBytes();
        }
        ctx.response()
                .setStatusCode(403)
                .putHeader("Content-Type", "application/json")
                .end(io.vertx.core.buffer.Buffer.buffer(json));
    }
}
