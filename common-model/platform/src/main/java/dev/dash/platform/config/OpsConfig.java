package dev.dash.platform.config;

import io.smallrye.config.ConfigMapping;
import java.util.Optional;

/** The operator endpoints ({@code /q/metrics}, {@code /q/openapi}, {@code /q/swagger-ui}), under {@code dash.ops}. */
@ConfigMapping(prefix = "dash.ops")
public interface OpsConfig {
    /**
     * Token the operator endpoints require as the password of HTTP Basic authentication (Prometheus' {@code
     * basic_auth}); unset, they are open. Production sets it (docs/deployment.md), so they are not public there.
     */
    Optional<String> token();
}
