package dev.dash.ingestor.startup;

import dev.dash.ingestor.config.IngestorConfig;
import dev.dash.model.support.RetryingTask;
import dev.dash.model.support.StartupTasks;
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
 * What the ingestor needs before it may take traffic: the schema migrated by web-service and matching this
 * build, the Kafka topics, and the Bronze bucket, which the ingestor owns and creates when missing. Each is
 * retried until it succeeds; readiness reports them.
 */
@ApplicationScoped
public class StartupSteps {
    private final List<RetryingTask<?>> steps;

    public StartupSteps(
            AgroalDataSource dataSource,
            S3Client s3,
            IngestorConfig config,
            @ConfigProperty(name = "kafka.bootstrap.servers") String bootstrapServers) {
        IngestorConfig.Schema schema = config.schema();
        this.steps = List.of(
                StartupTasks.schema(dataSource, schema.name(), schema.silverVariant(), false, schema.retryMax()),
                StartupTasks.topics(bootstrapServers, config.kafka().replicationFactor(), schema.retryMax()),
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
