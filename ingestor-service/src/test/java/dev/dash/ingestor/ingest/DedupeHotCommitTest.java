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
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

/**
 * A commit (pending to committed) is a HOT update: it writes no index entry, because the claim's page keeps room
 * for the row's new version (ingest_dedupe's fillfactor, plain/V150 and timescaledb/V99). At fillfactor 100 most
 * commits of rows claimed together found their page full and wrote an entry into both indexes (docs/benchmarks.md,
 * issue 19). Measured through PostgreSQL's own counters for the table, around many claims committed in one
 * statement, as under load.
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
        long[] before = updates();
        for (int i = 0; i < DELIVERIES; i++) {
            dedupe.commit(pipeline, deliveries.get(i), claimed.get(i).eventIds());
        }
        dedupe.flushCommits(Duration.ofSeconds(20));
        assertThat(dedupe.commitStatements()).isEqualTo(1);

        // The table's counters reach the statistics views when the writing backend reports them (within seconds).
        Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> updates()[0] - before[0] >= DELIVERIES);
        long[] after = updates();
        long updated = after[0] - before[0];
        long hot = after[1] - before[1];
        assertThat(hot).as("HOT updates of %s commits", updated).isGreaterThanOrEqualTo(updated * 95 / 100);
    }

    /** {n_tup_upd, n_tup_hot_upd} of ingest_dedupe, read afresh. */
    private long[] updates() throws Exception {
        try (Connection c = dataSource.getConnection();
                Statement st = c.createStatement()) {
            st.execute("SELECT pg_stat_clear_snapshot()");
            try (ResultSet rs = st.executeQuery("SELECT n_tup_upd, n_tup_hot_upd FROM pg_stat_user_tables "
                    + "WHERE relid = 'ingest_dedupe'::regclass")) {
                rs.next();
                return new long[] {rs.getLong(1), rs.getLong(2)};
            }
        }
    }
}
