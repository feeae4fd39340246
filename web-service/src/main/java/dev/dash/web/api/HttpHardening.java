package dev.dash.web.api;

import dev.dash.model.http.HeaderLimits;
import dev.dash.model.http.JsonRefusals;
import dev.dash.model.http.OpsEndpoints;
import dev.dash.model.http.SecurityHeaders;
import io.vertx.ext.web.Router;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

/**
 * The shared HTTP hardening on this service's router (dev.dash.model.http): security headers on every response,
 * JSON refusals from the HTTP layer, the header-size limit, the operator token on {@code /q/metrics} and the
 * OpenAPI endpoints. The UI's pages get {@link #UI_POLICY}.
 */
@ApplicationScoped
public class HttpHardening {
    private final OpsConfig ops;

    public HttpHardening(OpsConfig ops) {
        this.ops = ops;
    }

    /**
     * The UI's policy: scripts, styles, API calls and WebSockets from this origin only; nothing is fetched from
     * elsewhere at run time (the bundle is built by the Quarkus Web Bundler), no inline script, no framing.
     */
    static final String UI_POLICY = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
            + "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; "
            + "frame-ancestors 'none'";

    void routes(@Observes Router router) {
        SecurityHeaders.install(router, UI_POLICY);
        HeaderLimits.install(router);
        OpsEndpoints.install(router, ops.token());
        JsonRefusals.install(router);
    }
}
