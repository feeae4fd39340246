package dev.dash.replay.startup;

import dev.dash.model.support.RetryingTask;
import dev.dash.model.support.StartupTasks;
import dev.dash.replay.config.ReplayConfig;
import io.agroal.api.AgroalDataSource;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.util.List;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * What replay-service needs before it may take work: the schema migrated by web-service and matching this
 * build, and the Kafka topics. The Bronze bucket belongs to the ingestor; readiness only checks it answers.
 */
@ApplicationScoped
public class StartupSteps {
    private final List<RetryingTask<?>> steps;

    public StartupSteps(
            AgroalDataSource dataSource,
            ReplayConfig config,
            @ConfigProperty(name = "kafka.bootstrap.servers") String bootstrapServers) {
        ReplayConfig.Schema schema = config.schema();
        this.steps = List.of(
                StartupTasks.schema(dataSource, schema.name(), schema.silverVariant(), false, schema.retryMax()),
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
