package dev.dash.ingestor.bronze;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import dev.dash.ingestor.pipeline.PipelineRepository;
import dev.dash.ingestor.testing.BronzeContents;
import dev.dash.ingestor.testing.TestPipelines;
import dev.dash.ingestor.testing.TestPipelines.Created;
import dev.dash.ingestor.testing.TestPipelines.Spec;
import dev.dash.model.envelope.RawEnvelope;
import dev.dash.model.testing.DashTestResource;
import dev.dash.model.testing.LocalServices;
import io.agroal.api.AgroalDataSource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.sql.Connection;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.s3.S3Client;

/** S3 down for a while, then back: ingest goes on, the archiver's lag grows, and nothing is lost. */
@QuarkusTest
@QuarkusTestResource(DashTestResource.class)
class BronzeOutageTest {
    @Inject
    PipelineRepository repository;

    @Inject
    AgroalDataSource dataSource;

    @Inject
    S3Client s3;

    @Inject
    BronzeArchiver archiver;

    @Test
    void anS3OutageDelaysBronzeButLosesNothing() throws Exception {
        try (TestPipelines pipelines = new TestPipelines()) {
            Created p = pipelines.create(Spec.of("none"));
            pipelines.publish(repository.load(p.id()));
            Awaitility.await()
                    .atMost(Duration.ofSeconds(10))
                    .until(() -> given().body("{}").post("/ingest/" + p.id()).statusCode() == 202);
            Set<UUID> sent = new HashSet<>(send(p, 30));
            try {
                LocalServices.stop("s3");
                sent.addAll(send(p, 30));
                Awaitility.await().atMost(Duration.ofSeconds(30)).until(archiver::stuck);
                sent.addAll(send(p, 30));
                assertThat(archiver.lag()).isGreaterThanOrEqualTo(0);
            } finally {
                LocalServices.start("s3");
            }
            sent.addAll(send(p, 30));
            Awaitility.await()
                    .atMost(Duration.ofSeconds(90))
                    .pollInterval(Duration.ofSeconds(1))
                    .untilAsserted(() -> {
                        try (Connection c = dataSource.getConnection()) {
                            List<RawEnvelope> bronze = BronzeContents.read(c, s3, "dash-bronze", p.id());
                            Set<UUID> ids = new HashSet<>();
                            bronze.forEach(e -> ids.add(e.eventId()));
                            assertThat(ids).containsAll(sent);
                        }
                    });
            assertThat(archiver.stuck()).isFalse();
        }
    }

    private static List<UUID> send(Created p, int n) {
        List<UUID> ids = new java.util.ArrayList<>();
        for (int i = 0; i < n; i++) {
            String id = given().contentType("application/json")
                    .body("{\"i\":" + i + "}")
                    .post("/ingest/" + p.id())
                    .then()
                    .statusCode(202)
                    .extract()
                    .path("event_ids[0]");
            ids.add(UUID.fromString(id));
        }
        return ids;
    }
}
