package dev.dash.ingestor.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.dash.model.kafka.PipelineConfig;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * The lease logic of {@link QuotaLimiter} without a database: a bucket in memory that behaves as {@code
 * dash_quota_lease} does, shared by two limiters (two nodes) on one simulated clock.
 */
class QuotaLimiterTest {
    long now = 1_000_000_000L;

    /** {@code dash_quota_lease} in Java, on the test clock. */
    final class SharedBucket implements QuotaLimiter.Leases {
        double requests = -1;
        long refilledAt;
        int calls;
        boolean down;

        @Override
        public synchronized QuotaLimiter.Grant lease(
                UUID p,
                Integer rps,
                Long bps,
                double wantRequests,
                double needRequests,
                double wantBytes,
                double needBytes)
                throws Exception {
            if (down) {
                throw new java.sql.SQLException("connection refused");
            }
            calls++;
            if (requests < 0) {
                requests = rps;
                refilledAt = now;
            }
            double r = Math.min(rps, requests + (now - refilledAt) / 1e9 * rps);
            refilledAt = now;
            if (r < needRequests) {
                requests = r;
                return new QuotaLimiter.Grant(0, 0, (needRequests - r) / rps);
            }
            double granted = Math.min(wantRequests, r);
            requests = r - granted;
            return new QuotaLimiter.Grant(granted, wantBytes, 0);
        }
    }

    static PipelineConfig pipeline(UUID id, int rps) {
        return new PipelineConfig(
                id,
                UUID.randomUUID(),
                "p",
                "realtime",
                "active",
                "none",
                null,
                300,
                0,
                rps,
                null,
                false,
                null,
                List.of(),
                List.of(),
                1);
    }

    /** True if accepted; a rejection is a 429. */
    static boolean accept(QuotaLimiter node, PipelineConfig p) {
        try {
            node.check(p, 10, true);
            return true;
        } catch (IngestRejection r) {
            assertThat(r.status()).isEqualTo(429);
            return false;
        }
    }

    @Test
    void twoNodesSharingTheBucketAcceptNoMoreThanTheQuotaTogether() {
        SharedBucket bucket = new SharedBucket();
        QuotaLimiter a = new QuotaLimiter(() -> now, bucket, Runnable::run);
        QuotaLimiter b = new QuotaLimiter(() -> now, bucket, Runnable::run);
        PipelineConfig p = pipeline(UUID.randomUUID(), 50);
        int accepted = 0;
        int requests = 0;
        // 10 s, one request every millisecond, alternating nodes: 20 times the quota.
        for (int ms = 0; ms < 10_000; ms++) {
            now += 1_000_000L;
            if (accept(ms % 2 == 0 ? a : b, p)) {
                accepted++;
            }
            requests++;
        }
        assertThat(accepted).isLessThanOrEqualTo(50 * 11).isGreaterThanOrEqualTo(50 * 9);
        // The database sees leases, not requests.
        assertThat(bucket.calls).isLessThan(requests / 5);
    }

    @Test
    void onTheEventLoopALeaseIsAskedForOnAWorkerAndLeasedTokensExpire() {
        SharedBucket bucket = new SharedBucket();
        QuotaLimiter node = new QuotaLimiter(() -> now, bucket, Runnable::run);
        PipelineConfig p = pipeline(UUID.randomUUID(), 100);
        assertThatThrownBy(() -> node.check(p, 10, false)).isSameAs(QuotaLimiter.NeedsLease.INSTANCE);
        node.check(p, 10, true);
        // A slice (a tenth of a second's worth) is now local: the event loop needs no database for it.
        for (int i = 0; i < 9; i++) {
            node.check(p, 10, false);
        }
        now += 2 * QuotaLimiter.LEASE_TTL_NANOS;
        node.check(p, 10, true);
        int callsBefore = bucket.calls;
        now += 2 * QuotaLimiter.LEASE_TTL_NANOS;
        // Unspent tokens of an old lease are gone: the event loop must ask again.
        assertThatThrownBy(() -> node.check(p, 10, false)).isSameAs(QuotaLimiter.NeedsLease.INSTANCE);
        assertThat(bucket.calls).isEqualTo(callsBefore);
    }

    @Test
    void onceRefusedANodeRefusesWithoutAskingUntilTheBucketRefills() {
        SharedBucket bucket = new SharedBucket();
        QuotaLimiter node = new QuotaLimiter(() -> now, bucket, Runnable::run);
        PipelineConfig p = pipeline(UUID.randomUUID(), 2);
        assertThat(accept(node, p)).isTrue();
        assertThat(accept(node, p)).isTrue();
        IngestRejection r =
                org.junit.jupiter.api.Assertions.assertThrows(IngestRejection.class, () -> node.check(p, 10, true));
        assertThat(r.error()).isEqualTo("quota_exceeded");
        assertThat(r.headers()).containsEntry("Retry-After", "1").containsEntry("X-RateLimit-Limit", "2");
        int calls = bucket.calls;
        assertThat(accept(node, p)).isFalse();
        assertThat(bucket.calls).isEqualTo(calls);
        now += 600_000_000L;
        assertThat(accept(node, p)).isTrue();
    }

    @Test
    void withoutTheDatabaseEachNodeKeepsTheQuotaForItself() {
        SharedBucket bucket = new SharedBucket();
        bucket.down = true;
        QuotaLimiter node = new QuotaLimiter(() -> now, bucket, Runnable::run);
        PipelineConfig p = pipeline(UUID.randomUUID(), 5);
        int accepted = 0;
        for (int i = 0; i < 20; i++) {
            if (accept(node, p)) {
                accepted++;
            }
        }
        assertThat(accepted).isEqualTo(5);
    }
}
