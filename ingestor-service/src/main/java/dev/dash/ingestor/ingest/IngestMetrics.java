package dev.dash.ingestor.ingest;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.util.concurrent.ConcurrentHashMap;

/** The ingest API's meters, created once so the hot path only increments. */
final class IngestMetrics {
    private final MeterRegistry registry;
    private final Counter acceptedRequests;
    private final Counter acceptedEvents;
    private final Counter acceptedBytes;
    private final Counter duplicates;
    private final Timer publishLatency;
    private final ConcurrentHashMap<String, Counter> rejected = new ConcurrentHashMap<>();

    IngestMetrics(MeterRegistry registry, InFlight inFlight) {
        this.registry = registry;
        this.acceptedRequests = Counter.builder("dash.ingest.accepted.requests")
                .description("Requests answered 202 after Kafka acknowledged them")
                .register(registry);
        this.acceptedEvents = Counter.builder("dash.ingest.accepted.events")
                .description("Events acknowledged by Kafka and answered 202")
                .register(registry);
        this.acceptedBytes = Counter.builder("dash.ingest.accepted.bytes")
                .description("Body bytes of accepted events")
                .baseUnit("bytes")
                .register(registry);
        this.duplicates = Counter.builder("dash.ingest.duplicates")
                .description("Deliveries answered 200 as duplicates of an earlier delivery id")
                .register(registry);
        this.publishLatency = Timer.builder("dash.ingest.publish.latency")
                .description("From handing a request's events to the producer to Kafka's acknowledgement of all")
                .publishPercentiles(0.5, 0.99)
                .register(registry);
        Gauge.builder("dash.ingest.inflight.events", inFlight, InFlight::events)
                .description("Events sent to Kafka and not yet acknowledged on this node")
                .register(registry);
        Gauge.builder("dash.ingest.inflight.bytes", inFlight, InFlight::bytes)
                .description("Bytes sent to Kafka and not yet acknowledged on this node")
                .baseUnit("bytes")
                .register(registry);
    }

    void accepted(int events, long bytes) {
        acceptedRequests.increment();
        acceptedEvents.increment(events);
        acceptedBytes.increment(bytes);
    }

    void duplicate() {
        duplicates.increment();
    }

    void rejected(String reason) {
        rejected.computeIfAbsent(
                        reason,
                        r -> Counter.builder("dash.ingest.rejected")
                                .description("Requests refused, by reason")
                                .tag("reason", r)
                                .register(registry))
                .increment();
    }

    void published(long nanos) {
        publishLatency.record(nanos, java.util.concurrent.TimeUnit.NANOSECONDS);
    }
}
