package dev.dash.replay.startup;

import dev.dash.platform.startup.Checks;
import dev.dash.replay.config.ReplayConfig;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.Readiness;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.NoSuchBucketException;

/**
 * replay-service's own readiness check beside the platform's (schema, topics, Kafka): S3 answers for the Bronze
 * bucket. The bucket belongs to the ingestor, so one that does not exist yet still counts as ready.
 */
@ApplicationScoped
public class BronzeBucketCheck {
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
}
