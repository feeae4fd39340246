package dev.dash.replay.startup;

import dev.dash.replay.config.ReplayConfig;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;
import software.amazon.awssdk.services.s3.S3Client;

/** UP while the Bronze bucket answers. */
@Readiness
@ApplicationScoped
public class S3Readiness implements HealthCheck {
    private final S3Client s3;
    private final String bucket;

    public S3Readiness(S3Client s3, ReplayConfig config) {
        this.s3 = s3;
        this.bucket = config.bronze().bucket();
    }

    @Override
    public HealthCheckResponse call() {
        try {
            s3.headBucket(b -> b.bucket(bucket));
            return HealthCheckResponse.named("S3 Bronze bucket")
                    .up()
                    .withData("bucket", bucket)
                    .build();
        } catch (RuntimeException e) {
            return HealthCheckResponse.named("S3 Bronze bucket")
                    .down()
                    .withData("bucket", bucket)
                    .withData("error", String.valueOf(e.getMessage()))
                    .build();
        }
    }
}
