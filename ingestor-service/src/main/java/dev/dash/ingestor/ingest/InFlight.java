package dev.dash.ingestor.ingest;

import java.util.concurrent.atomic.AtomicLong;

/**
 * Events and bytes handed to Kafka and not yet acknowledged on this node. Admission is all or nothing per
 * request, so a batch never gets half a permit; beyond either limit the request is refused with 503.
 */
final class InFlight {
    private final long maxEvents;
    private final long maxBytes;
    private final AtomicLong events = new AtomicLong();
    private final AtomicLong bytes = new AtomicLong();

    InFlight(long maxEvents, long maxBytes) {
        this.maxEvents = maxEvents;
        this.maxBytes = maxBytes;
    }

    /** Takes room for a request, or returns false leaving everything unchanged. */
    boolean tryAcquire(int n, long size) {
        if (events.addAndGet(n) > maxEvents) {
            events.addAndGet(-n);
            return false;
        }
        if (bytes.addAndGet(size) > maxBytes) {
            bytes.addAndGet(-size);
            events.addAndGet(-n);
            return false;
        }
        return true;
    }

    void release(int n, long size) {
        events.addAndGet(-n);
        bytes.addAndGet(-size);
    }

    long events() {
        return events.get();
    }

    long bytes() {
        return bytes.get();
    }
}
