package dev.dash.ingestor.bronze;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import dev.dash.ingestor.pipeline.PipelineRepository;
import dev.dash.ingestor.testing.BronzeContents;
import dev.dash.ingestor.testing.TestPipelines;
import dev.dash.ingestor.testing.TestPipelines.Created;
import dev.dash.ingestor.testing.TestPipelines.Spec;
import dev.dash.model.envelope.RawEnvelope;
import dev.dash.model.testing.CuttableProxy;
import dev.dash.model.testing.LocalServices;
import dev.dash.model.testing.OwnOutages;
import io.agroal.api.AgroalDataSource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;
import java.net.URI;
import java.sql.Connection;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * S3 down for a while, then back: ingest goes on, the archiver's lag grows, and nothing is lost. The node
 * reaches the shared S3 server through a proxy of this test's own ({@link CuttableProxy}, set up by {@link
 * OwnOutages}), which the test cuts and restores: the shared server is never stopped (other test runs and
 * installations use it).
 */
@QuarkusTest
@TestProfile(BronzeOutageTest.ThroughAProxy.class)
class BronzeOutageTest {
    /** The shared services, S3 through a proxy the test can cut. */
    public static class ThroughAProxy extends OwnOutages.Profile {
        public ThroughAProxy() {
            super(CutS3Resource.class);
        }
    }

    /** The shared services' configuration, with the S3 endpoint replaced by a proxy in front of it. */
    public static class CutS3Resource extends OwnOutages.Resource {
        @Override
        protected void open(Map<String, String> config) {
            URI s3 = URI.create(LocalServices.ensureStarted().s3Endpoint());
            CuttableProxy proxy = keep(new CuttableProxy(s3.getHost(), s3.getPort()));
            config.put("quarkus.s3.endpoint-override", "http://127.0.0.1:" + proxy.port());
        }
    }

    /** The proxy {@link CutS3Resource} started, injected by type. */
    CuttableProxy s3Link;

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
                    .atMost(Duration.ofSeconds(60))
                    .until(() -> given().body("{}").post("/ingest/" + p.id()).statusCode() == 202);
            Set<UUID> sent = new HashSet<>(send(p, 30));
            try {
                s3Link.cut();
                sent.addAll(send(p, 30));
                Awaitility.await().atMost(Duration.ofSeconds(30)).until(archiver::stuck);
                sent.addAll(send(p, 30));
                assertThat(archiver.lag()).isGreaterThanOrEqualTo(0);
            } finally {
                s3Link.restore();
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
