package dev.dash.platform.http;

import dev.dash.model.api.ApiError;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Optional;

/**
 * Keeps the operator endpoints ({@code /q/metrics}, {@code /q/openapi}, {@code /q/swagger-ui}) behind a token
 * when one is configured ({@code dash.ops.token}, which production sets): the token is the password of HTTP Basic
 * authentication (any user name; Prometheus' {@code basic_auth}), a request without it gets a JSON 401. Basic, not
 * Bearer: the OIDC layer of web and replay reads every bearer token as a user's JWT and would refuse this one
 * before the endpoint, while it leaves Basic credentials alone. Health checks stay open for the orchestrator's
 * probes. Without a token (local runs, tests, benchmarks) the endpoints are open, as Quarkus serves them.
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
        byte[] expected = token.get().strip().getBytes(StandardCharsets.UTF_8);
        router.routeWithRegex(PATHS).order(SecurityHeaders.ORDER + 3).handler(ctx -> check(ctx, expected));
    }

    /** The password of a Basic {@code Authorization} header, or nothing. */
    static byte[] password(String header) {
        if (header == null || !header.regionMatches(true, 0, "Basic ", 0, 6)) {
            return new byte[0];
        }
        try {
            byte[] decoded = Base64.getDecoder().decode(header.substring(6).strip());
            for (int i = 0; i < decoded.length; i++) {
                if (decoded[i] == ':') {
                    return Arrays.copyOfRange(decoded, i + 1, decoded.length);
                }
            }
        } catch (IllegalArgumentException e) {
            // Not Base64: no password.
        }
        return new byte[0];
    }

    private static void check(RoutingContext ctx, byte[] expected) {
        if (MessageDigest.isEqual(expected, password(ctx.request().getHeader("Authorization")))) {
            ctx.next();
            return;
        }
        ctx.response().putHeader("WWW-Authenticate", "Basic realm=\"dash-ops\"");
        JsonRefusals.send(
                ctx, new ApiError(401, "unauthorized", "the operator endpoints need the operator token", List.of()));
    }
}
