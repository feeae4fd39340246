package dev.dash.ingestor.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * The two admissions of the ingest path without Kafka or HTTP: {@link InFlight} (check 9 of docs/ingest.md,
 * events and bytes waiting for Kafka's acknowledgement) and {@link BodyBudget} (check 1b, request bodies held).
 * Before these tests only a flood through a real broker could reach them.
 */
class InFlightTest {

    @Test
    void aRequestIsAdmittedWholeOrNotAtAllAndARefusalChangesNothing() {
        InFlight f = new InFlight(10, 1_000);
        assertThat(f.tryAcquire(6, 600)).isTrue();
        // 6 + 5 events > 10: refused, although its bytes would fit.
        assertThat(f.tryAcquire(5, 100)).isFalse();
        assertThat(f.events()).isEqualTo(6);
        assertThat(f.bytes()).isEqualTo(600);
        // 600 + 500 bytes > 1,000: refused, although its events would fit; the events taken first are given back.
        assertThat(f.tryAcquire(1, 500)).isFalse();
        assertThat(f.events()).isEqualTo(6);
        assertThat(f.bytes()).isEqualTo(600);
        // Exactly at both limits is admitted.
        assertThat(f.tryAcquire(4, 400)).isTrue();
        assertThat(f.events()).isEqualTo(10);
        assertThat(f.bytes()).isEqualTo(1_000);
    }

    @Test
    void releasedRoomIsAdmittedAgain() {
        InFlight f = new InFlight(100, 10_000);
        assertThat(f.tryAcquire(100, 5_000)).isTrue();
        assertThat(f.tryAcquire(1, 1)).isFalse();
        f.release(100, 5_000);
        assertThat(f.events()).isZero();
        assertThat(f.bytes()).isZero();
        assertThat(f.tryAcquire(1, 1)).isTrue();
    }

    @Test
    void aBatchLargerThanTheLimitIsNeverAdmitted() {
        InFlight f = new InFlight(5, 1_000);
        assertThat(f.tryAcquire(6, 10)).isFalse();
        assertThat(f.tryAcquire(1, 1_001)).isFalse();
        assertThat(f.events()).isZero();
        assertThat(f.bytes()).isZero();
    }

    /**
     * Many threads acquiring and releasing at once (the event loops and Kafka's callback thread): what is held
     * never exceeds either limit as seen by the holders, and everything is back to zero at the end.
     */
    @Test
    void concurrentAdmissionsNeverHoldMoreThanTheLimits() throws Exception {
        InFlight f = new InFlight(50, 5_000);
        AtomicLong heldEvents = new AtomicLong();
        AtomicLong heldBytes = new AtomicLong();
        AtomicLong maxEvents = new AtomicLong();
        AtomicLong maxBytes = new AtomicLong();
        AtomicLong admitted = new AtomicLong();
        int threads = 4;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        CountDownLatch start = new CountDownLatch(1);
        try {
            List<Future<?>> done = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int seed = t;
                done.add(pool.submit(() -> {
                    start.await();
                    for (int i = 0; i < 20_000; i++) {
                        int n = 1 + (i + seed) % 7;
                        long size = 50L * n;
                        if (f.tryAcquire(n, size)) {
                            admitted.incrementAndGet();
                            maxEvents.accumulateAndGet(heldEvents.addAndGet(n), Math::max);
                            maxBytes.accumulateAndGet(heldBytes.addAndGet(size), Math::max);
                            heldEvents.addAndGet(-n);
                            heldBytes.addAndGet(-size);
                            f.release(n, size);
                        }
                    }
                    return null;
                }));
            }
            start.countDown();
            for (Future<?> d : done) {
                d.get(60, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }
        assertThat(admitted.get()).isPositive();
        assertThat(maxEvents.get()).isLessThanOrEqualTo(50);
        assertThat(maxBytes.get()).isLessThanOrEqualTo(5_000);
        assertThat(f.events()).isZero();
        assertThat(f.bytes()).isZero();
    }

    @Test
    void aBodyAloneOnTheNodeAlwaysFitsTheBodyBudget() {
        BodyBudget b = new BodyBudget(1_000);
        // Larger than the budget, but alone: admitted, else a limit below max-body-size would refuse it for good.
        assertThat(b.tryAcquire(5_000)).isTrue();
        assertThat(b.tryAcquire(1)).isFalse();
        assertThat(b.held()).isEqualTo(5_000);
        b.release(5_000);
        assertThat(b.tryAcquire(600)).isTrue();
        assertThat(b.tryAcquire(400)).isTrue();
        assertThat(b.tryAcquire(1)).isFalse();
        assertThat(b.held()).isEqualTo(1_000);
        b.release(600);
        b.release(400);
        assertThat(b.held()).isZero();
    }
}
