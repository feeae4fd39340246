package dev.dash.ingestor.pipeline;

import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

/** DOWN until the pipeline cache holds the database's pipelines and has caught up with {@code dash.control}. */
@Readiness
@ApplicationScoped
public class PipelineCacheReadiness implements HealthCheck {
    private final ControlFollower follower;
    private final PipelineCache cache;

    public PipelineCacheReadiness(ControlFollower follower, PipelineCache cache) {
        this.follower = follower;
        this.cache = cache;
    }

    @Override
    public HealthCheckResponse call() {
        return HealthCheckResponse.named("Pipeline config cache")
                .status(follower.ready())
                .withData("pipelines", cache.size())
                .withData("database loaded", cache.loaded())
                .build();
    }
}
