package dev.dash.ingestor.ingest;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.dash.model.testing.RefusingPgPool;
import java.net.ConnectException;
import java.time.Duration;
import java.time.Instant;
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
}
