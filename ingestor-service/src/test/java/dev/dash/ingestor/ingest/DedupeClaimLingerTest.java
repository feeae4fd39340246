package dev.dash.ingestor.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import dev.dash.model.testing.DashTestResource;
import io.agroal.api.AgroalDataSource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import jakarta.inject.Inject;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * Dedupe claims linger ({@code dash.ingest.dedupe-claim-linger}): the claims made within the linger go in one
 * statement, and each still gets its own answer (claimed, duplicate with the original ids, in progress elsewhere).
 * A store of its own, on the node's reactive pool ({@link DedupeDatabaseDownTest}: a failed group refuses each).
 */
@QuarkusTest
@QuarkusTestResource(DashTestResource.class)
class DedupeClaimLingerTest {
    private static final Duration LEASE = Duration.ofSeconds(30);
    private static final Duration WINDOW = Duration.ofHours(1);
    private static final Duration LINGER = Duration.ofMillis(500);

    @Inject
    Pool pool;

    @Inject
    AgroalDataSource dataSource;

    @Test
    void claimsWithinTheLingerGoInOneStatementEachWithItsOwnAnswer() {
        UUID pipeline = UUID.randomUUID();
        // A committed delivery and one in progress, set up by a store without a claim linger.
        DedupeRepository setUp = new DedupeRepository(pool, dataSource, Duration.ZERO);
        String committed = "committed-" + UUID.randomUUID();
        UUID committedId = UUID.randomUUID();
        assertThat(await(claim(setUp, pipeline, committed, committedId)).claimed())
                .isTrue();
        setUp.commit(pipeline, committed, new UUID[] {committedId});
        setUp.flushCommits(Duration.ofSeconds(10));
        String inProgress = "in-progress-" + UUID.randomUUID();
        assertThat(await(claim(setUp, pipeline, inProgress, UUID.randomUUID())).claimed())
                .isTrue();

        DedupeRepository dedupe = new DedupeRepository(pool, dataSource, Duration.ZERO, LINGER);
        List<Uni<DedupeRepository.Claim>> fresh = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            fresh.add(claim(dedupe, pipeline, "fresh-" + i + "-" + UUID.randomUUID(), UUID.randomUUID()));
        }
        Uni<DedupeRepository.Claim> duplicate = claim(dedupe, pipeline, committed, UUID.randomUUID());
        Uni<DedupeRepository.Claim> elsewhere = claim(dedupe, pipeline, inProgress, UUID.randomUUID());
        // Nothing goes before the linger; without it the first claim would have gone at once.
        assertThat(dedupe.claimStatements()).isZero();

        for (Uni<DedupeRepository.Claim> c : fresh) {
            assertThat(await(c).claimed()).isTrue();
        }
        DedupeRepository.Claim dup = await(duplicate);
        assertThat(dup.claimed()).isFalse();
        assertThat(dup.committed()).isTrue();
        assertThat(dup.eventIds()).containsExactly(committedId);
        DedupeRepository.Claim busy = await(elsewhere);
        assertThat(busy.claimed()).isFalse();
        assertThat(busy.committed()).isFalse();
        assertThat(busy.leaseUntil()).isAfter(Instant.now());
        assertThat(dedupe.claimStatements()).isEqualTo(1);
    }

    private static Uni<DedupeRepository.Claim> claim(DedupeRepository dedupe, UUID pipeline, String delivery, UUID id) {
        return dedupe.claim(pipeline, delivery, new UUID[] {id}, Instant.now(), LEASE, WINDOW);
    }

    private static DedupeRepository.Claim await(Uni<DedupeRepository.Claim> claim) {
        return claim.await().atMost(Duration.ofSeconds(10));
    }
}
