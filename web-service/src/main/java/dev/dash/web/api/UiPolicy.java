package dev.dash.web.api;

import dev.dash.platform.http.ContentSecurityPolicy;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

/** The web UI's {@code Content-Security-Policy}, which the platform's HTTP hardening sends on every response. */
public class UiPolicy {
    /**
     * The UI's policy: scripts, styles, API calls and WebSockets from this origin only; nothing is fetched from
     * elsewhere at run time (the bundle is built by the Quarkus Web Bundler), no inline script, no framing.
     */
    static final String UI_POLICY = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
            + "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; "
            + "frame-ancestors 'none'";

    @Produces
    @Singleton
    ContentSecurityPolicy uiPolicy() {
        return new ContentSecurityPolicy(UI_POLICY);
    }
}
