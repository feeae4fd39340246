package dev.dash.ingestor.ingest;

import jdk.jfr.Category;
import jdk.jfr.DataAmount;
import jdk.jfr.Description;
import jdk.jfr.Event;
import jdk.jfr.EventType;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.StackTrace;
import jdk.jfr.Threshold;
import jdk.jfr.Timespan;

/**
 * JFR events of the ingest path, for finding where a slow request waited (docs/benchmarks.md, issue-singles): a
 * dedupe statement (claims or commits) and a publish to {@code dash.raw}, each recorded when it took longer than its
 * threshold (overridable in a recording's settings). Without a recording a dedupe statement costs an object and two
 * clock reads, a publish nothing ({@link #publish}).
 */
final class IngestEvents {
    private IngestEvents() {}

    /** One dedupe statement: from taking its group off the queue to its result (the pool's connection included). */
    @Name("dash.ingest.DedupeStatement")
    @Label("Dedupe statement")
    @Category({"Dash", "Ingest"})
    @StackTrace(false)
    @Threshold("10 ms")
    static final class DedupeStatement extends Event {
        @Label("Kind")
        String kind;

        @Label("Rows")
        int rows;

        @Label("Queued")
        @Description("How long the group's first request waited in the queue before its statement started")
        @Timespan(Timespan.NANOSECONDS)
        long queued;
    }

    /** One request's records, from the producer's send to Kafka's acknowledgement of all of them. */
    @Name("dash.ingest.Publish")
    @Label("Publish to dash.raw")
    @Category({"Dash", "Ingest"})
    @StackTrace(false)
    @Threshold("10 ms")
    static final class Publish extends Event {
        @Label("Events")
        int events;

        @Label("Bytes")
        @DataAmount
        long bytes;
    }

    private static final EventType PUBLISH = EventType.getEventType(Publish.class);

    /**
     * A started {@link Publish} event when a recording has it enabled, else null: without a recording a request
     * allocates no event object.
     */
    static Publish publish(int events, long bytes) {
        if (!PUBLISH.isEnabled()) {
            return null;
        }
        Publish event = new Publish();
        event.begin();
        event.events = events;
        event.bytes = bytes;
        return event;
    }
}
