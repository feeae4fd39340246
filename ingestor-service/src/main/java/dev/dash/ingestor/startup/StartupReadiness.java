package dev.dash.ingestor.startup;

import dev.dash.model.support.RetryingTask;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.HealthCheckResponseBuilder;
import org.eclipse.microprofile.health.Readiness;

/** DOWN until every start-up step (schema, topics, bucket) has succeeded, with the reason of the last failure. */
@Readiness
@ApplicationScoped
public class StartupReadiness implements HealthCheck {
    private final StartupSteps steps;

    public StartupReadiness(StartupSteps steps) {
        this.steps = steps;
    }

    @Override
    public HealthCheckResponse call() {
        HealthCheckResponseBuilder b = HealthCheckResponse.named("Dash start-up (schema, topics, bucket)")
                .up();
        for (RetryingTask<?> step : steps.steps()) {
            if (step.done()) {
                b.withData(step.name(), "ready");
            } else {
                b.down();
                Throwable f = step.lastFailure();
                b.withData(step.name(), f == null ? "starting" : "waiting: " + f.getMessage());
            }
        }
        return b.build();
    }
}
