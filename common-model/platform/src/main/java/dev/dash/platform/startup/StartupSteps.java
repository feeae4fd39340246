package dev.dash.platform.startup;

import dev.dash.model.kafka.TopicNames;
import dev.dash.model.support.RetryingTask;
import dev.dash.platform.config.KafkaConfig;
import dev.dash.platform.config.SchemaConfig;
import io.agroal.api.AgroalDataSource;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Any;
import jakarta.enterprise.inject.Instance;
import java.util.ArrayList;
import java.util.List;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * What a service needs before it may take traffic, each retried until it succeeds: the schema (migrated where
 * {@code dash.schema.migrate} is set, web-service; otherwise awaited until it matches this build's migrations),
 * the Kafka topics (this installation's names: a {@code dash.kafka.topic-prefix} Kafka cannot use stops start-up
 * here), then any step the service adds by producing a {@link RetryingTask} bean (the ingestor: its
 * Bronze bucket). Readiness reports them ({@link ReadinessChecks}).
 */
@ApplicationScoped
public class StartupSteps {
    private final List<RetryingTask<?>> steps;

    public StartupSteps(
            AgroalDataSource dataSource,
            SchemaConfig schema,
            KafkaConfig kafka,
            TopicNames topics,
            @ConfigProperty(name = "kafka.bootstrap.servers") String bootstrapServers,
            @Any Instance<RetryingTask<?>> serviceSteps) {
        List<RetryingTask<?>> all = new ArrayList<>();
        all.add(StartupTasks.schema(
                dataSource, schema.name(), schema.silverVariant(), schema.migrate(), schema.retryMax()));
        all.add(StartupTasks.topics(bootstrapServers, topics, kafka.replicationFactor(), schema.retryMax()));
        serviceSteps.forEach(all::add);
        this.steps = List.copyOf(all);
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
