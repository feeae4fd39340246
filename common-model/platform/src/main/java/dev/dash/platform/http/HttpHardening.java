package dev.dash.platform.http;

import dev.dash.platform.config.OpsConfig;
import io.quarkus.arc.DefaultBean;
import io.vertx.ext.web.Router;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

/**
 * The HTTP hardening every service's router gets: security headers on every response ({@link
 * ContentSecurityPolicy}: an API's unless the service produces its own), JSON refusals from the HTTP layer, the
 * header-size limit, and the operator token on {@code /q/metrics} and the OpenAPI endpoints.
 */
@ApplicationScoped
public class HttpHardening {
    private final OpsConfig ops;
    private final ContentSecurityPolicy policy;

    public HttpHardening(OpsConfig ops, ContentSecurityPolicy policy) {
        this.ops = ops;
        this.policy = policy;
    }

    void routes(@Observes Router router) {
        SecurityHeaders.install(router, policy.value());
        HeaderLimits.install(router);
        OpsEndpoints.install(router, ops.token());
        JsonRefusals.install(router);
    }

    /** An API's policy: nothing may be loaded, framed or submitted. */
    @Produces
    @DefaultBean
    @Singleton
    static ContentSecurityPolicy apiPolicy() {
        return new ContentSecurityPolicy(SecurityHeaders.API_POLICY);
    }
}
