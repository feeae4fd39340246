package dev.dash.web.auth;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.util.List;
import java.util.Optional;

/** Browser-session and service-token rules of the web API, under {@code dash.security}. */
@ConfigMapping(prefix = "dash.security")
public interface SecurityConfig {
    /**
     * Origins ({@code https://dash.example.com}) besides the one a request was sent to that may make
     * cookie-authenticated changes and open WebSockets with the session cookie; empty by default, as the UI is
     * served by this service itself.
     */
    Optional<List<String>> trustedOrigins();

    /**
     * OIDC clients ({@code azp}) whose client-credentials tokens are services, not people: they get the role
     * {@code dash-service} only, no user row, and no team rights.
     */
    @WithDefault("dash-service")
    List<String> serviceClients();
}
