package dev.dash.ingestor.startup;

import dev.dash.ingestor.config.IngestorConfig;
import dev.dash.model.support.RetryingTask;
import dev.dash.platform.startup.Checks;
import io.quarkus.logging.Log;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.Readiness;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.NoSuchBucketException;

/**
 * The ingestor's own start-up step and readiness check beside the platform's (schema, topics, Kafka): the
 * Bronze bucket, which the ingestor owns and creates when missing.
 */
@ApplicationScoped
public class BronzeBucket {
    /** A start-up step of the platform's {@code StartupSteps}, retried until the bucket exists. */
    @Produces
    @Singleton
    RetryingTask<String> step(S3Client s3, IngestorConfig config) {
        return new RetryingTask<>(
                "bronze bucket",
                () -> ensureBucket(s3, config.bronze().bucket()),
                config.schema().retryMax(),
                e -> Log.warnf("Bronze bucket not ready yet: %s", e.getMessage()));
    }

    @Produces
    @Readiness
    @ApplicationScoped
    HealthCheck readiness(S3Client s3, IngestorConfig config) {
        String bucket = config.bronze().bucket();
        return Checks.probe("S3 Bronze bucket", () -> {
            s3.headBucket(b -> b.bucket(bucket));
            return null;
        });
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
