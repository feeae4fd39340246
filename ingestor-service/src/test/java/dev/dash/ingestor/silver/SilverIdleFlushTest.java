package dev.dash.ingestor.silver;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import dev.dash.ingestor.pipeline.PipelineRepository;
import dev.dash.ingestor.testing.ShortTimings;
import dev.dash.ingestor.testing.TestPipelines;
import dev.dash.ingestor.testing.TestPipelines.Created;
import dev.dash.ingestor.testing.TestPipelines.Spec;
import dev.dash.model.testing.DashTestResource;
import io.agroal.api.AgroalDataSource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicInteger;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The adaptive flush (docs/architecture.md, Silver writer): with nothing more waiting on its partitions, the writer
 * writes an event as soon as it is read ({@code dash.silver.idle-flush} 0 ms), however long {@code
 * dash.silver.flush-interval} is. The flush interval
 * here is 60 s ({@link ShortTimings}, a profile shared with another test; the writer's group starts at the end of
 * this run's dash.raw), so without the adaptive flush no event is written within the test's time.
 *
 * <p>Not tagged {@code silver}: when the writer flushes does not depend on the Silver variant, and the plain
 * variant's write itself is {@code SilverWriterTest}'s (which the plain pass runs); tagged, this class cost the plain
 * pass an application build and start of {@link ShortTimings} of its own.
 */
@QuarkusTest
@QuarkusTestResource(DashTestResource.class)
@TestProfile(ShortTimings.class)
class SilverIdleFlushTest {

    static final String MAPPING = """
            {"version":1,"time":{"path":"/ts","format":"iso8601"},
             "fields":[{"name":"temp","path":"/temp","type":"number"}],
             "metrics":["temp"],"labels":[]}
            """;

    @Inject
    PipelineRepository repository;

    @Inject
    AgroalDataSource dataSource;

    TestPipelines pipelines;

    @BeforeEach
    void setUp() {
        pipelines = new TestPipelines();
    }

    @AfterEach
    void tearDown() {
        pipelines.close();
    }

    @Test
    void anEventIsWrittenAsSoonAsItIsReadWhenNothingMoreWaits() throws Exception {
        Created p = pipelines.create(Spec.of("none").withMapping(MAPPING));
        pipelines.publish(repository.load(p.id()));
        AtomicInteger sent = new AtomicInteger();
        // Until the writer holds its partitions (its group starts at the end of dash.raw), events sent before are
        // not read: send one at a time until one is written within 3 s of its acknowledgement.
        Awaitility.await()
                .atMost(Duration.ofSeconds(45))
                .pollInterval(Duration.ofMillis(100))
                .until(() -> {
                    int k = sent.incrementAndGet();
                    ingest(p, k);
                    long acked = System.nanoTime();
                    while (System.nanoTime() - acked < Duration.ofSeconds(3).toNanos()) {
                        if (written(p, k)) {
                            return true;
                        }
                        Thread.sleep(20);
                    }
                    return false;
                });
        // Once caught up, every further event is written within a second (the flush interval is 60 s).
        for (int i = 0; i < 3; i++) {
            int k = sent.incrementAndGet();
            ingest(p, k);
            Awaitility.await()
                    .atMost(Duration.ofSeconds(1))
                    .pollInterval(Duration.ofMillis(20))
                    .until(() -> written(p, k));
        }
        assertThat(sent.get()).isGreaterThanOrEqualTo(4);
    }

    private void ingest(Created p, int k) {
        String body = "{\"ts\":\"" + Instant.now() + "\",\"temp\":" + k + "}";
        given().contentType("application/json")
                .body(body.getBytes(StandardCharsets.UTF_8))
                .post("/ingest/" + p.id())
                .then()
                .statusCode(202);
    }

    private boolean written(Created p, int k) throws Exception {
        try (Connection c = dataSource.getConnection();
                PreparedStatement ps =
                        c.prepareStatement("SELECT count(*) FROM metrics WHERE pipeline_id = ? AND value = ?")) {
            ps.setObject(1, p.id());
            ps.setDouble(2, k);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1) > 0;
            }
        }
    }
}
