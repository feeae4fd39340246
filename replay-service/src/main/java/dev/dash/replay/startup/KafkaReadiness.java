package dev.dash.replay.startup;

import dev.dash.model.kafka.KafkaProbe;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

/** UP while the Kafka cluster answers within two seconds (Quarkus' own check can hang while it is down). */
@Readiness
@ApplicationScoped
public class KafkaReadiness implements HealthCheck {
    private final KafkaProbe probe;

    public KafkaReadiness(@ConfigProperty(name = "kafka.bootstrap.servers") String bootstrapServers) {
        this.probe = new KafkaProbe(bootstrapServers, Duration.ofSeconds(2));
    }

    @Override
    public HealthCheckResponse call() {
        String problem = probe.problem();
        return problem == null
                ? HealthCheckResponse.up("Kafka cluster")
                : HealthCheckResponse.named("Kafka cluster")
                        .down()
                        .withData("error", problem)
                        .build();
    }

    @PreDestroy
    void close() {
        probe.close();
    }
}
