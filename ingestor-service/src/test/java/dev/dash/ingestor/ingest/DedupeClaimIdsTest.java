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
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * A claim statement's event ids go as one binary array, each claim its slice: every claim of a group stores exactly
 * its own ids, however many (none, one, a batch's hundred), and gets them back; a takeover of a lapsed lease gets the
 * ids stored earlier when it keeps them (same count), and its own when it does not.
 */
@QuarkusTest
@QuarkusTestResource(DashTestResource.class)
class DedupeClaimIdsTest {
    private static final Duration LEASE = Duration.ofSeconds(30);
    private static final Duration WINDOW = Duration.ofHours(1);

    @Inject
    Pool pool;

    @Inject
    AgroalDataSource dataSource;

    @Test
    void eachClaimOfAGroupStoresAndGetsItsOwnIds() throws Exception {
        UUID pipeline = UUID.randomUUID();
        // The linger puts the claims in one statement.
        DedupeRepository dedupe = new DedupeRepository(pool, dataSource, Duration.ZERO, Duration.ofMillis(300));
        int[] sizes = {3, 0, 100, 1, 7};
        List<String> deliveries = new ArrayList<>();
        List<UUID[]> ids = new ArrayList<>();
        List<Uni<DedupeRepository.Claim>> claims = new ArrayList<>();
        for (int size : sizes) {
            String delivery = "ids-" + size + "-" + UUID.randomUUID();
            UUID[] own = ids(size);
            deliveries.add(delivery);
            ids.add(own);
            claims.add(dedupe.claim(pipeline, delivery, own, Instant.now(), LEASE, WINDOW));
        }
        for (int i = 0; i < sizes.length; i++) {
            DedupeRepository.Claim c = await(claims.get(i));
            assertThat(c.claimed()).isTrue();
            assertThat(c.eventIds()).containsExactly(ids.get(i));
            assertThat(stored(pipeline, deliveries.get(i))).containsExactly(ids.get(i));
        }
        assertThat(dedupe.claimStatements()).isEqualTo(1);

        // Committed: a retry is a duplicate answered with the stored ids, not its own.
        dedupe.commit(pipeline, deliveries.get(2), ids.get(2));
        dedupe.flushCommits(Duration.ofSeconds(10));
        DedupeRepository.Claim retry =
                await(dedupe.claim(pipeline, deliveries.get(2), ids(100), Instant.now(), LEASE, WINDOW));
        assertThat(retry.claimed()).isFalse();
        assertThat(retry.committed()).isTrue();
        assertThat(retry.eventIds()).containsExactly(ids.get(2));
    }

    @Test
    void aTakeoverGetsTheIdsItPublishesUnder() throws Exception {
        UUID pipeline = UUID.randomUUID();
        DedupeRepository dedupe = new DedupeRepository(pool, dataSource, Duration.ZERO);
        Instant start = Instant.now();
        String same = "same-count-" + UUID.randomUUID();
        String other = "other-count-" + UUID.randomUUID();
        UUID[] first = ids(3);
        UUID[] firstOther = ids(2);
        assertThat(await(dedupe.claim(pipeline, same, first, start, LEASE, WINDOW))
                        .claimed())
                .isTrue();
        assertThat(await(dedupe.claim(pipeline, other, firstOther, start, LEASE, WINDOW))
                        .claimed())
                .isTrue();

        // The leases lapsed (a node died before its publish was acknowledged): the next delivery takes over.
        Instant later = start.plus(LEASE).plusSeconds(1);
        DedupeRepository.Claim kept = await(dedupe.claim(pipeline, same, ids(3), later, LEASE, WINDOW));
        assertThat(kept.claimed()).isTrue();
        assertThat(kept.eventIds()).containsExactly(first);
        UUID[] replaced = ids(4);
        DedupeRepository.Claim fresh = await(dedupe.claim(pipeline, other, replaced, later, LEASE, WINDOW));
        assertThat(fresh.claimed()).isTrue();
        assertThat(fresh.eventIds()).containsExactly(replaced);
        assertThat(stored(pipeline, other)).containsExactly(replaced);
    }

    private UUID[] stored(UUID pipeline, String delivery) throws Exception {
        try (Connection c = dataSource.getConnection();
                PreparedStatement ps = c.prepareStatement(
                        "SELECT event_ids FROM ingest_dedupe WHERE pipeline_id = ? AND delivery_id = ?")) {
            ps.setObject(1, pipeline);
            ps.setString(2, delivery);
            try (ResultSet rs = ps.executeQuery()) {
                assertThat(rs.next()).isTrue();
                return (UUID[]) rs.getArray(1).getArray();
            }
        }
    }

    private static UUID[] ids(int n) {
        UUID[] ids = new UUID[n];
        for (int i = 0; i < n; i++) {
            ids[i] = UUID.randomUUID();
        }
        return ids;
    }

    private static DedupeRepository.Claim await(Uni<DedupeRepository.Claim> claim) {
        return claim.await().atMost(Duration.ofSeconds(10));
    }
}
