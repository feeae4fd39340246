package dev.dash.model.http;

import dev.dash.model.api.ApiError;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.List;
import java.util.Optional;

/**
 * Keeps the operator endpoints ({@code /q/metrics}, {@code /q/openapi}, {@code /q/swagger-ui}) behind a bearer
 * token when one is configured ({@code dash.ops.token}, which production sets): a request without it gets a JSON
 * 401, one with it goes on without the header (so the OIDC layer of web and replay never reads it as a user's
 * token). Health checks stay open for the orchestrator's probes. Without a token (local runs, tests, benchmarks)
 * the endpoints are open, as Quarkus serves them.
 */
public final class OpsEndpoints {
    /** The operator paths. */
    public static final String PATHS = "^/q/(metrics|openapi|swagger-ui)(/.*)?$";

    private OpsEndpoints() {}

    /**
     * Registers the check.
     *
     * @param router the service's main router
     * @param token the operator token, empty for open endpoints
     */
    public static void install(Router router, Optional<String> token) {
        if (token.isEmpty() || token.get().isBlank()) {
            return;
        }
        byte[] expected = ("Bearer " + token.get().strip()).getBytes(StandardCharsets.UTF_8);
        router.routeWithRegex(PATHS).order(SecurityHeaders.ORDER + 3).handler(ctx -> check(ctx, expected));
    }

    private static void check(RoutingContext ctx, byte[] expected) {
        String given = ctx.request().getHeader("Authorization");
        if (given != null && MessageDigest.isEqual(expected, given.getBytes(StandardCharsets.UTF_8))) {
            ctx.request().headers().remove("Authorization");
            ctx.next();
            return;
        }
        ctx.response().putHeader("WWW-Authenticate", "Bearer");
        JsonRefusals.send(
                ctx, new ApiError(401, "unauthorized", "the operator endpoints need the operator token", List.of()));
    }
}
