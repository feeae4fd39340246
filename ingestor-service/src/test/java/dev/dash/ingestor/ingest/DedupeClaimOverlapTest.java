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
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Claim statements overlap ({@code dash.ingest.dedupe-claim-statements}): a claim statement held up in PostgreSQL (here
 * by a row lock another transaction holds) no longer holds every claim behind it; once {@link
 * DedupeRepository#OVERLAP_GROUP} claims wait, another statement takes them on another connection. With one statement
 * at a time (the store before this setting) the fresh claims below waited for the lock.
 */
@QuarkusTest
@QuarkusTestResource(DashTestResource.class)
class DedupeClaimOverlapTest {
    private static final Duration LEASE = Duration.ofSeconds(30);
    private static final Duration WINDOW = Duration.ofHours(1);

    @Inject
    Pool pool;

    @Inject
    AgroalDataSource dataSource;

    @Test
    void aClaimStatementHeldUpDoesNotHoldTheClaimsBehindIt() throws Exception {
        DedupeRepository dedupe = new DedupeRepository(pool, dataSource, Duration.ZERO, Duration.ZERO, 2);
        UUID pipeline = UUID.randomUUID();
        String held = "held-" + UUID.randomUUID();
        assertThat(claim(dedupe, pipeline, held).get(10, TimeUnit.SECONDS).claimed())
                .isTrue();

        try (Connection lock = dataSource.getConnection()) {
            lock.setAutoCommit(false);
            try (PreparedStatement st = lock.prepareStatement(
                    "SELECT 1 FROM ingest_dedupe WHERE pipeline_id = ? AND delivery_id = ? FOR UPDATE")) {
                st.setObject(1, pipeline);
                st.setString(2, held);
                st.executeQuery().close();
            }
            // Its retry's statement waits for the row lock (ON CONFLICT locks the row it conflicts with).
            long before = dedupe.claimStatements();
            CompletableFuture<DedupeRepository.Claim> retry = claim(dedupe, pipeline, held);
            assertThat(dedupe.claimStatements()).isEqualTo(before + 1);

            List<CompletableFuture<DedupeRepository.Claim>> fresh = new ArrayList<>();
            for (int i = 0; i < DedupeRepository.OVERLAP_GROUP + 8; i++) {
                fresh.add(claim(dedupe, pipeline, "fresh-" + i + "-" + UUID.randomUUID()));
            }
            for (CompletableFuture<DedupeRepository.Claim> f : fresh) {
                assertThat(f.get(10, TimeUnit.SECONDS).claimed()).isTrue();
            }
            assertThat(retry).isNotDone();
            lock.rollback();

            DedupeRepository.Claim busy = retry.get(10, TimeUnit.SECONDS);
            assertThat(busy.claimed()).isFalse();
            assertThat(busy.committed()).isFalse();
        }
    }

    private static CompletableFuture<DedupeRepository.Claim> claim(
            DedupeRepository dedupe, UUID pipeline, String delivery) {
        return dedupe.claimAsync(pipeline, delivery, new UUID[] {UUID.randomUUID()}, Instant.now(), LEASE, WINDOW);
    }
}
