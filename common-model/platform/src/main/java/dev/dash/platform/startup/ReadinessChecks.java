package dev.dash.platform.startup;

import dev.dash.platform.kafka.KafkaProbe;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Disposes;
import jakarta.enterprise.inject.Produces;
import java.time.Duration;
import java.util.stream.Collectors;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.Readiness;

/**
 * Readiness beyond the database pools Quarkus checks itself: the start-up steps, and Kafka within two seconds
 * (Quarkus' own Kafka check can hang while the broker is down). A service adds its own checks as further
 * {@code @Readiness} beans (the ingestor and replay-service: the Bronze bucket).
 */
@ApplicationScoped
public class ReadinessChecks {
    @Produces
    @ApplicationScoped
    KafkaProbe kafkaProbe(@ConfigProperty(name = "kafka.bootstrap.servers") String bootstrapServers) {
        return new KafkaProbe(bootstrapServers, Duration.ofSeconds(2));
    }

    void closeKafkaProbe(@Disposes KafkaProbe probe) {
        probe.close();
    }

    @Produces
    @Readiness
    @ApplicationScoped
    HealthCheck kafka(KafkaProbe probe) {
        return Checks.probe("Kafka cluster", probe::problem);
    }

    @Produces
    @Readiness
    @ApplicationScoped
    HealthCheck startup(StartupSteps steps) {
        String names = steps.steps().stream().map(s -> s.name()).collect(Collectors.joining(", "));
        return Checks.startup("Dash start-up (" + names + ")", steps.steps());
    }
}
