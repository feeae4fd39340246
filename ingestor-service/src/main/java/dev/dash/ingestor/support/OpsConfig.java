package dev.dash.ingestor.support;

import io.smallrye.config.ConfigMapping;
import java.util.Optional;

/** The operator endpoints ({@code /q/metrics}, {@code /q/openapi}, {@code /q/swagger-ui}), under {@code dash.ops}. */
@ConfigMapping(prefix = "dash.ops")
public interface OpsConfig {
    /**
     * Bearer token the operator endpoints require (Prometheus sends it); unset, they are open. Production sets
     * it (docs/deployment.md), so they are not public there.
     */
    Optional<String> token();
}
