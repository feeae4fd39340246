package dev.dash.ingestor.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.dash.model.testing.RefusingPgPool;
import io.smallrye.mutiny.Uni;
import java.net.ConnectException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Reliability finding 8: while PostgreSQL refused connections, Vert.x logged {@code IllegalStateException: Result
 * is already complete} at ERROR a connection timeout after every failed dedupe statement (the pool's own
 * execute path failed its result, then its acquisition timer failed it again). The dedupe store's statements
 * against a pool whose server refuses connections ({@link RefusingPgPool}): each fails, and nothing completes
 * twice afterwards.
 */
class DedupeDatabaseDownTest {
    @RegisterExtension
    final RefusingPgPool db = new RefusingPgPool();

    @Test
    void statementsFailOnceEachWhilePostgresRefusesConnections() {
        DedupeRepository dedupe = new DedupeRepository(db.pool(), null);
        for (int i = 0; i < 3; i++) {
            assertThatThrownBy(() -> dedupe.claim(
                                    UUID.randomUUID(),
                                    "d-" + UUID.randomUUID(),
                                    new UUID[] {UUID.randomUUID()},
                                    Instant.now(),
                                    Duration.ofSeconds(30),
                                    Duration.ofDays(1))
                            .await()
                            .atMost(Duration.ofSeconds(10)))
                    .hasRootCauseInstanceOf(ConnectException.class);
            dedupe.commit(UUID.randomUUID(), "c-" + i, new UUID[] {UUID.randomUUID()});
            dedupe.release(UUID.randomUUID(), "r-" + i);
        }
        db.assertNothingCompletesTwice();
    }

    @Test
    void lingeringClaimsFailTogetherEachOnce() {
        DedupeRepository dedupe = new DedupeRepository(db.pool(), null, Duration.ZERO, Duration.ofMillis(300));
        List<Uni<DedupeRepository.Claim>> claims = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            claims.add(dedupe.claim(
                    UUID.randomUUID(),
                    "g-" + UUID.randomUUID(),
                    new UUID[] {UUID.randomUUID()},
                    Instant.now(),
                    Duration.ofSeconds(30),
                    Duration.ofDays(1)));
        }
        for (Uni<DedupeRepository.Claim> c : claims) {
            // Each request is refused (503 dedupe_unavailable in IngestService), none is left waiting.
            assertThatThrownBy(() -> c.await().atMost(Duration.ofSeconds(10)))
                    .hasRootCauseInstanceOf(ConnectException.class);
        }
        assertThat(dedupe.claimStatements()).isEqualTo(1);
        db.assertNothingCompletesTwice();
    }
}
