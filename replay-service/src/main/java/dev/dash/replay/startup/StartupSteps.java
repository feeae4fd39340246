package dev.dash.replay.startup;

import dev.dash.model.db.DashSchema;
import dev.dash.model.kafka.TopicProvisioner;
import dev.dash.model.support.RetryingTask;
import dev.dash.replay.config.ReplayConfig;
import io.agroal.api.AgroalDataSource;
import io.quarkus.logging.Log;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.util.List;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.NoSuchBucketException;

/**
 * What replay-service needs before it may take traffic: the schema migrated by web-service and matching this
 * build, the Kafka topics, and the Bronze bucket. Each is retried until it succeeds; readiness reports them.
 */
@ApplicationScoped
public class StartupSteps {
    private final List<RetryingTask<?>> steps;

    public StartupSteps(
            AgroalDataSource dataSource,
            S3Client s3,
            ReplayConfig config,
            @ConfigProperty(name = "kafka.bootstrap.servers") String bootstrapServers) {
        ReplayConfig.Schema schema = config.schema();
        this.steps = List.of(
                new RetryingTask<>(
                        "schema",
                        () -> DashSchema.validate(dataSource, schema.name(), schema.silverVariant()),
                        schema.retryMax(),
                        e -> Log.warnf("Schema not ready yet: %s", e.getMessage())),
                new RetryingTask<>(
                        "kafka topics",
                        () -> TopicProvisioner.ensureTopics(
                                bootstrapServers, config.kafka().replicationFactor(), 10_000),
                        schema.retryMax(),
                        e -> Log.warnf("Kafka topics not provisioned yet: %s", e.getMessage())),
                new RetryingTask<>(
                        "bronze bucket",
                        () -> ensureBucket(s3, config.bronze().bucket()),
                        schema.retryMax(),
                        e -> Log.warnf("Bronze bucket not ready yet: %s", e.getMessage())));
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

    private static String ensureBucket(S3Client s3, String bucket) {
        try {
            s3.headBucket(b -> b.bucket(bucket));
        } catch (NoSuchBucketException e) {
            s3.createBucket(b -> b.bucket(bucket));
            Log.infof("Created Bronze bucket %s", bucket);
        }
        return bucket;
    }
}
