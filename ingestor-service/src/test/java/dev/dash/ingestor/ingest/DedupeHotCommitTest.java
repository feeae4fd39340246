package dev.dash.ingestor.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import dev.dash.model.testing.DashTestResource;
import io.agroal.api.AgroalDataSource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import jakarta.inject.Inject;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * A commit (pending to committed) is a HOT update: it writes no index entry, because the claim's page keeps room
 * for the row's new version (ingest_dedupe's fillfactor, plain/V150 and timescaledb/V99). At fillfactor 100 most
 * commits of rows claimed together found their page full and wrote an entry into both indexes (docs/benchmarks.md,
 * issue 19). Seen on the rows themselves (each one's heap page before and after), around many claims committed in
 * one statement, as under load.
 */
@QuarkusTest
@QuarkusTestResource(DashTestResource.class)
class DedupeHotCommitTest {
    private static final int DELIVERIES = 400;

    @Inject
    Pool pool;

    @Inject
    AgroalDataSource dataSource;

    @Test
    void commitsOfRowsClaimedTogetherAreHotUpdates() throws Exception {
        DedupeRepository dedupe = new DedupeRepository(pool, dataSource, Duration.ofSeconds(2));
        UUID pipeline = UUID.randomUUID();
        List<Uni<DedupeRepository.Claim>> claims = new ArrayList<>();
        List<String> deliveries = new ArrayList<>();
        Instant now = Instant.now();
        for (int i = 0; i < DELIVERIES; i++) {
            String d = "hot-" + i + "-" + UUID.randomUUID();
            deliveries.add(d);
            claims.add(dedupe.claim(
                    pipeline, d, new UUID[] {UUID.randomUUID()}, now, Duration.ofSeconds(30), Duration.ofHours(1)));
        }
        List<DedupeRepository.Claim> claimed =
                Uni.join().all(claims).andFailFast().await().atMost(Duration.ofSeconds(30));
        assertThat(claimed).allMatch(DedupeRepository.Claim::claimed);
        Map<String, Long> before = pages(pipeline);
        for (int i = 0; i < DELIVERIES; i++) {
            dedupe.commit(pipeline, deliveries.get(i), claimed.get(i).eventIds());
        }
        dedupe.flushCommits(Duration.ofSeconds(20));
        assertThat(dedupe.commitStatements()).isEqualTo(1);

        // A commit changes no indexed column, so a new row version on the same page is a HOT update and one on
        // another page is not. Read from the rows themselves rather than the statistics views, which count every
        // test's updates of the table and report them late.
        Map<String, Long> after = pages(pipeline);
        assertThat(after).hasSize(DELIVERIES);
        assertThat(states(pipeline)).containsOnly("committed");
        long samePage = before.entrySet().stream()
                .filter(e -> e.getValue().equals(after.get(e.getKey())))
                .count();
        assertThat(samePage)
                .as("commits whose row stayed on its page (HOT updates), of %d", DELIVERIES)
                .isGreaterThanOrEqualTo(DELIVERIES * 95L / 100);
    }

    /** The heap page of each of the pipeline's rows, by delivery id. */
    private Map<String, Long> pages(UUID pipeline) throws Exception {
        Map<String, Long> pages = new HashMap<>();
        try (Connection c = dataSource.getConnection();
                PreparedStatement ps = c.prepareStatement("SELECT delivery_id, (ctid::text::point)[0]::bigint"
                        + " FROM ingest_dedupe WHERE pipeline_id = ?")) {
            ps.setObject(1, pipeline);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    pages.put(rs.getString(1), rs.getLong(2));
                }
            }
        }
        return pages;
    }

    private List<String> states(UUID pipeline) throws Exception {
        List<String> states = new ArrayList<>();
        try (Connection c = dataSource.getConnection();
                PreparedStatement ps = c.prepareStatement("SELECT state FROM ingest_dedupe WHERE pipeline_id = ?")) {
            ps.setObject(1, pipeline);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    states.add(rs.getString(1));
                }
            }
        }
        return states;
    }
}
