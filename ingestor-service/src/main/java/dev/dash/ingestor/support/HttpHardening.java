package dev.dash.ingestor.support;

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
 * OpenAPI endpoints.
 */
@ApplicationScoped
public class HttpHardening {
    private final OpsConfig ops;

    public HttpHardening(OpsConfig ops) {
        this.ops = ops;
    }

    void routes(@Observes Router router) {
        SecurityHeaders.install(router, SecurityHeaders.API_POLICY);
        HeaderLimits.install(router);
        OpsEndpoints.install(router, ops.token());
        JsonRefusals.install(router);
    }
}
