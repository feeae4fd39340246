package dev.dash.ingestor.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import dev.dash.model.testing.DashTestResource;
import io.agroal.api.AgroalDataSource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.vertx.mutiny.sqlclient.Pool;
import jakarta.inject.Inject;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

/**
 * Dedupe commits linger ({@code dash.ingest.dedupe-commit-linger}): commits made within the linger go in one
 * statement after it, a retry reaching this node meanwhile is a duplicate from memory, and a stopping node writes
 * what is waiting at once. A store of its own per test, on the node's reactive pool, with a long linger.
 */
@QuarkusTest
@QuarkusTestResource(DashTestResource.class)
class DedupeCommitLingerTest {
    private static final Duration LEASE = Duration.ofSeconds(30);
    private static final Duration WINDOW = Duration.ofHours(1);

    @Inject
    Pool pool;

    @Inject
    AgroalDataSource dataSource;

    @Test
    void commitsWithinTheLingerGoInOneStatementAfterIt() throws Exception {
        DedupeRepository dedupe = new DedupeRepository(pool, dataSource, Duration.ofSeconds(3));
        UUID pipeline = UUID.randomUUID();
        List<String> deliveries = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            String d = "linger-" + i + "-" + UUID.randomUUID();
            assertThat(claim(dedupe, pipeline, d, UUID.randomUUID()).claimed()).isTrue();
            deliveries.add(d);
        }
        for (String d : deliveries) {
            dedupe.commit(pipeline, d, new UUID[] {UUID.randomUUID()});
        }
        // Without the linger the first commit goes at once and the others in a second statement.
        assertThat(dedupe.commitStatements()).isZero();
        assertThat(states(pipeline, deliveries)).containsOnly("pending");
        Awaitility.await()
                .atMost(Duration.ofSeconds(15))
                .untilAsserted(() -> assertThat(states(pipeline, deliveries)).containsOnly("committed"));
        assertThat(dedupe.commitStatements()).isEqualTo(1);
    }

    @Test
    void aRetryDuringTheLingerIsADuplicateWithTheOriginalIds() throws Exception {
        DedupeRepository dedupe = new DedupeRepository(pool, dataSource, Duration.ofMinutes(1));
        UUID pipeline = UUID.randomUUID();
        String d = "retry-" + UUID.randomUUID();
        UUID id = UUID.randomUUID();
        DedupeRepository.Claim first = claim(dedupe, pipeline, d, id);
        assertThat(first.claimed()).isTrue();
        dedupe.commit(pipeline, d, first.eventIds());

        DedupeRepository.Claim retry = claim(dedupe, pipeline, d, UUID.randomUUID());
        assertThat(retry.claimed()).isFalse();
        assertThat(retry.committed()).isTrue();
        assertThat(retry.eventIds()).containsExactly(id);
        // Answered from memory: the record still says pending (another node's retry would get 503 until the commit).
        assertThat(states(pipeline, List.of(d))).containsExactly("pending");
        dedupe.flushCommits(Duration.ofSeconds(10));
    }

    @Test
    void stoppingWritesTheWaitingCommitsAtOnce() throws Exception {
        DedupeRepository dedupe = new DedupeRepository(pool, dataSource, Duration.ofMinutes(1));
        UUID pipeline = UUID.randomUUID();
        String d = "stop-" + UUID.randomUUID();
        DedupeRepository.Claim c = claim(dedupe, pipeline, d, UUID.randomUUID());
        dedupe.commit(pipeline, d, c.eventIds());
        long start = System.nanoTime();
        dedupe.flushCommits(Duration.ofSeconds(20));
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(20));
        assertThat(states(pipeline, List.of(d))).containsExactly("committed");
        // A retry after the commit is a duplicate from the database, as before.
        DedupeRepository.Claim retry = claim(dedupe, pipeline, d, UUID.randomUUID());
        assertThat(retry.committed()).isTrue();
        assertThat(retry.eventIds()).containsExactly(c.eventIds());
    }

    @Test
    void withoutALingerACommitIsWrittenAtOnce() throws Exception {
        DedupeRepository dedupe = new DedupeRepository(pool, dataSource, Duration.ZERO);
        UUID pipeline = UUID.randomUUID();
        String d = "now-" + UUID.randomUUID();
        DedupeRepository.Claim c = claim(dedupe, pipeline, d, UUID.randomUUID());
        dedupe.commit(pipeline, d, c.eventIds());
        assertThat(dedupe.commitStatements()).isEqualTo(1);
        Awaitility.await()
                .atMost(Duration.ofSeconds(10))
                .untilAsserted(() -> assertThat(states(pipeline, List.of(d))).containsExactly("committed"));
    }

    private static DedupeRepository.Claim claim(DedupeRepository dedupe, UUID pipeline, String delivery, UUID id) {
        return dedupe.claim(pipeline, delivery, new UUID[] {id}, Instant.now(), LEASE, WINDOW)
                .await()
                .atMost(Duration.ofSeconds(10));
    }

    private List<String> states(UUID pipeline, List<String> deliveries) throws Exception {
        List<String> out = new ArrayList<>();
        try (Connection c = dataSource.getConnection();
                PreparedStatement ps = c.prepareStatement(
                        "SELECT state FROM ingest_dedupe WHERE pipeline_id = ? AND delivery_id = ?")) {
            for (String d : deliveries) {
                ps.setObject(1, pipeline);
                ps.setString(2, d);
                try (ResultSet rs = ps.executeQuery()) {
                    out.add(rs.next() ? rs.getString(1) : "missing");
                }
            }
        }
        return out;
    }
}
