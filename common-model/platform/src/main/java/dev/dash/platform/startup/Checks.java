package dev.dash.platform.startup;

import dev.dash.model.support.RetryingTask;
import java.util.List;
import java.util.function.Supplier;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.HealthCheckResponseBuilder;

/**
 * The readiness checks every Dash service reports, as plain objects: each service produces them as
 * {@code @Readiness} beans, so the logic exists once.
 */
public final class Checks {
    private Checks() {}

    /** DOWN until every start-up step has succeeded, with the reason of each step's last failure. */
    public static HealthCheck startup(String name, List<RetryingTask<?>> steps) {
        return () -> {
            HealthCheckResponseBuilder b = HealthCheckResponse.named(name).up();
            for (RetryingTask<?> step : steps) {
                if (step.done()) {
                    b.withData(step.name(), "ready");
                } else {
                    b.down();
                    Throwable f = step.lastFailure();
                    b.withData(step.name(), f == null ? "starting" : "waiting: " + f.getMessage());
                }
            }
            return b.build();
        };
    }

    /**
     * UP while {@code problem} answers null; DOWN with its answer (or the exception it threw) otherwise.
     *
     * @param name the check's name in {@code /q/health/ready}
     * @param problem asks the dependency, within a bounded time
     */
    public static HealthCheck probe(String name, Supplier<String> problem) {
        return () -> {
            String p;
            try {
                p = problem.get();
            } catch (RuntimeException e) {
                p = e.getClass().getSimpleName() + ": " + e.getMessage();
            }
            return p == null
                    ? HealthCheckResponse.up(name)
                    : HealthCheckResponse.named(name)
                            .down()
                            .withData("error", p)
                            .build();
        };
    }
}
