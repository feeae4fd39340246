package dev.dash.platform.http;

import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

/**
 * The security headers of every response a Dash service sends through its router, the refusals of the
 * framework included (401, 404, 405, 413): a content security policy, no framing (both {@code frame-ancestors}
 * and {@code X-Frame-Options} for older browsers), {@code nosniff}, a same-origin referrer policy, and HSTS when
 * the request came over TLS (directly, or through a proxy that says so in {@code X-Forwarded-Proto}; Quarkus's
 * proxy forwarding turns that into {@code isSSL()}). Set in a headers-end handler, so a handler that answers
 * early cannot skip them. The Swagger UI and Dev UI pages, which need inline scripts, get a policy that allows
 * those ({@link #TOOLING_POLICY}); in production they are not on the public port (docs/deployment.md).
 */
public final class SecurityHeaders {
    /** A policy for API-only services: no content of any kind, no framing. */
    public static final String API_POLICY =
            "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";
    /** The policy of the Swagger UI and the Dev UI, which inline their scripts and styles. */
    public static final String TOOLING_POLICY = "default-src 'self'; script-src 'self' 'unsafe-inline'; "
            + "style-src 'self' 'unsafe-inline'; img-src 'self' data:; frame-ancestors 'none'";
    /** One year, the value HSTS preload lists ask for. */
    public static final String HSTS = "max-age=31536000; includeSubDomains";
    /** Before every route Quarkus registers, its own authentication included. */
    public static final int ORDER = Integer.MIN_VALUE + 100;

    private SecurityHeaders() {}

    /**
     * Adds the headers to every response of {@code router}.
     *
     * @param router the service's main router
     * @param policy the content security policy of its own pages and API
     */
    public static void install(Router router, String policy) {
        router.route().order(ORDER).handler(ctx -> {
            ctx.addHeadersEndHandler(v -> apply(ctx, policy));
            ctx.next();
        });
    }

    static void apply(RoutingContext ctx, String policy) {
        HttpServerResponse r = ctx.response();
        var h = r.headers();
        String path = ctx.request().path();
        boolean tooling = path != null && (path.startsWith("/q/swagger-ui") || path.startsWith("/q/dev-ui"));
        h.set("Content-Security-Policy", tooling ? TOOLING_POLICY : policy);
        h.set("X-Frame-Options", "DENY");
        h.set("X-Content-Type-Options", "nosniff");
        h.set("Referrer-Policy", "same-origin");
        if (ctx.request().isSSL()) {
            h.set("Strict-Transport-Security", HSTS);
        }
    }
}
