package dev.dash.web.startup;

import dev.dash.model.db.DashSchema;
import dev.dash.model.kafka.TopicProvisioner;
import dev.dash.model.support.RetryingTask;
import dev.dash.web.config.WebConfig;
import io.agroal.api.AgroalDataSource;
import io.quarkus.logging.Log;
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
                new RetryingTask<>(
                        "schema",
                        () -> {
                            DashSchema.Outcome outcome = schema.migrate()
                                    ? DashSchema.migrate(dataSource, schema.name(), schema.silverVariant())
                                    : DashSchema.validate(dataSource, schema.name(), schema.silverVariant());
                            Log.infof(
                                    "Schema at version %s (%s Silver), %d migration(s) applied now",
                                    outcome.version(), outcome.variant(), outcome.applied());
                            return outcome;
                        },
                        schema.retryMax(),
                        e -> Log.warnf("Schema not ready yet: %s", e.getMessage())),
                new RetryingTask<>(
                        "kafka topics",
                        () -> TopicProvisioner.ensureTopics(
                                bootstrapServers, config.kafka().replicationFactor(), 10_000),
                        schema.retryMax(),
                        e -> Log.warnf("Kafka topics not provisioned yet: %s", e.getMessage())));
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
