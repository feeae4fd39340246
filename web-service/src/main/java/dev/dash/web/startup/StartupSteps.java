package dev.dash.web.startup;

import dev.dash.model.support.RetryingTask;
import dev.dash.model.support.StartupTasks;
import dev.dash.web.config.WebConfig;
import io.agroal.api.AgroalDataSource;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.util.List;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * What web-service needs before it may take traffic: the schema (this service runs the migrations; the
 * other services wait for them) and the Kafka topics. Each is retried until it succeeds.
 */
@ApplicationScoped
public class StartupSteps {
    private final List<RetryingTask<?>> steps;

    public StartupSteps(
            AgroalDataSource dataSource,
            WebConfig config,
            @ConfigProperty(name = "kafka.bootstrap.servers") String bootstrapServers) {
        WebConfig.Schema schema = config.schema();
        this.steps = List.of(
                StartupTasks.schema(
                        dataSource, schema.name(), schema.silverVariant(), schema.migrate(), schema.retryMax()),
                StartupTasks.topics(bootstrapServers, config.kafka().replicationFactor(), schema.retryMax()));
    }

    void onStart(@Observes StartupEvent event) {
        steps.forEach(RetryingTask::start);
    }

    void onStop(@Observes ShutdownEvent event) {
        steps.forEach(RetryingTask::stop);
    }

    /** The steps, for readiness. */
    public List<RetryingTask<?>> steps() {
        return steps;
    }
}
