package dev.dash.platform.http;

import dev.dash.model.api.ApiError;
import dev.dash.model.api.ApiErrors;
import dev.dash.model.json.Json;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.io.IOException;
import java.util.List;

/**
 * Gives the refusals the HTTP layer decides outside the REST resources the JSON {@link ApiError} shape: an
 * invalid or expired bearer token (401 from proactive authentication, which otherwise answers with an empty
 * body), and any other framework failure with a 4xx status but no body of its own (after the failure handlers
 * of the route that failed, so the ingest route still answers its own 413). Failures it does not recognise go on
 * unchanged.
 *
 * <p>Not covered, because Vert.x answers them in its HTTP codec before any route runs: a request line or header
 * section beyond {@code quarkus.http.limits.max-initial-line-length} / {@code max-header-size} (414 / 431) or a
 * request that is not HTTP at all (400). {@link HeaderLimits} answers oversized headers with JSON below a
 * lower, documented limit, so only requests past the codec's own hard stop get the empty answer.
 */
public final class JsonRefusals {
    private JsonRefusals() {}

    /**
     * Registers the failure handler.
     *
     * @param router the service's main router
     */
    public static void install(Router router) {
        // Authentication failures first, before Quarkus answers them without a body; other body-less 4xx last,
        // after the routes' own failure handlers (the ingest route's JSON 413, for one) had their say.
        router.route().order(SecurityHeaders.ORDER).failureHandler(JsonRefusals::authentication);
        router.route().order(Integer.MAX_VALUE - 100).failureHandler(JsonRefusals::bodyless);
    }

    static void authentication(RoutingContext ctx) {
        HttpServerResponse r = ctx.response();
        if (r.ended() || r.headWritten() || !isAuthenticationFailure(ctx.failure())) {
            ctx.next();
            return;
        }
        r.putHeader("WWW-Authenticate", "Bearer");
        send(ctx, new ApiError(401, "unauthorized", "a valid bearer token or session is required", List.of()));
    }

    static void bodyless(RoutingContext ctx) {
        HttpServerResponse r = ctx.response();
        int status = ctx.statusCode();
        if (r.ended() || r.headWritten() || ctx.failure() != null || status < 400 || status >= 500) {
            ctx.next();
            return;
        }
        send(ctx, ApiErrors.fromStatus(status));
    }

    /** Writes an error body; used by the other handlers of this package too. */
    static void send(RoutingContext ctx, ApiError body) {
        byte[] json;
        try {
            json = Json.writer().writeValueAsBytes(body);
        } catch (IOException e) {
            json = ("{\"status\":" + body.status() + ",\"error\":\"" + body.error() + "\"}").getBytes();
        }
        ctx.response()
                .setStatusCode(body.status())
                .putHeader("Content-Type", "application/json")
                .end(io.vertx.core.buffer.Buffer.buffer(json));
    }

    private static boolean isAuthenticationFailure(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            for (Class<?> k = c.getClass(); k != null; k = k.getSuperclass()) {
                String n = k.getName();
                if (n.equals("io.quarkus.security.AuthenticationFailedException")
                        || n.equals("io.quarkus.security.UnauthorizedException")) {
                    return true;
                }
            }
            if (c.getCause() == c) {
                break;
            }
        }
        return false;
    }
}
