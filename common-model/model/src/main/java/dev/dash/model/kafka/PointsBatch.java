package dev.dash.model.kafka;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;

/**
 * The value of one {@link Topics#POINTS} record: points of one pipeline that one Silver writer batch
 * committed (key: the pipeline id); a batch's points may span several records, each under the writer's size
 * bound, in order. Published only after the batch's database transaction committed, so a
 * consumer never sees a point that Silver does not hold; a redelivered batch may be published again, so
 * consumers treat {@code (mappingVersion, eventId, seq)} as the point's identity.
 *
 * <p>During a replay's dual write the batch carries points of both the active and the pending version;
 * dashboards show only the version that is active for them ({@link Point#mappingVersion()}).
 *
 * @param pipelineId the pipeline
 * @param teamId the team owning the pipeline
 * @param committedAt when the batch was committed to Silver
 * @param points the points, in the order written
 */
public record PointsBatch(UUID pipelineId, UUID teamId, Instant committedAt, List<Point> points) {

    /** Requires every component; the list is copied. */
    public PointsBatch {
        Objects.requireNonNull(pipelineId, "pipelineId");
        Objects.requireNonNull(teamId, "teamId");
        Objects.requireNonNull(committedAt, "committedAt");
        points = List.copyOf(points);
    }

    /**
     * One point as stored in {@code metrics}.
     *
     * @param time the point's time
     * @param metric the metric name
     * @param labels label names to values
     * @param value the value
     * @param eventId the event the point came from
     * @param seq the point's ordinal among the points of its event under this mapping version
     * @param mappingVersion the mapping version that produced it
     * @param receivedAt when Dash received the event (for end-to-end latency)
     */
    public record Point(
            Instant time,
            String metric,
            Map<String, String> labels,
            double value,
            UUID eventId,
            int seq,
            int mappingVersion,
            Instant receivedAt) {}
}
