package dev.dash.ingestor.ingest;

import java.util.concurrent.atomic.AtomicLong;

/**
 * Request-body bytes held on this node, from the first byte read until the answer
 * ({@code dash.ingest.max-buffered-bytes}). All or nothing per request; beyond the limit the request is
 * refused with 503 before its body is read, so a flood of large bodies cannot fill the heap.
 */
final class BodyBudget {
    private final long max;
    private final AtomicLong held = new AtomicLong();

    BodyBudget(long max) {
        this.max = max;
    }

    /**
     * Takes room for a body of {@code bytes}, or returns false leaving everything unchanged. A body alone on
     * the node always fits, so a limit below {@code max-body-size} cannot refuse a body for good.
     */
    boolean tryAcquire(long bytes) {
        long now = held.addAndGet(bytes);
        if (now > max && now != bytes) {
            held.addAndGet(-bytes);
            return false;
        }
        return true;
    }

    void release(long bytes) {
        held.addAndGet(-bytes);
    }

    long held() {
        return held.get();
    }
}
