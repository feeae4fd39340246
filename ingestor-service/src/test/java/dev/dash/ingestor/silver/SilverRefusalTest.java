package dev.dash.ingestor.silver;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import dev.dash.ingestor.pipeline.PipelineCache;
import dev.dash.ingestor.pipeline.PipelineRepository;
import dev.dash.ingestor.testing.TestPipelines;
import dev.dash.ingestor.testing.TestPipelines.Created;
import dev.dash.ingestor.testing.TestPipelines.Spec;
import dev.dash.model.testing.DashTestResource;
import dev.dash.model.testing.LocalServices;
import io.agroal.api.AgroalDataSource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * An accepted event whose mapped value PostgreSQL cannot store (a label holding U+0000, which jsonb refuses)
 * is quarantined with the database's reason and its dash.raw offset, against the real broker and database;
 * the events around it in the same batch, and every event after it, are written. Before, the writer retried
 * that batch for ever and Silver stopped for every pipeline.
 */
@Tag(LocalServices.SILVER_TAG)
@QuarkusTest
@QuarkusTestResource(DashTestResource.class)
class SilverRefusalTest {
    static final String MAPPING = """
            {"version":1,"time":{"path":"/ts","format":"iso8601"},
             "fields":[{"name":"temp","path":"/temp","type":"number"},{"name":"site","path":"/site","type":"string"}],
             "metrics":["temp"],"labels":["site"]}
            """;

    @Inject
    PipelineRepository repository;

    @Inject
    AgroalDataSource dataSource;

    @Inject
    PipelineCache cache;

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
    void aValuePostgresRefusesQuarantinesItsEventAndSilverGoesOn() throws Exception {
        Created p = pipelines.create(Spec.of("none").withMapping(MAPPING));
        pipelines.publish(repository.load(p.id()));
        // The ingestor learns of the pipeline from dash.control, as after web-service's commit.
        Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> cache.get(p.id()) != null);
        Instant t0 = Instant.now().truncatedTo(ChronoUnit.SECONDS);
        StringBuilder batch = new StringBuilder();
        for (int i = 0; i < 5; i++) {
            String site = i == 2 ? "north\\u0000east" : "site-" + i;
            batch.append("{\"ts\":\"")
                    .append(t0.plusSeconds(i))
                    .append("\",\"temp\":")
                    .append(i)
                    .append(",\"site\":\"")
                    .append(site)
                    .append("\"}\n");
        }
        List<String> ids = new ArrayList<>(given().contentType("application/x-ndjson")
                .body(batch.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8))
                .post("/ingest/" + p.id())
                .then()
                .statusCode(202)
                .extract()
                .jsonPath()
                .getList("event_ids", String.class));
        String later = given().contentType("application/json")
                .body("{\"ts\":\"" + t0.plusSeconds(9) + "\",\"temp\":9,\"site\":\"later\"}")
                .post("/ingest/" + p.id())
                .then()
                .statusCode(202)
                .extract()
                .jsonPath()
                .getList("event_ids", String.class)
                .get(0);

        Awaitility.await()
                .atMost(Duration.ofSeconds(30))
                .until(() -> count("SELECT count(*) FROM metrics WHERE pipeline_id = ?", p.id()) == 5
                        && count("SELECT count(*) FROM quarantine WHERE pipeline_id = ?", p.id()) == 1);

        UUID refused = UUID.fromString(ids.get(2));
        List<String> stored = column("SELECT event_id::text FROM metrics WHERE pipeline_id = ?", p.id());
        assertThat(stored).containsExactlyInAnyOrder(ids.get(0), ids.get(1), ids.get(3), ids.get(4), later);
        List<String> quarantined = column(
                "SELECT event_id::text || ' ' || (errors->0->>'field') || ' ' || (errors->0->>'code') || ' '"
                        + " || (errors->0->>'reason') || ' ' || (kafka_offset IS NOT NULL)"
                        + " FROM quarantine WHERE pipeline_id = ?",
                p.id());
        assertThat(quarantined)
                .singleElement()
                .asString()
                .startsWith(refused + " $store not_storable PostgreSQL refused to store it: ")
                .endsWith(" true");
    }

    private long count(String sql, UUID pipeline) throws Exception {
        return Long.parseLong(column(sql, pipeline).get(0));
    }

    private List<String> column(String sql, UUID pipeline) throws Exception {
        List<String> out = new ArrayList<>();
        try (Connection c = dataSource.getConnection();
                PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setObject(1, pipeline);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(rs.getString(1));
                }
            }
        }
        return out;
    }
}
