package dev.dash.replay.startup;

import dev.dash.model.kafka.KafkaProbe;
import dev.dash.model.support.Checks;
import dev.dash.replay.config.ReplayConfig;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Disposes;
import jakarta.enterprise.inject.Produces;
import java.time.Duration;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.Readiness;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.NoSuchBucketException;

/**
 * Readiness beyond the database pools Quarkus checks itself: the start-up steps, Kafka within two seconds
 * (Quarkus' own Kafka check can hang while the broker is down) and S3 (the Bronze bucket answers, or S3
 * answers that it does not exist yet).
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
    HealthCheck bronzeBucket(S3Client s3, ReplayConfig config) {
        String bucket = config.bronze().bucket();
        return Checks.probe("S3 Bronze bucket", () -> {
            try {
                s3.headBucket(b -> b.bucket(bucket));
            } catch (NoSuchBucketException e) {
                // S3 answers; the ingestor creates the bucket on its first start, and until then the manifest is
                // empty, so there is nothing a replay could read. A replay-service started first is still ready.
                return null;
            }
            return null;
        });
    }

    @Produces
    @Readiness
    @ApplicationScoped
    HealthCheck startup(StartupSteps steps) {
        return Checks.startup("Dash start-up (schema, topics)", steps.steps());
    }
}
